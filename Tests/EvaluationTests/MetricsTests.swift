import Foundation
import LinearAlgebra
import RealModule
import Testing

@testable import Evaluation

@Suite struct MetricsTests {
  // Hand-computed case: 3 classes, 8 examples.
  let actual = [0, 0, 0, 1, 1, 2, 2, 2]
  let predicted = [0, 0, 1, 1, 2, 2, 2, 0]

  @Test func confusionCountsAndRates() {
    let confusion = ConfusionMatrix(actual: actual, predicted: predicted, classCount: 3)
    #expect(confusion.counts == [[2, 1, 0], [0, 1, 1], [1, 0, 2]])
    #expect(confusion.accuracy == 5.0 / 8)
    let rates: [Double] = [2.0 / 3, 1.0 / 2, 2.0 / 3]
    #expect(confusion.precision == rates)
    #expect(confusion.recall == rates)
    // F1 = precision = recall per class here; macro-F1 = (2/3 + 1/2 + 2/3) / 3 = 11/18.
    #expect(confusion.macroF1.isApproximatelyEqual(to: 11.0 / 18, absoluteTolerance: 1e-12))
  }

  @Test func weightedConfusion() {
    let confusion = ConfusionMatrix(actual: [0, 1], predicted: [0, 0], classCount: 2, weights: [3, 1])
    #expect(confusion.accuracy == 0.75)
    #expect(confusion.recall == [1, 0])
  }

  @Test func logLossAndMetricsFromProbabilities() {
    let p = Matrix([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4]])
    let metrics = ClassificationMetrics(probabilities: p, labels: [0, 1, 0])
    #expect(metrics.logLoss.isApproximatelyEqual(to: (-(log(0.7) + log(0.8) + log(0.3)) / 3), absoluteTolerance: 1e-6))
    #expect(metrics.accuracy.isApproximatelyEqual(to: 2.0 / 3, absoluteTolerance: 1e-12))
    #expect(predictedClasses(p) == [0, 1, 2])
    // A zero probability on the true class costs log(10¹⁵), not infinity.
    #expect(
      logLoss(probabilities: Matrix([[1, 0]]), labels: [1]).isApproximatelyEqual(to: log(1e15), absoluteTolerance: 1e-9)
    )
  }
}

@Suite struct RankCorrelationTests {
  @Test func spearmanOnHandComputedCases() {
    #expect(spearmanCorrelation([1, 2, 3, 4], [10, 20, 30, 40]).isApproximatelyEqual(to: 1, absoluteTolerance: 1e-12))
    #expect(abs(spearmanCorrelation([1, 2, 3, 4], [4, 3, 2, 1]) + 1) < 1e-12)
    // Ranks (0, 1.5, 1.5, 3) against (0, 1, 2, 3): r = 4.5 / √(4.5 · 5) = 0.9487.
    #expect(
      spearmanCorrelation([1, 2, 2, 3], [1, 2, 3, 4]).isApproximatelyEqual(
        to: 4.5 / (4.5 * 5).squareRoot(), absoluteTolerance: 1e-12))
    #expect(averageRanks([3, 1, 3]) == [1.5, 0, 1.5])
  }
}

@Suite struct CalibrationTests {
  /// Four predictions: confidences 0.9 (right), 0.9 (wrong), 0.6 (right), 0.55 (wrong).
  /// Bins of width 1/15: {0.9, 0.9} → accuracy 0.5, confidence 0.9; 0.6 → 1 vs 0.6; 0.55 → 0 vs 0.55.
  /// ECE = ½·0.4 + ¼·0.4 + ¼·0.55 = 0.4375.
  @Test func expectedCalibrationErrorByHand() {
    let probabilities = Matrix([[0.9, 0.1], [0.1, 0.9], [0.6, 0.4], [0.45, 0.55]])
    let curve = CalibrationCurve(probabilities: probabilities, labels: [0, 0, 0, 0])
    #expect(curve.expectedCalibrationError.isApproximatelyEqual(to: 0.4375, absoluteTolerance: 1e-6))
    #expect(curve.bins.count == 3)
    // Weights: doubling the two 0.9 predictions → ECE = ⅔·0.4 + ⅙·0.4 + ⅙·0.55.
    let weighted = CalibrationCurve(probabilities: probabilities, labels: [0, 0, 0, 0], weights: [2, 2, 1, 1])
    let expected: Double = 2.0 / 3 * 0.4 + 0.4 / 6 + 0.55 / 6
    #expect(weighted.expectedCalibrationError.isApproximatelyEqual(to: expected, absoluteTolerance: 1e-6))
    // A perfectly calibrated pair: confidence 0.5 and half right.
    #expect(
      CalibrationCurve(probabilities: Matrix([[0.5, 0.5], [0.5, 0.5]]), labels: [0, 1]).expectedCalibrationError < 1e-12
    )
  }
}
