import Evaluation
import Foundation
import LinearAlgebra
import ShiftEstimation

/// All label-free estimates for one classifier, from its logits on a labelled source
/// holdout and on the unlabelled target (and, for importance weighting, the holdout rows'
/// covariate-shift weights towards the target).
public struct TargetPerformanceEstimator: Sendable {
  /// The label-shift method whose target prior feeds
  /// ``ExpectedConfusion/underLabelShift(holdoutPredicted:holdoutLabels:targetPrior:)`` and the
  /// prior correction (`auto` runs EM-BCTS, which shares the calibration the confidence-based
  /// estimates need).
  public var labelShiftMethod: LabelShiftMethod
  /// Bootstrap replicates for the intervals (0: none).
  public var replicates: Int
  /// Interval level.
  public var level: Double

  /// An estimator; the defaults are EM-BCTS, 200 replicates, 95 % intervals.
  public init(labelShiftMethod: LabelShiftMethod = .emBCTS, replicates: Int = 200, level: Double = 0.95) {
    self.labelShiftMethod = labelShiftMethod
    self.replicates = replicates
    self.level = level
  }

  /// The estimates, in ``TargetPerformanceEstimate/Estimator`` order.
  ///
  /// `holdoutWeights` are the importance weights `p_target(x)/p_source(x)` of the holdout rows
  /// (e.g. from a ``CovariateShiftEstimator`` between the holdout's and the target's features).
  ///
  /// Bootstrap replicates resample the holdout (within classes) and the target; the label-shift
  /// prior and the calibration are re-estimated in each, the importance weights are kept per
  /// row. Accuracy intervals are prediction intervals for the accuracy the target's labels will
  /// show: each replicate adds the binomial scatter of n_t right-or-wrong rows around its
  /// expectation.
  public func estimate(
    _ problem: LabelShiftProblem, holdoutWeights weights: [Double], using generator: inout some RandomNumberGenerator
  ) throws -> [TargetPerformanceEstimate] {
    guard level > 0, level < 1 else {
      throw PerformanceEstimationError.invalidInput("the interval level must be in (0, 1), got \(level)")
    }
    guard weights.count == problem.holdoutLabels.count else {
      throw PerformanceEstimationError.invalidInput(
        "\(weights.count) importance weights for \(problem.holdoutLabels.count) holdout rows")
    }
    let method = labelShiftMethod == .auto ? LabelShiftMethod.emBCTS : labelShiftMethod
    let point = try Self.confusions(problem, method: method, holdoutWeights: weights, using: &generator)
    var samples = [[ConfusionMatrix]](repeating: [], count: point.count)
    var accuracies = [[Double]](repeating: [], count: point.count)
    let targetRowCount = problem.targetLogits.rows
    if replicates >= 2 {
      for _ in 0..<replicates {
        let holdoutRows = problem.bootstrapHoldoutRows(using: &generator)
        let targetRows = (0..<targetRowCount).map { _ in generator.uniformIndex(below: targetRowCount) }
        let replicate = try problem.resampled(holdoutRows: holdoutRows, targetRows: targetRows)
        let confusions = try Self.confusions(
          replicate, method: method, holdoutWeights: holdoutRows.map { weights[$0] }, using: &generator)
        for (index, confusion) in confusions.enumerated() {
          samples[index].append(confusion)
          // The realised accuracy on these n_t rows scatters around the expected one by
          // √(a(1−a)/n_t) (each row right or wrong): add that draw, so the interval predicts the
          // accuracy the labels will show rather than only its expectation.
          let expected: Double = confusion.accuracy
          let scatter: Double = (expected * (1 - expected) / Double(targetRowCount)).squareRoot()
          accuracies[index].append(expected + scatter * generator.standardNormal())
        }
      }
    }
    func interval(_ values: [Double]) -> ConfidenceInterval? {
      values.count >= 2 ? .init(percentileOf: values, level: level) : nil
    }
    return TargetPerformanceEstimate.Estimator.allCases.enumerated().map { index, estimator in
      TargetPerformanceEstimate(
        estimator: estimator, accuracy: point[index].accuracy, macroF1: point[index].macroF1,
        accuracyInterval: interval(accuracies[index]), macroF1Interval: interval(samples[index].map(\.macroF1)))
    }
  }

  /// The expected target confusion under each estimator.
  static func confusions(
    _ problem: LabelShiftProblem, method: LabelShiftMethod, holdoutWeights: [Double],
    using generator: inout some RandomNumberGenerator
  ) throws -> [ConfusionMatrix] {
    let predicted = predictedClasses(problem.holdoutProbabilities)
    let calibration = try BiasCorrectedTemperatureScaling.fit(
      logits: problem.holdoutLogits, labels: problem.holdoutLabels)
    let calibrated = calibration.probabilities(forLogits: problem.targetLogits)
    // EM-BCTS shares the calibration CBPE needs; other methods run on their own.
    let prior =
      method == .emBCTS
      ? MaximumLikelihoodLabelShift.targetPrior(posteriors: calibrated, trainingPrior: problem.holdoutPrior)
      : try LabelShiftEstimator(method: method).estimate(problem, using: &generator).targetPrior
    let ratios = LabelShiftWeights(targetPrior: prior, sourcePrior: problem.holdoutPrior).weights
    // Calibration's per-class biases (and prior correction) can move the arg-max: score the
    // classifier's own predictions.
    let targetPredicted = predictedClasses(problem.targetProbabilities)
    return [
      ExpectedConfusion.underLabelShift(
        holdoutPredicted: predicted, holdoutLabels: problem.holdoutLabels, targetPrior: prior),
      ExpectedConfusion.importanceWeighted(
        holdoutPredicted: predicted, holdoutLabels: problem.holdoutLabels, weights: holdoutWeights,
        classCount: problem.classCount),
      ExpectedConfusion.confidenceBased(calibratedProbabilities: calibrated, predicted: targetPredicted),
      ExpectedConfusion.confidenceBased(
        calibratedProbabilities: priorCorrected(probabilities: calibrated, weights: ratios), predicted: targetPredicted),
    ]
  }
}
