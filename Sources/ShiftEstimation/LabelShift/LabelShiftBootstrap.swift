import Evaluation
import Foundation
import LinearAlgebra

/// Percentile bootstrap intervals for a label-shift estimate.
///
/// Each replicate resamples the holdout with replacement within each class (so the source class
/// counts stay fixed, as they are a design choice of the split) and the target with
/// replacement, then re-runs the whole method, calibration included.
public struct LabelShiftBootstrap: Sendable, Equatable {
  /// Replicates drawn (at least 2).
  public var replicates: Int
  /// Coverage level of the intervals, in (0, 1).
  public var level: Double

  /// A bootstrap of `replicates` draws at `level` (default 95 %).
  public init(replicates: Int, level: Double = 0.95) {
    self.replicates = replicates
    self.level = level
  }

  /// Intervals for `method`'s estimate (a concrete method: the one `auto` chose) on `problem`.
  public func intervals(
    for method: LabelShiftMethod, on problem: LabelShiftProblem, using generator: inout some RandomNumberGenerator
  ) throws -> LabelShiftIntervals {
    guard method != .auto else { throw ShiftEstimationError.invalidInput("bootstrap a concrete method, not auto") }
    guard replicates >= 2 else {
      throw ShiftEstimationError.invalidInput("the bootstrap needs at least 2 replicates, got \(replicates)")
    }
    guard level > 0, level < 1 else {
      throw ShiftEstimationError.invalidInput("the interval level must be in (0, 1), got \(level)")
    }
    let k = problem.classCount
    let targetCount = problem.targetLogits.rows
    var priors = [[Double]](repeating: [], count: k)
    var weights = [[Double]](repeating: [], count: k)
    for _ in 0..<replicates {
      let targetRows = (0..<targetCount).map { _ in generator.uniformIndex(below: targetCount) }
      let holdoutRows = problem.bootstrapHoldoutRows(using: &generator)
      let estimate = try LabelShiftEstimator.run(
        method, on: problem.resampled(holdoutRows: holdoutRows, targetRows: targetRows))
      let replicateWeights = estimate.weights
      for j in 0..<k {
        priors[j].append(estimate.targetPrior[j])
        weights[j].append(replicateWeights[j])
      }
    }
    return LabelShiftIntervals(
      level: level, replicates: replicates, targetPrior: priors.map { .init(percentileOf: $0, level: level) },
      weights: weights.map { .init(percentileOf: $0, level: level) })
  }
}

/// Percentile bootstrap intervals for a label-shift estimate, per class.
public struct LabelShiftIntervals: Sendable, Equatable {
  /// Coverage level (e.g. 0.95).
  public var level: Double
  /// Bootstrap replicates drawn.
  public var replicates: Int
  /// Per class, the interval for the target prior.
  public var targetPrior: [ConfidenceInterval]
  /// Per class, the interval for the weight.
  public var weights: [ConfidenceInterval]
}
