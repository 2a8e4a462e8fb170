import Datasets
import Evaluation
import Foundation
import LinearAlgebra
import NeuralNetwork
import PerformanceEstimation
import ShiftDetection
import ShiftEstimation

/// The whole correction workflow on one source/target pair (what `shiftcli correct` and
/// `shiftcli demo` run): train a base classifier on part of the source, detect the shift,
/// estimate the target prior and the label-free target performance, correct, and — when the
/// target's labels are known — evaluate before and after.
public struct CorrectionWorkflow: Sendable {
  /// The correction to apply (`auto`: follow the detector's verdict).
  public var correction: ShiftCorrection
  /// The base classifier's recipe (also used for the covariate-shift retraining).
  public var training: ClassifierTraining
  /// Share of the source held out (stratified) from training for the confusion matrix, the
  /// calibration and the label-free estimates.
  public var holdoutFraction: Double
  /// Bootstrap replicates of the before/after metric intervals.
  public var metricReplicates: Int
  /// Bootstrap replicates of the label-free estimates' intervals (each re-runs calibration and
  /// EM, so they cost far more than metric replicates).
  public var performanceReplicates: Int

  /// A workflow; the defaults are a 30 % holdout, 200 metric and 100 label-free replicates.
  public init(
    correction: ShiftCorrection = .auto, training: ClassifierTraining = ClassifierTraining(),
    holdoutFraction: Double = 0.3,
    metricReplicates: Int = 200, performanceReplicates: Int = 100
  ) {
    self.correction = correction
    self.training = training
    self.holdoutFraction = holdoutFraction
    self.metricReplicates = metricReplicates
    self.performanceReplicates = performanceReplicates
  }

  /// The smallest source the workflow accepts: it trains, holds out and cross-fits.
  public static let minimumSourceRows = 40
  /// The smallest target the workflow accepts.
  public static let minimumTargetRows = 5

  /// Runs the workflow. `targetLabels` index `source.classes` (nil when unknown); `columns`,
  /// the two tables' cells (see ``ColumnCells``), make the detector test each column by its
  /// kind (else each feature is tested as a number); `progress` hears what is being done.
  public func analyze(
    source: Dataset, targetFeatures: Matrix, targetLabels: [Int]?,
    columns: (source: ColumnCells, target: ColumnCells)? = nil,
    using generator: inout some RandomNumberGenerator, progress: (String) -> Void = { _ in }
  ) throws -> ShiftAnalysis {
    guard targetFeatures.columns == source.featureCount else {
      throw WorkflowError.invalidInput(
        "the target has \(targetFeatures.columns) features, the source \(source.featureCount)")
    }
    guard targetFeatures.rows >= Self.minimumTargetRows else {
      throw WorkflowError.invalidInput(
        "the target needs at least \(Self.minimumTargetRows) rows, got \(targetFeatures.rows)")
    }
    guard source.count >= Self.minimumSourceRows else {
      throw WorkflowError.invalidInput(
        "the source has \(source.count) rows; training, holding out and cross-fitting need at least \(Self.minimumSourceRows)"
      )
    }
    let classCount = source.classes.count
    if let targetLabels {
      guard targetLabels.count == targetFeatures.rows else {
        throw WorkflowError.invalidInput("\(targetLabels.count) target labels for \(targetFeatures.rows) target rows")
      }
      guard targetLabels.allSatisfy({ (0..<classCount).contains($0) }) else {
        throw WorkflowError.invalidInput("a target label lies outside the source's \(classCount) classes")
      }
    }
    let (train, holdout) = try source.split(fraction: holdoutFraction, using: &generator)
    progress("training the base MLP on \(train.count) source rows…")
    let classifier = try training.train(on: train, using: &generator)
    let holdoutLogits = try classifier.logits(for: holdout.features)
    let targetLogits = try classifier.logits(for: targetFeatures)
    let problem = try LabelShiftProblem(
      holdoutLogits: holdoutLogits, holdoutLabels: holdout.labels, targetLogits: targetLogits,
      sourcePrior: source.classPriors)

    progress("estimating the target class prior…")
    let labelEstimate = try LabelShiftEstimator().estimate(problem, using: &generator)
    progress("testing for shift…")
    let detection = try ShiftDetector().detect(
      source: source.features, target: targetFeatures, featureNames: source.featureNames, columns: columns,
      predictions: PredictionSample(
        classNames: source.classes.names, holdoutClasses: predictedClasses(holdoutLogits),
        targetClasses: predictedClasses(targetLogits)),
      classWeights: (source.labels, labelEstimate.weights), using: &generator)
    let applied = correction == .auto ? Self.correction(for: detection.verdict) : correction

    progress("estimating target performance without labels…")
    let holdoutWeights = try CovariateShiftEstimator().estimate(
      source: holdout.features, target: targetFeatures, using: &generator
    ).weights
    let performanceEstimates = try TargetPerformanceEstimator(replicates: performanceReplicates).estimate(
      problem, holdoutWeights: holdoutWeights, using: &generator)

    let targetProbabilities = problem.targetProbabilities
    var corrected = targetProbabilities
    var labelShift: LabelShiftEstimate? = nil
    var covariateShift: CovariateShiftEstimate? = nil
    switch applied {
    case .label:
      labelShift = labelEstimate
      // The classifier's posteriors reflect the prior of the rows it was trained on.
      let weights = LabelShiftWeights(targetPrior: labelEstimate.targetPrior, sourcePrior: train.classPriors).weights
      corrected = priorCorrected(probabilities: targetProbabilities, weights: weights)
    case .covariate:
      progress("estimating covariate-shift weights and retraining…")
      let estimate = try CovariateShiftEstimator().estimate(
        source: train.features, target: targetFeatures, using: &generator)
      covariateShift = estimate
      let retrained = try training.train(on: train, weights: estimate.weights, using: &generator)
      corrected = try retrained.probabilities(for: targetFeatures)
    case .none, .auto:
      break
    }
    var analysis = ShiftAnalysis(
      classes: source.classes.names, featureNames: source.featureNames, sourceRows: source.count,
      trainRows: train.count,
      holdoutRows: holdout.count, targetRows: targetFeatures.rows, sourcePrior: source.classPriors,
      targetLabelPrior: targetLabels.map { classShares($0, classCount: classCount) },
      holdoutAccuracy: problem.holdoutAccuracy, detection: detection, applied: applied, labelShift: labelShift,
      covariateShift: covariateShift, performanceEstimates: performanceEstimates)
    if let targetLabels {
      analysis.before = TargetMetrics(
        probabilities: targetProbabilities, labels: targetLabels, replicates: metricReplicates, using: &generator)
      analysis.after = TargetMetrics(
        probabilities: corrected, labels: targetLabels, replicates: metricReplicates, using: &generator)
      analysis.calibrationBefore = CalibrationCurve(
        probabilities: targetProbabilities, labels: targetLabels, binCount: 10)
      analysis.calibrationAfter = CalibrationCurve(probabilities: corrected, labels: targetLabels, binCount: 10)
    }
    return analysis
  }

  /// The correction `auto` applies for a verdict: none, importance weighting for a shift in
  /// the features alone, prior correction when the predicted classes moved.
  public static func correction(for verdict: ShiftDetectionResult.Verdict) -> ShiftCorrection {
    switch verdict {
    case .noShift: .none
    case .covariateShift, .featureShift: .covariate
    case .labelShift, .shift: .label
    }
  }
}
