/// A target class prior `q` against a source class prior `p`, and the label-shift weights
/// `w(y) = q(y)/p(y)` they imply: the one place where the ratio is taken.
public struct LabelShiftWeights: Sendable, Equatable, Codable {
  /// The source prior `p(y)` the weights refer to.
  public var sourcePrior: [Double]
  /// The target prior `q(y)`.
  public var targetPrior: [Double]

  /// The weights that reweight a sample with `sourcePrior` to `targetPrior` (one entry per class in each).
  public init(targetPrior: [Double], sourcePrior: [Double]) {
    precondition(targetPrior.count == sourcePrior.count, "one prior entry per class in both")
    self.targetPrior = targetPrior
    self.sourcePrior = sourcePrior
  }

  /// `w(y) = q(y)/p(y)`; 0 for a class absent from the source (no source row can carry it).
  public var weights: [Double] { zip(targetPrior, sourcePrior).map { $1 > 0 ? $0 / $1 : 0 } }

  /// Per-sample weights for rows with the given labels: `w(yᵢ)`.
  public func sampleWeights(for labels: [Int]) -> [Double] {
    let weights = weights
    return labels.map { weights[$0] }
  }

  /// `‖ŵ − w‖²/k` of these weights against `truth`'s: the figure of merit for label-shift
  /// estimates.
  public func meanSquaredError(against truth: LabelShiftWeights) -> Double {
    weightMeanSquaredError(weights, truth.weights)
  }
}

/// `‖ŵ − w‖²/k`: the figure of merit for label-shift weights.
public func weightMeanSquaredError(_ estimated: [Double], _ truth: [Double]) -> Double {
  precondition(estimated.count == truth.count, "weight vectors of different lengths")
  return zip(estimated, truth).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(max(truth.count, 1))
}
