import LinearAlgebra

/// Inverted dropout (Srivastava et al. 2014; d2l §4.6): in training each activation is kept with
/// probability `1 − rate` and scaled by `1 / (1 − rate)`, so its expectation is unchanged; at
/// inference it is the identity.
public struct Dropout: Sendable, Equatable, Codable {
  /// Probability of dropping an activation, in `[0, 1)`.
  public var rate: Float

  /// Dropout with the given rate.
  public init(rate: Float) {
    precondition(rate >= 0 && rate < 1, "dropout rate must be in [0, 1)")
    self.rate = rate
  }

  /// Whether the layer does anything in training.
  public var isActive: Bool { rate > 0 }

  /// Fills `mask` with `0` or `1 / (1 − rate)` and writes `values ⊙ mask` into `output`.
  func apply(
    _ values: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>, mask: UnsafeMutablePointer<Float>,
    count: Int, using generator: inout SplitMix64
  ) {
    let keep = 1 - Double(rate)
    let scale = 1 / Float(keep)
    // Compare 53-bit uniforms against `keep` through integers: one multiply per element.
    let threshold = UInt64(keep * 0x1p53)
    for i in 0..<count {
      mask[i] = (generator.next() >> 11) < threshold ? scale : 0
      output[i] = values[i] * mask[i]
    }
  }

  /// The training-mode output for `values` (a fresh mask each call).
  public func applied(to values: Matrix, using generator: inout SplitMix64) -> Matrix {
    var output = values
    var mask = [Float](repeating: 0, count: values.storage.count)
    values.withUnsafeBufferPointer { v in
      output.withUnsafeMutableBufferPointer { o in
        mask.withUnsafeMutableBufferPointer { m in
          guard let input = v.baseAddress else { return }
          apply(input, into: o.baseAddress!, mask: m.baseAddress!, count: v.count, using: &generator)
        }
      }
    }
    return output
  }
}
