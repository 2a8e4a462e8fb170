import Foundation
import LinearAlgebra

/// The headline figures of a classifier on a labelled sample.
public struct ClassificationMetrics: Sendable, Codable, Equatable {
  /// Share of correct predictions.
  public var accuracy: Double
  /// Mean per-class F1 (see ``ConfusionMatrix/macroF1``).
  public var macroF1: Double
  /// Mean negative log-probability of the true class (see ``logLoss(probabilities:labels:weights:)``).
  public var logLoss: Double
  /// Expected calibration error of the top-class probability (15 bins).
  public var expectedCalibrationError: Double
  /// The (weighted) confusion counts.
  public var confusion: ConfusionMatrix

  /// Metrics of class `probabilities` (one row per example) against `labels`; the predicted class is
  /// the most probable one. With `weights`, every figure is the weighted version.
  public init(probabilities: Matrix, labels: [Int], weights: [Double]? = nil) {
    let predicted = predictedClasses(probabilities)
    confusion = ConfusionMatrix(
      actual: labels, predicted: predicted, classCount: probabilities.columns, weights: weights)
    accuracy = confusion.accuracy
    macroF1 = confusion.macroF1
    logLoss = Evaluation.logLoss(probabilities: probabilities, labels: labels, weights: weights)
    expectedCalibrationError =
      CalibrationCurve(probabilities: probabilities, labels: labels, weights: weights)
      .expectedCalibrationError
  }
}

/// The share of positions where `predicted` equals `labels` (0 for none).
public func accuracy(predicted: [Int], labels: [Int]) -> Double {
  precondition(predicted.count == labels.count, "one prediction per label")
  return labels.isEmpty ? 0 : Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(labels.count)
}

/// The predicted class of each row of probabilities (or logits): the index of its largest
/// entry, the first one on ties.
public func predictedClasses(_ probabilities: Matrix) -> [Int] { probabilities.argmaxPerRow() }

/// Cross-entropy of predicted probabilities against true labels, `−Σᵢ wᵢ log pᵢ,yᵢ / Σᵢ wᵢ`.
///
/// Probabilities are clipped below at `1e-15` (as scikit-learn does), so one confident mistake
/// costs at most `log 10¹⁵ ≈ 34.5` instead of infinity.
public func logLoss(probabilities: Matrix, labels: [Int], weights: [Double]? = nil) -> Double {
  precondition(probabilities.rows == labels.count, "one label per row")
  var total = 0.0
  var weightSum = 0.0
  for (i, label) in labels.enumerated() {
    let w = weights?[i] ?? 1
    total -= w * log(max(Double(probabilities[i, label]), 1e-15))
    weightSum += w
  }
  return weightSum > 0 ? total / weightSum : 0
}
