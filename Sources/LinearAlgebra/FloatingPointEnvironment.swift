internal import CGSL

/// Control of subnormal (denormal) float handling on the calling thread.
///
/// Arithmetic on subnormals is up to 100× slower on x86. Tiny activations from small
/// initialisations (N(0, 0.01) in deep, wide nets) can produce them; flushing them to zero
/// changes results by less than 2⁻¹²⁶ per value.
public enum FloatingPointEnvironment {
  /// Whether the calling thread flushes subnormals to zero (flush-to-zero and
  /// denormals-are-zero); setting it has no effect off x86-64.
  public static var flushesToZero: Bool {
    get { shift_flush_to_zero_enabled() != 0 }
    set { shift_set_flush_to_zero(newValue ? 1 : 0) }
  }
}
