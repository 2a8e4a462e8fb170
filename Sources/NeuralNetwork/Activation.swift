import Foundation

/// Element-wise non-linearities for hidden layers (d2l §4.1).
public enum Activation: String, Sendable, Codable, CaseIterable {
  /// `max(0, x)`.
  case relu
  /// `x` for `x > 0`, else `0.01·x` (keeps a gradient for negative inputs).
  case leakyReLU = "leaky-relu"
  /// `1 / (1 + e⁻ˣ)`.
  case sigmoid
  /// `(eˣ − e⁻ˣ) / (eˣ + e⁻ˣ)`.
  case tanh
  /// `x` (a linear layer).
  case identity

  /// Slope of leaky ReLU for negative inputs.
  public static let leakySlope: Float = 0.01

  /// Applies the activation to `count` values in place.
  @inlinable
  public func apply(_ x: UnsafeMutablePointer<Float>, count: Int) {
    switch self {
    case .relu: for i in 0..<count { x[i] = max(x[i], 0) }
    case .leakyReLU: for i in 0..<count { x[i] = x[i] > 0 ? x[i] : Self.leakySlope * x[i] }
    case .sigmoid: for i in 0..<count { x[i] = 1 / (1 + expf(-x[i])) }
    case .tanh: for i in 0..<count { x[i] = tanhf(x[i]) }
    case .identity: break
    }
  }

  /// Multiplies the upstream gradient `gradient` by the derivative, expressed through the
  /// activation's *output* `output` (every case here allows it: ReLU's sign is the output's sign,
  /// σ' = σ(1 − σ), tanh' = 1 − tanh²).
  @inlinable
  public func backpropagate(_ gradient: UnsafeMutablePointer<Float>, output: UnsafePointer<Float>, count: Int) {
    switch self {
    case .relu: for i in 0..<count where !(output[i] > 0) { gradient[i] = 0 }
    case .leakyReLU: for i in 0..<count where !(output[i] > 0) { gradient[i] *= Self.leakySlope }
    case .sigmoid: for i in 0..<count { gradient[i] *= output[i] * (1 - output[i]) }
    case .tanh: for i in 0..<count { gradient[i] *= 1 - output[i] * output[i] }
    case .identity: break
    }
  }
}
