import Foundation
import LinearAlgebra

/// How per-sample losses `wᵢ·ℓᵢ` are combined.
public enum LossReduction: String, Sendable, Codable {
  /// `(1/n) Σ wᵢ ℓᵢ`: the weighted empirical risk of SPEC §2 (divides by n, not by Σw, so that
  /// importance weights with mean 1 give an unbiased risk estimate).
  case mean
  /// `Σ wᵢ ℓᵢ`: a weight of 2 then counts exactly like a duplicated sample.
  case sum
  /// No reduction: the loss value is `Σ wᵢ ℓᵢ`, and ``LossEvaluation/perSample`` holds each `wᵢ ℓᵢ`.
  case none
}

/// What a network is trained to predict.
public enum Targets: Sendable, Equatable {
  /// One class index per example (for ``LossFunction/softmaxCrossEntropy``).
  case classes([Int])
  /// One row of real targets per example (for ``LossFunction/binaryCrossEntropy`` with
  /// targets in [0, 1], or ``LossFunction/meanSquaredError``).
  case values(Matrix)

  /// Number of examples.
  public var count: Int {
    switch self {
    case .classes(let labels): labels.count
    case .values(let matrix): matrix.rows
    }
  }
}

/// The loss functions of SPEC §1, each with optional per-sample weights.
public enum LossFunction: String, Sendable, Codable, CaseIterable {
  /// `ℓ = logsumexp(z) − z_y`, computed with the max-shift so logits of ±1000 stay finite
  /// (never `log(softmax(z))`, which underflows to `log 0`). Gradient: `softmax(z) − e_y`.
  case softmaxCrossEntropy = "softmax-cross-entropy"
  /// Binary cross-entropy on logits, per output `max(z, 0) − z·y + log(1 + e^{−|z|})` (stable for
  /// any `z`), averaged over outputs. Gradient: `(σ(z) − y) / m`.
  case binaryCrossEntropy = "binary-cross-entropy"
  /// `ℓ = (1/m) Σⱼ (zⱼ − yⱼ)²` over the `m` outputs. Gradient: `2(z − y) / m`.
  case meanSquaredError = "mean-squared-error"

  /// The loss of `logits` (one row per example) against `targets`, and its gradient with respect to
  /// the logits, under `reduction`. `weights` (one per example, non-negative) default to 1.
  public func evaluate(
    logits: Matrix, targets: Targets, weights: [Float]? = nil, reduction: LossReduction = .mean
  ) throws -> LossEvaluation {
    guard targets.count == logits.rows else {
      throw NeuralNetworkError.shapeMismatch("\(logits.rows) rows of logits but \(targets.count) targets")
    }
    if let weights, weights.count != logits.rows {
      throw NeuralNetworkError.shapeMismatch("\(logits.rows) rows of logits but \(weights.count) weights")
    }
    try validate(targets: targets, outputs: logits.columns)
    guard logits.rows > 0 else {
      return LossEvaluation(value: 0, gradient: logits, perSample: reduction == .none ? [] : nil)
    }
    let scale: Float = reduction == .mean ? 1 / Float(logits.rows) : 1
    var gradient = Matrix(rows: logits.rows, columns: logits.columns)
    var perSample = [Double](repeating: 0, count: logits.rows)
    let total = logits.withUnsafeBufferPointer { z in
      gradient.withUnsafeMutableBufferPointer { g in
        perSample.withUnsafeMutableBufferPointer { s in
          withTargetPointers(targets) { batch in
            withOptionalPointer(weights) { w in
              compute(
                logits: z.baseAddress!, rows: logits.rows, columns: logits.columns, targets: batch, weights: w,
                gradientScale: scale, gradient: g.baseAddress!, perSample: s.baseAddress!)
            }
          }
        }
      }
    }
    let value = reduction == .mean ? total / Double(logits.rows) : total
    return LossEvaluation(value: value, gradient: gradient, perSample: reduction == .none ? perSample : nil)
  }

  /// Throws when `targets` do not suit this loss with `outputs` logits per example.
  func validate(targets: Targets, outputs: Int) throws {
    switch (self, targets) {
    case (.softmaxCrossEntropy, .classes(let labels)):
      if let bad = labels.first(where: { !(0..<outputs).contains($0) }) {
        throw NeuralNetworkError.shapeMismatch("class index \(bad) outside 0..<\(outputs)")
      }
    case (.softmaxCrossEntropy, .values):
      throw NeuralNetworkError.shapeMismatch("softmax cross-entropy needs class targets")
    case (.binaryCrossEntropy, .values(let y)), (.meanSquaredError, .values(let y)):
      guard y.columns == outputs else {
        throw NeuralNetworkError.shapeMismatch("targets have \(y.columns) columns, the network \(outputs) outputs")
      }
      if self == .binaryCrossEntropy, y.storage.contains(where: { !($0 >= 0 && $0 <= 1) }) {
        throw NeuralNetworkError.shapeMismatch("binary cross-entropy targets must lie in [0, 1]")
      }
    case (.binaryCrossEntropy, .classes), (.meanSquaredError, .classes):
      throw NeuralNetworkError.shapeMismatch("\(rawValue) needs real-valued targets")
    }
  }

  /// The kernel shared by ``evaluate(logits:targets:weights:reduction:)`` and the trainer: returns
  /// `Σ wᵢ ℓᵢ` (double accumulation), writes `gradientScale · wᵢ · ∂ℓᵢ/∂z` into `gradient` and,
  /// when given, `wᵢ ℓᵢ` into `perSample`.
  func compute(
    logits z: UnsafePointer<Float>, rows: Int, columns k: Int, targets: TargetPointers,
    weights: UnsafePointer<Float>?, gradientScale: Float, gradient g: UnsafeMutablePointer<Float>,
    perSample: UnsafeMutablePointer<Double>?
  ) -> Double {
    var total = 0.0
    for i in 0..<rows {
      let w = weights?[i] ?? 1
      let row = z + i * k
      let out = g + i * k
      var loss = 0.0
      let factor = gradientScale * w
      switch (self, targets) {
      case (.softmaxCrossEntropy, .classes(let labels)):
        let (maximum, sum) = shiftedExponentials(row, count: k, into: out)
        let label = labels[i]
        loss = Double(maximum) + log(Double(sum)) - Double(row[label])
        let inverse = factor / sum
        for j in 0..<k { out[j] *= inverse }
        out[label] -= factor
      case (.binaryCrossEntropy, .values(let y)):
        let target = y + i * k
        let perOutput = factor / Float(k)
        for j in 0..<k {
          let x = row[j]
          loss += Double(max(x, 0) - x * target[j] + log1pf(expf(-abs(x))))
          out[j] = perOutput * (1 / (1 + expf(-x)) - target[j])
        }
        loss /= Double(k)
      case (.meanSquaredError, .values(let y)):
        let target = y + i * k
        let perOutput = 2 * factor / Float(k)
        for j in 0..<k {
          let difference = row[j] - target[j]
          loss += Double(difference * difference)
          out[j] = perOutput * difference
        }
        loss /= Double(k)
      default:
        preconditionFailure("targets were validated against the loss")
      }
      total += Double(w) * loss
      perSample?[i] = Double(w) * loss
    }
    return total
  }
}

/// A loss value with its gradient.
public struct LossEvaluation: Sendable {
  /// The reduced loss.
  public var value: Double
  /// `∂value/∂logits`, same shape as the logits.
  public var gradient: Matrix
  /// `wᵢ ℓᵢ` per example, with ``LossReduction/none``.
  public var perSample: [Double]?
}

/// Pointers to a batch of targets, for the loss kernels.
enum TargetPointers {
  case classes(UnsafePointer<Int>)
  case values(UnsafePointer<Float>)
}

func withTargetPointers<R>(_ targets: Targets, _ body: (TargetPointers) -> R) -> R {
  switch targets {
  case .classes(let labels): labels.withUnsafeBufferPointer { body(.classes($0.baseAddress!)) }
  case .values(let matrix): matrix.withUnsafeBufferPointer { body(.values($0.baseAddress!)) }
  }
}

func withOptionalPointer<R>(_ array: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
  guard let array else { return body(nil) }
  return array.withUnsafeBufferPointer { body($0.baseAddress) }
}

/// Writes `exp(zⱼ − max z)` for the `count` logits at `z` into `output` (which may be `z` itself)
/// and returns the maximum and the sum: the max-shift keeps every exponent ≤ 0, so nothing
/// overflows, and `max + log(sum)` is the log-sum-exp.
@inline(__always)
func shiftedExponentials(
  _ z: UnsafePointer<Float>, count k: Int, into output: UnsafeMutablePointer<Float>
) -> (maximum: Float, sum: Float) {
  var maximum = z[0]
  for j in 1..<k { maximum = max(maximum, z[j]) }
  var sum: Float = 0
  for j in 0..<k {
    output[j] = expf(z[j] - maximum)
    sum += output[j]
  }
  return (maximum, sum)
}
