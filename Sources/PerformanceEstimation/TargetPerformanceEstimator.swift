import Datasets
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
    let holdout = try prepare(
      holdoutLogits: problem.holdoutLogits, holdoutLabels: problem.holdoutLabels, sourcePrior: problem.sourcePrior,
      using: &generator)
    return try holdout.estimate(targetLogits: problem.targetLogits, holdoutWeights: weights, using: &generator)
      .estimates
  }

  /// The holdout's side of the estimates (its calibration and, per bootstrap replicate, a
  /// resample and its calibration), computed once for any number of targets. The classifier's
  /// predicted classes are `holdoutPredicted` when given (its own), else the most probable.
  public func prepare(
    holdoutLogits: Matrix, holdoutLabels: [Int], sourcePrior: [Double], holdoutPredicted: [Int]? = nil,
    using generator: inout some RandomNumberGenerator
  ) throws -> PreparedHoldout {
    guard level > 0, level < 1 else {
      throw PerformanceEstimationError.invalidInput("the interval level must be in (0, 1), got \(level)")
    }
    let problem = try LabelShiftProblem(
      holdoutLogits: holdoutLogits, holdoutLabels: holdoutLabels, targetLogits: holdoutLogits, sourcePrior: sourcePrior)
    let predicted = holdoutPredicted ?? predictedClasses(problem.holdoutProbabilities)
    guard predicted.count == holdoutLabels.count, predicted.allSatisfy({ (0..<sourcePrior.count).contains($0) }) else {
      throw PerformanceEstimationError.invalidInput("one predicted class among the classes per holdout row is needed")
    }
    let point = try PreparedHoldout.Side(problem, predicted: predicted, rows: nil)
    var sides: [PreparedHoldout.Side] = []
    if replicates >= 2 {
      for _ in 0..<replicates {
        let rows = problem.bootstrapHoldoutRows(using: &generator)
        sides.append(try .init(problem, predicted: predicted, rows: rows))
      }
    }
    let method = labelShiftMethod == .auto ? LabelShiftMethod.emBCTS : labelShiftMethod
    return PreparedHoldout(method: method, level: level, point: point, replicates: sides)
  }
}

/// A labelled holdout prepared for label-free estimates on any number of targets (see
/// ``TargetPerformanceEstimator/prepare(holdoutLogits:holdoutLabels:sourcePrior:holdoutPredicted:using:)``).
public struct PreparedHoldout: Sendable {
  /// The label-shift method of the prior (never `auto`).
  public let method: LabelShiftMethod
  /// Interval level.
  public let level: Double
  /// The holdout as given.
  let point: Side
  /// One bootstrap resample per replicate.
  let replicates: [Side]

  /// Number of holdout rows.
  public var rowCount: Int { point.labels.count }
  /// The holdout's class shares.
  public var prior: [Double] { point.prior }

  /// The holdout (or a resample of it) with what every target's estimate reuses.
  struct Side: Sendable {
    /// The resampled rows (nil: all rows, in order).
    var rows: [Int]?
    var logits: Matrix
    var labels: [Int]
    var predicted: [Int]
    var prior: [Double]
    var sourcePrior: [Double]
    var calibration: BiasCorrectedTemperatureScaling
    /// The prior the calibrated model implies (its mean calibrated probability over these rows):
    /// EM-BCTS's training prior, as in ``LabelShiftEstimator``.
    var impliedPrior: [Double]
    /// The chance that the predicted class is right as a function of its calibrated
    /// probability, fitted on these rows: calibration matches each class's total probability
    /// with its count, not the predicted class's probability with the accuracy.
    var confidenceMap: IsotonicRegression
    /// The positive class's probability (two classes only).
    var scores: [Double]

    /// `probabilities` (calibrated) with each row's `predicted` class given the probability
    /// ``confidenceMap`` maps its own to, the other classes scaled to share the rest.
    func recalibrated(_ probabilities: Matrix, predicted: [Int]) -> Matrix {
      var result = probabilities
      let k = probabilities.columns
      for (row, top) in predicted.enumerated() {
        let old = Double(probabilities[row, top])
        // Short of 1 (a block of rows all right): the other classes keep some probability, so
        // a prior correction can still move the row.
        let new = min(max(confidenceMap(old), 0), min(max(old, 0.999), 1 - 1e-6))
        let scale = old < 1 ? (1 - new) / (1 - old) : 0
        for j in 0..<k where j != top {
          result[row, j] = Float(old < 1 ? Double(probabilities[row, j]) * scale : (1 - new) / Double(k - 1))
        }
        result[row, top] = Float(new)
      }
      return result
    }

    init(_ problem: LabelShiftProblem, predicted: [Int], rows: [Int]?) throws {
      self.rows = rows
      logits = rows.map { problem.holdoutLogits.rows(at: $0) } ?? problem.holdoutLogits
      labels = rows.map { $0.map { problem.holdoutLabels[$0] } } ?? problem.holdoutLabels
      let probabilities = rows.map { problem.holdoutProbabilities.rows(at: $0) } ?? problem.holdoutProbabilities
      self.predicted = rows.map { $0.map { predicted[$0] } } ?? predicted
      prior = classShares(labels, classCount: problem.classCount)
      sourcePrior = problem.sourcePrior
      calibration = try BiasCorrectedTemperatureScaling.fit(logits: logits, labels: labels)
      let calibrated = calibration.probabilities(forLogits: logits)
      impliedPrior = calibrated.columnMeans()
      confidenceMap = IsotonicRegression(
        inputs: self.predicted.enumerated().map { Double(calibrated[$0, $1]) },
        targets: zip(self.predicted, labels).map { $0 == $1 ? 1 : 0 })
      scores = probabilities.columns == 2 ? (0..<probabilities.rows).map { Double(probabilities[$0, 1]) } : []
    }
  }

  /// What a target's estimates found: the estimates, and the target prior behind them with its
  /// bootstrap interval per class.
  public struct Result: Sendable {
    /// The estimates, in ``TargetPerformanceEstimate/Estimator`` order.
    public var estimates: [TargetPerformanceEstimate]
    /// The estimated target class prior.
    public var targetPrior: [Double]
    /// Per class, a percentile bootstrap interval for its prior (empty without bootstrap).
    public var targetPriorIntervals: [ConfidenceInterval]
  }

  /// The estimates for a target with the model's `targetLogits`; `holdoutWeights` as in
  /// ``TargetPerformanceEstimator/estimate(_:holdoutWeights:using:)``. The classifier's
  /// predicted classes are `targetPredicted` when given (its own), else the most probable.
  /// Without `bootstrap` only the point estimates are made.
  public func estimate(
    targetLogits: Matrix, holdoutWeights weights: [Double], targetPredicted: [Int]? = nil, bootstrap: Bool = true,
    using generator: inout some RandomNumberGenerator
  ) throws -> Result {
    guard weights.count == rowCount else {
      throw PerformanceEstimationError.invalidInput("\(weights.count) importance weights for \(rowCount) holdout rows")
    }
    let problem = try LabelShiftProblem(
      holdoutLogits: point.logits, holdoutLabels: point.labels, targetLogits: targetLogits,
      sourcePrior: point.sourcePrior)
    var target = Target(logits: problem.targetLogits, probabilities: problem.targetProbabilities)
    if let targetPredicted {
      guard targetPredicted.count == targetLogits.rows,
        targetPredicted.allSatisfy({ (0..<point.prior.count).contains($0) })
      else {
        throw PerformanceEstimationError.invalidInput("one predicted class among the classes per target row is needed")
      }
      target.predicted = targetPredicted
    }
    let (pointExpected, pointPrior) = try expected(point, target: target, weights: weights, using: &generator)
    // Each replicate's EM starts from the point estimate (the same fixed point, sooner).
    var samples = [[Expected]](repeating: [], count: pointExpected.count)
    var accuracies = [[Double]](repeating: [], count: pointExpected.count)
    var priors: [[Double]] = []
    let n = targetLogits.rows
    for side in bootstrap ? replicates : [] {
      let rows = (0..<n).map { _ in generator.uniformIndex(below: n) }
      let (confusions, prior) = try expected(
        side, target: target.rows(at: rows), weights: side.rows.map { $0.map { weights[$0] } } ?? weights,
        start: pointPrior, using: &generator)
      priors.append(prior)
      for (index, confusion) in confusions.enumerated() {
        samples[index].append(confusion)
        // The realised accuracy on these n_t rows scatters around the expected one by
        // √(a(1−a)/n_t) (each row right or wrong): add that draw, so the interval predicts the
        // accuracy the labels will show rather than only its expectation.
        let expected: Double = confusion.confusion.accuracy
        let scatter: Double = (expected * (1 - expected) / Double(n)).squareRoot()
        accuracies[index].append(expected + scatter * generator.standardNormal())
      }
    }
    func interval(_ values: [Double]) -> ConfidenceInterval? {
      values.count >= 2 ? .init(percentileOf: values, level: level) : nil
    }
    let estimates = TargetPerformanceEstimate.Estimator.allCases.enumerated().map { index, estimator in
      let confusion = pointExpected[index].confusion
      var estimate = TargetPerformanceEstimate(
        estimator: estimator, accuracy: confusion.accuracy, macroF1: confusion.macroF1,
        accuracyInterval: interval(accuracies[index]),
        macroF1Interval: interval(samples[index].map(\.confusion.macroF1)))
      if point.prior.count == 2, let auc = pointExpected[index].rocAUC {
        estimate.binary = .init(
          precision: confusion.precision[1], recall: confusion.recall[1], rocAUC: auc,
          precisionInterval: interval(samples[index].map(\.confusion.precision[1])),
          recallInterval: interval(samples[index].map(\.confusion.recall[1])),
          rocAUCInterval: interval(samples[index].compactMap(\.rocAUC)))
      }
      return estimate
    }
    let priorIntervals =
      priors.count >= 2
      ? point.prior.indices.compactMap { j in interval(priors.map { $0[j] }) } : []
    return Result(estimates: estimates, targetPrior: pointPrior, targetPriorIntervals: priorIntervals)
  }

  /// A target's logits with their probabilities and predicted classes.
  struct Target {
    var logits: Matrix
    var probabilities: Matrix
    var predicted: [Int]

    init(logits: Matrix, probabilities: Matrix) {
      self.logits = logits
      self.probabilities = probabilities
      predicted = predictedClasses(probabilities)
    }

    /// The rows at `indices` (they may repeat).
    func rows(at indices: [Int]) -> Target {
      var subset = self
      subset.logits = logits.rows(at: indices)
      subset.probabilities = probabilities.rows(at: indices)
      subset.predicted = indices.map { predicted[$0] }
      return subset
    }
  }

  /// One estimator's expected target confusion and, for two classes, its expected ROC AUC.
  struct Expected {
    var confusion: ConfusionMatrix
    var rocAUC: Double?
  }

  /// The expected target confusion (and, for two classes, ROC AUC of the positive class's
  /// probability) under each estimator, and the target prior: under label shift the ROC curve
  /// does not change (p(x|y) is fixed), so the holdout's AUC stands; importance weighting
  /// weights the holdout's rows; the confidence-based estimators count each target row as
  /// positive with its calibrated probability.
  func expected(
    _ holdout: Side, target: Target, weights holdoutWeights: [Double], start: [Double]? = nil,
    using generator: inout some RandomNumberGenerator
  ) throws -> ([Expected], [Double]) {
    let calibrated = holdout.calibration.probabilities(forLogits: target.logits)
    // EM-BCTS shares the calibration CBPE needs; other methods run on their own.
    let prior =
      method == .emBCTS
      ? MaximumLikelihoodLabelShift.targetPrior(
        posteriors: calibrated, trainingPrior: holdout.impliedPrior, start: start)
      : try LabelShiftEstimator(method: method).estimate(
        LabelShiftProblem(
          holdoutLogits: holdout.logits, holdoutLabels: holdout.labels, targetLogits: target.logits,
          sourcePrior: holdout.sourcePrior),
        using: &generator
      ).targetPrior
    // The calibrated probabilities carry the prior the calibrated model implies: EM-BCTS's
    // training prior, and what the prior correction divides by.
    let ratios = LabelShiftWeights(
      targetPrior: prior, sourcePrior: method == .emBCTS ? holdout.impliedPrior : holdout.prior
    ).weights
    // Calibration's per-class biases (and prior correction) can move the arg-max: score the
    // classifier's own predictions, their probabilities mapped to the holdout's accuracy.
    let recalibrated = holdout.recalibrated(calibrated, predicted: target.predicted)
    let corrected = priorCorrected(probabilities: recalibrated, weights: ratios)
    let confusions = [
      ExpectedConfusion.underLabelShift(
        holdoutPredicted: holdout.predicted, holdoutLabels: holdout.labels, targetPrior: prior),
      ExpectedConfusion.importanceWeighted(
        holdoutPredicted: holdout.predicted, holdoutLabels: holdout.labels, weights: holdoutWeights,
        classCount: prior.count),
      ExpectedConfusion.confidenceBased(calibratedProbabilities: recalibrated, predicted: target.predicted),
      ExpectedConfusion.confidenceBased(calibratedProbabilities: corrected, predicted: target.predicted),
    ]
    guard prior.count == 2 else { return (confusions.map { Expected(confusion: $0) }, prior) }
    // The ranking score: the positive class's probability (calibration keeps its order).
    let targetScores = (0..<target.probabilities.rows).map { Double(target.probabilities[$0, 1]) }
    let isPositive = holdout.labels.map { $0 == 1 ? 1.0 : 0.0 }
    func targetAUC(_ probabilities: Matrix) -> Double? {
      let positive = (0..<probabilities.rows).map { Double(probabilities[$0, 1]) }
      return areaUnderROCCurve(scores: targetScores, positiveMass: positive, negativeMass: positive.map { 1 - $0 })
    }
    let aucs = [
      areaUnderROCCurve(scores: holdout.scores, positiveMass: isPositive, negativeMass: isPositive.map { 1 - $0 }),
      areaUnderROCCurve(
        scores: holdout.scores, positiveMass: zip(isPositive, holdoutWeights).map { $0 * $1 },
        negativeMass: zip(isPositive, holdoutWeights).map { (1 - $0) * $1 }),
      targetAUC(recalibrated), targetAUC(corrected),
    ]
    return (zip(confusions, aucs).map { Expected(confusion: $0, rocAUC: $1) }, prior)
  }
}
