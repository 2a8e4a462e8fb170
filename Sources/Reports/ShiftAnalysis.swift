import Datasets
import Evaluation
import Foundation
import LinearAlgebra
import NeuralNetwork
import ShiftDetection
import ShiftEstimation

/// The whole correction workflow on one source/target pair: train a base classifier, detect the
/// shift, estimate weights, correct, and evaluate — the content of a report.
public struct ShiftAnalysis: Sendable {
  /// Which correction to apply.
  public enum Kind: String, Sendable, Codable, CaseIterable {
    /// Follow the detector's verdict (no correction when nothing is detected).
    case auto
    /// Prior correction of the predicted probabilities with label-shift weights.
    case label
    /// Weighted retraining with covariate-shift importance weights.
    case covariate
    /// No correction.
    case none
  }

  /// Metrics with bootstrap intervals (target rows resampled).
  public struct Metrics: Sendable, Codable, Equatable {
    public var accuracy: Double
    public var accuracyInterval: LabelShiftIntervals.Interval
    public var macroF1: Double
    public var macroF1Interval: LabelShiftIntervals.Interval
    public var logLoss: Double
    public var expectedCalibrationError: Double
    /// `counts[true][predicted]`.
    public var confusion: [[Double]]
    public var f1: [Double]
  }

  public var classes: [String]
  public var featureNames: [String]
  public var sourceRows: Int
  public var trainRows: Int
  public var holdoutRows: Int
  public var targetRows: Int
  public var sourcePrior: [Double]
  /// Class shares of the target labels, when known.
  public var targetLabelPrior: [Double]?
  public var holdoutAccuracy: Double
  public var detection: ShiftDetection
  /// The correction applied (never `auto`).
  public var applied: Kind
  public var labelShift: LabelShiftEstimate?
  public var covariateShift: CovariateShiftWeights?
  public var performanceEstimates: [TargetPerformanceEstimate]
  /// Target metrics before and after correction, when target labels are known.
  public var before: Metrics?
  public var after: Metrics?
  /// Calibration of the target probabilities before and after, when target labels are known.
  public var calibrationBefore: CalibrationCurve?
  public var calibrationAfter: CalibrationCurve?

  /// Runs the workflow. `targetLabels` index `source.classes` (nil when unknown).
  public init(
    source: Dataset, targetFeatures: Matrix, targetLabels: [Int]?, kind requested: Kind,
    training: BaseClassifierTraining = BaseClassifierTraining(), holdoutFraction: Double = 0.3, replicates: Int = 200,
    using generator: inout some RandomNumberGenerator, progress: (String) -> Void = { _ in }
  ) throws {
    guard targetFeatures.columns == source.featureCount else {
      throw ShiftEstimationError.invalidInput("the target has \(targetFeatures.columns) features, the source \(source.featureCount)")
    }
    guard targetFeatures.rows >= 5 else { throw ShiftEstimationError.invalidInput("the target needs at least 5 rows, got \(targetFeatures.rows)") }
    classes = source.classes.names
    featureNames = source.featureNames
    sourceRows = source.count
    targetRows = targetFeatures.rows
    sourcePrior = source.classPriors
    targetLabelPrior = targetLabels.map { labels in
      var counts = [Double](repeating: 0, count: source.classes.count)
      for label in labels { counts[label] += 1 }
      return counts.map { $0 / Double(labels.count) }
    }
    guard source.count >= 40 else {
      throw ShiftEstimationError.invalidInput(
        "the source has \(source.count) rows; training, holding out and cross-fitting need at least 40")
    }
    let (train, holdout) = try source.split(fraction: holdoutFraction, using: &generator)
    trainRows = train.count
    holdoutRows = holdout.count
    progress("training the base MLP on \(train.count) source rows…")
    let classifier = try training.train(on: train, using: &generator)
    let holdoutLogits = try classifier.logits(for: holdout.features)
    let targetLogits = try classifier.logits(for: targetFeatures)
    let problem = try LabelShiftProblem(
      holdoutLogits: holdoutLogits, holdoutLabels: holdout.labels, targetLogits: targetLogits, sourcePrior: source.classPriors)
    holdoutAccuracy = problem.holdoutAccuracy

    progress("estimating the target class prior…")
    let labelEstimate = try LabelShiftEstimator().estimate(problem, using: &generator)
    progress("testing for shift…")
    detection = try ShiftDetector().detect(
      source: source.features, target: targetFeatures, featureNames: source.featureNames,
      predictions: (predictedClasses(holdoutLogits), predictedClasses(targetLogits), source.classes.count),
      labelShiftWeights: (source.labels, labelEstimate.weights), using: &generator)
    switch requested {
    case .auto:
      switch detection.verdict {
      case .noShift: applied = .none
      case .covariateShift, .featureShift: applied = .covariate
      case .labelShift, .shift: applied = .label
      }
    default: applied = requested
    }

    progress("estimating target performance without labels…")
    performanceEstimates = try TargetPerformanceEstimator(replicates: min(replicates, 100)).estimate(
      problem, holdoutFeatures: holdout.features, targetFeatures: targetFeatures, using: &generator)

    let targetProbabilities = problem.targetProbabilities
    var corrected = targetProbabilities
    labelShift = nil
    covariateShift = nil
    switch applied {
    case .label:
      let estimate = labelEstimate
      labelShift = estimate
      corrected = priorCorrected(
        probabilities: targetProbabilities, weights: zip(estimate.targetPrior, train.classPriors).map { $1 > 0 ? $0 / $1 : 0 })
    case .covariate:
      progress("estimating covariate-shift weights and retraining…")
      let weights = try CovariateShiftEstimator().estimate(source: train.features, target: targetFeatures, using: &generator)
      covariateShift = weights
      let retrained = try training.train(on: train, weights: weights.weights, using: &generator)
      corrected = try retrained.probabilities(for: targetFeatures)
    case .none, .auto:
      break
    }
    if let targetLabels {
      before = Self.metrics(targetProbabilities, targetLabels, replicates: replicates, using: &generator)
      after = Self.metrics(corrected, targetLabels, replicates: replicates, using: &generator)
      calibrationBefore = CalibrationCurve(probabilities: targetProbabilities, labels: targetLabels, binCount: 10)
      calibrationAfter = CalibrationCurve(probabilities: corrected, labels: targetLabels, binCount: 10)
    }
  }

  /// Target metrics with percentile bootstrap intervals over target rows.
  static func metrics(
    _ probabilities: Matrix, _ labels: [Int], replicates: Int, using generator: inout some RandomNumberGenerator
  ) -> Metrics {
    let overall = ClassificationMetrics(probabilities: probabilities, labels: labels)
    let predicted = predictedClasses(probabilities)
    let k = probabilities.columns
    var accuracies: [Double] = []
    var macroF1s: [Double] = []
    for _ in 0..<max(replicates, 2) {
      let rows = (0..<labels.count).map { _ in generator.uniformIndex(below: labels.count) }
      let confusion = ConfusionMatrix(actual: rows.map { labels[$0] }, predicted: rows.map { predicted[$0] }, classCount: k)
      accuracies.append(confusion.accuracy)
      macroF1s.append(confusion.macroF1)
    }
    return Metrics(
      accuracy: overall.accuracy, accuracyInterval: .init(percentileOf: accuracies, level: 0.95), macroF1: overall.macroF1,
      macroF1Interval: .init(percentileOf: macroF1s, level: 0.95), logLoss: overall.logLoss, expectedCalibrationError: overall.expectedCalibrationError,
      confusion: overall.confusion.counts, f1: overall.confusion.f1)
  }
}
