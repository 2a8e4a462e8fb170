import Foundation
import LinearAlgebra

/// How a dense layer's weights are drawn before training (biases start at zero).
public enum Initialization: Sendable, Codable, Equatable, CustomStringConvertible {
  /// Glorot & Bengio (2010), uniform: `U(−a, a)`, `a = √(6 / (n_in + n_out))`, variance `2 / (n_in + n_out)`.
  case xavierUniform
  /// Glorot & Bengio (2010), normal: `N(0, 2 / (n_in + n_out))`.
  case xavierNormal
  /// He et al. (2015), for ReLU networks: `N(0, 2 / n_in)`.
  case he
  /// `N(0, σ²)`, as in d2l's MLP chapter (σ = 0.01).
  case normal(standardDeviation: Double)

  /// Parses `xavier`, `xavier-uniform`, `xavier-normal`, `he`, `normal` (σ = 0.01) or `normal:σ`.
  public init?(parsing text: String) {
    let lowered = text.lowercased()
    switch lowered {
    case "xavier", "xavier-uniform", "glorot": self = .xavierUniform
    case "xavier-normal": self = .xavierNormal
    case "he", "kaiming": self = .he
    case "normal": self = .normal(standardDeviation: 0.01)
    default:
      guard lowered.hasPrefix("normal:"), let sd = Double(lowered.dropFirst(7)), sd > 0, sd.isFinite else { return nil }
      self = .normal(standardDeviation: sd)
    }
  }

  /// The name `init(parsing:)` reads back, e.g. `he` or `normal:0.01`.
  public var description: String {
    switch self {
    case .xavierUniform: "xavier-uniform"
    case .xavierNormal: "xavier-normal"
    case .he: "he"
    case .normal(let sd): "normal:\(sd)"
    }
  }

  /// An `inputs × outputs` weight matrix drawn from this distribution.
  public func weights(inputs: Int, outputs: Int, using generator: inout some RandomNumberGenerator) -> Matrix {
    let count = inputs * outputs
    let values: [Float]
    switch self {
    case .xavierUniform:
      let bound = (6 / Double(inputs + outputs)).squareRoot()
      values = (0..<count).map { _ in Float((generator.uniformUnit() * 2 - 1) * bound) }
    case .xavierNormal:
      let sd = (2 / Double(inputs + outputs)).squareRoot()
      values = (0..<count).map { _ in Float(generator.standardNormal() * sd) }
    case .he:
      let sd = (2 / Double(inputs)).squareRoot()
      values = (0..<count).map { _ in Float(generator.standardNormal() * sd) }
    case .normal(let sd):
      values = (0..<count).map { _ in Float(generator.standardNormal() * sd) }
    }
    return Matrix(rows: inputs, columns: outputs, storage: values)
  }
}
