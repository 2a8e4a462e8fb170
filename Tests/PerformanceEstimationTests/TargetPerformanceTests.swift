import Datasets
import Evaluation
import Foundation
import LinearAlgebra
import RealModule
import ShiftEstimation
import ShiftTestFixtures
import Testing

@testable import PerformanceEstimation

@Suite struct TargetPerformanceTests {
  /// Holdout: class 0 recalled 8 of 10 times, class 1 9 of 10 times.
  static let holdoutLabels = [Int](repeating: 0, count: 10) + [Int](repeating: 1, count: 10)
  static let holdoutPredicted = [Int](repeating: 0, count: 8) + [1, 1] + [0] + [Int](repeating: 1, count: 9)

  @Test func labelShiftWeighsRecallByTheTargetPrior() {
    let even = ExpectedConfusion.underLabelShift(
      holdoutPredicted: Self.holdoutPredicted, holdoutLabels: Self.holdoutLabels, targetPrior: [0.5, 0.5])
    #expect(even.accuracy.isApproximatelyEqual(to: 0.85, absoluteTolerance: 1e-12))
    let skewed = ExpectedConfusion.underLabelShift(
      holdoutPredicted: Self.holdoutPredicted, holdoutLabels: Self.holdoutLabels, targetPrior: [0.9, 0.1])
    #expect(skewed.accuracy.isApproximatelyEqual(to: (0.9 * 0.8 + 0.1 * 0.9), absoluteTolerance: 1e-12))
  }

  @Test func importanceWeightsReweighTheHoldout() {
    let weights = [Double](repeating: 2, count: 10) + [Double](repeating: 1, count: 10)
    let confusion = ExpectedConfusion.importanceWeighted(
      holdoutPredicted: Self.holdoutPredicted, holdoutLabels: Self.holdoutLabels, weights: weights, classCount: 2)
    #expect(confusion.accuracy.isApproximatelyEqual(to: 25.0 / 30.0, absoluteTolerance: 1e-12))
  }

  @Test func confidenceBasedAveragesTheTopProbability() {
    let confusion = ExpectedConfusion.confidenceBased(calibratedProbabilities: Matrix([[0.8, 0.2], [0.3, 0.7]]))
    #expect(confusion.accuracy.isApproximatelyEqual(to: 0.75, absoluteTolerance: 1e-6))
    // Expected counts: row 1 predicted 0 adds (0.8, 0.2) to true (0, 1); row 2 predicted 1 adds (0.3, 0.7).
    #expect(abs(confusion.counts[1][0] - 0.2) < 1e-6 && abs(confusion.counts[0][1] - 0.3) < 1e-6)
  }

  /// Known truth on letter-recognition: a Dirichlet(1) target of 4 000 rows. The label-shift
  /// estimators must land within 2 percentage points of the actual accuracy (their sampling error
  /// here is ≈ 0.5–1 pp) and their 95 % intervals must be ordered around the estimate.
  @Test func estimatesTrackTheActualAccuracyUnderLabelShift() throws {
    let setting = Fixtures.labelSetting
    var generator = SplitMix64(seed: 31)
    let prior = try LabelShiftSimulation.dirichletPrior(classCount: 26, concentration: 1, using: &generator)
    let rows = try LabelShiftSimulation.sample(labels: setting.poolLabels, prior: prior, count: 4000, using: &generator)
    let targetLogits = setting.poolLogits.rows(at: rows)
    let actual =
      Double(zip(predictedClasses(targetLogits), rows.map { setting.poolLabels[$0] }).filter { $0 == $1 }.count) / 4000
    let problem = try LabelShiftProblem(
      holdoutLogits: setting.holdoutLogits, holdoutLabels: setting.holdoutLabels, targetLogits: targetLogits,
      sourcePrior: setting.sourcePrior)
    let holdoutWeights = try CovariateShiftEstimator().estimate(
      source: Fixtures.labelHoldoutFeatures, target: Fixtures.poolFeatures.rows(at: rows), using: &generator
    ).weights
    let estimates = try TargetPerformanceEstimator(replicates: 30).estimate(
      problem, holdoutWeights: holdoutWeights, using: &generator)
    #expect(estimates.map(\.estimator) == TargetPerformanceEstimate.Estimator.allCases)
    for estimate in estimates where estimate.estimator == .labelShift || estimate.estimator == .priorCorrectedConfidence
    {
      #expect(
        estimate.accuracy.isApproximatelyEqual(to: actual, absoluteTolerance: 0.02),
        "\(estimate.estimator): \(estimate.accuracy) vs \(actual)")
    }
    for estimate in estimates {
      let interval = try #require(estimate.accuracyInterval)
      #expect(interval.lower <= estimate.accuracy + 0.01 && estimate.accuracy - 0.01 <= interval.upper)
    }
  }
}
