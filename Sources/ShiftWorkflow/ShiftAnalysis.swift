import Evaluation
import LinearAlgebra
import PerformanceEstimation
import ShiftDetection
import ShiftEstimation

/// What the correction workflow found on one source/target pair: the content of a report.
public struct ShiftAnalysis: Sendable, Equatable {
  /// Class names, in index order.
  public var classes: [String]
  /// Feature column names.
  public var featureNames: [String]
  /// Rows of the source.
  public var sourceRows: Int
  /// Source rows the base classifier was trained on.
  public var trainRows: Int
  /// Source rows held out for the confusion matrix, calibration and label-free estimates.
  public var holdoutRows: Int
  /// Rows of the target.
  public var targetRows: Int
  /// Class shares of the source.
  public var sourcePrior: [Double]
  /// Class shares of the target labels, when known.
  public var targetLabelPrior: [Double]?
  /// The base classifier's accuracy on the holdout.
  public var holdoutAccuracy: Double
  /// The shift detector's verdict and tests.
  public var detection: ShiftDetectionResult
  /// The correction applied (never `auto`).
  public var applied: ShiftCorrection
  /// The label-shift estimate, when label shift was corrected. Its weights refer to the whole
  /// source's prior; the prior correction divides by the train part's prior, which the base
  /// classifier's posteriors reflect.
  public var labelShift: LabelShiftEstimate?
  /// The covariate-shift weights, when covariate shift was corrected.
  public var covariateShift: CovariateShiftEstimate?
  /// Target accuracy and macro-F1 estimated without target labels, four ways.
  public var performanceEstimates: [TargetPerformanceEstimate]
  /// Target metrics before correction, when target labels are known.
  public var before: TargetMetrics?
  /// Target metrics after correction, when target labels are known.
  public var after: TargetMetrics?
  /// Calibration of the target probabilities before correction, when target labels are known.
  public var calibrationBefore: CalibrationCurve?
  /// Calibration after correction, when target labels are known.
  public var calibrationAfter: CalibrationCurve?

  /// The label-shift estimate's weight error `‖ŵ − w‖²/k` against the weights of `truePrior`
  /// (e.g. a simulation's target prior); nil when no label shift was estimated.
  public func labelShiftWeightError(againstTruePrior truePrior: [Double]) -> Double? {
    labelShift.map {
      $0.priors.meanSquaredError(against: LabelShiftWeights(targetPrior: truePrior, sourcePrior: $0.sourcePrior))
    }
  }
}

/// A classifier's metrics on the labelled target, with bootstrap intervals (target rows resampled).
public struct TargetMetrics: Sendable, Codable, Equatable {
  /// Share of correct predictions.
  public var accuracy: Double
  /// Its 95 % percentile bootstrap interval.
  public var accuracyInterval: ConfidenceInterval
  /// Mean per-class F1.
  public var macroF1: Double
  /// Its 95 % percentile bootstrap interval.
  public var macroF1Interval: ConfidenceInterval
  /// Mean negative log-probability of the true class.
  public var logLoss: Double
  /// Expected calibration error (15 bins).
  public var expectedCalibrationError: Double
  /// `confusion[true][predicted]` counts.
  public var confusion: [[Double]]
  /// Per-class F1.
  public var f1: [Double]

  /// The metrics of `probabilities` against `labels`, with intervals from `replicates`
  /// (at least 2) bootstrap resamples of the target rows.
  public init(
    probabilities: Matrix, labels: [Int], replicates: Int, using generator: inout some RandomNumberGenerator
  ) {
    let overall = ClassificationMetrics(probabilities: probabilities, labels: labels)
    let predicted = predictedClasses(probabilities)
    let k = probabilities.columns
    var accuracies: [Double] = []
    var macroF1s: [Double] = []
    for _ in 0..<max(replicates, 2) {
      let rows = (0..<labels.count).map { _ in generator.uniformIndex(below: labels.count) }
      let confusion = ConfusionMatrix(
        actual: rows.map { labels[$0] }, predicted: rows.map { predicted[$0] }, classCount: k)
      accuracies.append(confusion.accuracy)
      macroF1s.append(confusion.macroF1)
    }
    accuracy = overall.accuracy
    accuracyInterval = ConfidenceInterval(percentileOf: accuracies, level: 0.95)
    macroF1 = overall.macroF1
    macroF1Interval = ConfidenceInterval(percentileOf: macroF1s, level: 0.95)
    logLoss = overall.logLoss
    expectedCalibrationError = overall.expectedCalibrationError
    confusion = overall.confusion.counts
    f1 = overall.confusion.f1
  }
}
