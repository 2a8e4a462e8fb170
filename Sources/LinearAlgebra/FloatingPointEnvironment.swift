internal import CGSL

/// Control of subnormal (denormal) float handling on the calling thread.
///
/// Arithmetic on subnormals is up to 100× slower on x86. Tiny activations from small
/// initialisations (N(0, 0.01) in deep, wide nets) can produce them; flushing them to zero
/// changes results by less than 2⁻¹²⁶ per value.
public enum FloatingPointEnvironment {
  /// Sets flush-to-zero and denormals-are-zero on the calling thread (no-op off x86-64).
  public static func enableFlushToZero() { shift_enable_flush_to_zero() }
  /// Whether the calling thread flushes subnormals to zero.
  public static var flushesToZero: Bool { shift_flush_to_zero_enabled() != 0 }
}
