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
    var samples = [[Expected]](repeating: [], count: point.count)
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
          let expected: Double = confusion.confusion.accuracy
          let scatter: Double = (expected * (1 - expected) / Double(targetRowCount)).squareRoot()
          accuracies[index].append(expected + scatter * generator.standardNormal())
        }
      }
    }
    func interval(_ values: [Double]) -> ConfidenceInterval? {
      values.count >= 2 ? .init(percentileOf: values, level: level) : nil
    }
    return TargetPerformanceEstimate.Estimator.allCases.enumerated().map { index, estimator in
      let confusion = point[index].confusion
      var estimate = TargetPerformanceEstimate(
        estimator: estimator, accuracy: confusion.accuracy, macroF1: confusion.macroF1,
        accuracyInterval: interval(accuracies[index]),
        macroF1Interval: interval(samples[index].map(\.confusion.macroF1)))
      if problem.classCount == 2, let auc = point[index].rocAUC {
        estimate.binary = .init(
          precision: confusion.precision[1], recall: confusion.recall[1], rocAUC: auc,
          precisionInterval: interval(samples[index].map(\.confusion.precision[1])),
          recallInterval: interval(samples[index].map(\.confusion.recall[1])),
          rocAUCInterval: interval(samples[index].compactMap(\.rocAUC)))
      }
      return estimate
    }
  }

  /// One estimator's expected target confusion and, for two classes, its expected ROC AUC.
  struct Expected {
    var confusion: ConfusionMatrix
    var rocAUC: Double?
  }

  /// The expected target confusion (and, for two classes, ROC AUC of the positive class's
  /// probability) under each estimator: under label shift the ROC curve does not change (p(x|y)
  /// is fixed), so the holdout's AUC stands; importance weighting weights the holdout's rows;
  /// the confidence-based estimators count each target row as positive with its calibrated
  /// probability.
  static func confusions(
    _ problem: LabelShiftProblem, method: LabelShiftMethod, holdoutWeights: [Double],
    using generator: inout some RandomNumberGenerator
  ) throws -> [Expected] {
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
    let corrected = priorCorrected(probabilities: calibrated, weights: ratios)
    let confusions = [
      ExpectedConfusion.underLabelShift(
        holdoutPredicted: predicted, holdoutLabels: problem.holdoutLabels, targetPrior: prior),
      ExpectedConfusion.importanceWeighted(
        holdoutPredicted: predicted, holdoutLabels: problem.holdoutLabels, weights: holdoutWeights,
        classCount: problem.classCount),
      ExpectedConfusion.confidenceBased(calibratedProbabilities: calibrated, predicted: targetPredicted),
      ExpectedConfusion.confidenceBased(calibratedProbabilities: corrected, predicted: targetPredicted),
    ]
    guard problem.classCount == 2 else { return confusions.map { Expected(confusion: $0) } }
    // The ranking score: the positive class's probability (calibration keeps its order).
    let holdoutScores = (0..<problem.holdoutProbabilities.rows).map { Double(problem.holdoutProbabilities[$0, 1]) }
    let targetScores = (0..<problem.targetProbabilities.rows).map { Double(problem.targetProbabilities[$0, 1]) }
    let isPositive = problem.holdoutLabels.map { $0 == 1 ? 1.0 : 0.0 }
    func targetAUC(_ probabilities: Matrix) -> Double? {
      let positive = (0..<probabilities.rows).map { Double(probabilities[$0, 1]) }
      return areaUnderROCCurve(scores: targetScores, positiveMass: positive, negativeMass: positive.map { 1 - $0 })
    }
    let aucs = [
      areaUnderROCCurve(scores: holdoutScores, positiveMass: isPositive, negativeMass: isPositive.map { 1 - $0 }),
      areaUnderROCCurve(
        scores: holdoutScores, positiveMass: zip(isPositive, holdoutWeights).map { $0 * $1 },
        negativeMass: zip(isPositive, holdoutWeights).map { (1 - $0) * $1 }),
      targetAUC(calibrated), targetAUC(corrected),
    ]
    return zip(confusions, aucs).map { Expected(confusion: $0, rocAUC: $1) }
  }
}
