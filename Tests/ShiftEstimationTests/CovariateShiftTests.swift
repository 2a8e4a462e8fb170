import Datasets
import DomainClassifier
import Evaluation
import Foundation
import LinearAlgebra
import RealModule
import ShiftTestFixtures
import Testing

@testable import ShiftEstimation

@Suite struct ROCTests {
  @Test func areaMatchesAHandCount() {
    // Positives 0.8, 0.4, 0.4; negatives 0.4, 0.1: pairs won 2+½+½+1+1+1 = ... counted below.
    let scores = [0.8, 0.4, 0.4, 0.4, 0.1]
    let positives = [true, true, true, false, false]
    // (0.8 vs 0.4: 1, vs 0.1: 1), (0.4 vs 0.4: ½, vs 0.1: 1) twice → (2 + 1.5 + 1.5)/6.
    #expect(
      areaUnderROCCurve(scores: scores, positives: positives)!.isApproximatelyEqual(
        to: 5.0 / 6.0, absoluteTolerance: 1e-12))
    #expect(areaUnderROCCurve(scores: [1, 2], positives: [true, true]) == nil)
  }
}

@Suite struct WeightClippingTests {
  @Test func parsesTheCommandLineForms() {
    #expect(WeightClipping(parsing: "none") == WeightClipping.none)
    #expect(WeightClipping(parsing: "q99") == .quantile(0.99))
    #expect(WeightClipping(parsing: "q99.5") == .quantile(0.995))
    #expect(WeightClipping(parsing: "10") == .value(10))
    #expect(WeightClipping(parsing: "1") == nil)
    #expect(WeightClipping(parsing: "q0") == nil)
    #expect(WeightClipping(parsing: "lots") == nil)
  }

  @Test func clippedWeightsHaveMeanOneAndTheCapAsMaximum() {
    let raw = (1...100).map { Double($0 * $0) }
    let (weights, threshold, share) = WeightClipping.value(2).apply(to: raw)  // unclipped max ≈ 2.96
    #expect((weights.reduce(0, +) / 100).isApproximatelyEqual(to: 1, absoluteTolerance: 1e-9))
    #expect(weights.max()!.isApproximatelyEqual(to: 2, absoluteTolerance: 1e-6))
    #expect(threshold == 2)
    #expect(share > 0 && share < 0.5)
    // Order is preserved.
    #expect(zip(weights, weights.dropFirst()).allSatisfy { $0 <= $1 })
    let (unclipped, _, none) = WeightClipping.none.apply(to: raw)
    #expect(abs(unclipped.reduce(0, +) / 100 - 1) < 1e-9 && none == 0)
  }
}

@Suite struct CovariateShiftTests {
  /// Source N(0, 1), target N(1, 1) in the first of two features: the true ratio is
  /// p_t/p_s = exp(x₁ − ½), increasing in x₁, and a logistic model is exactly right.
  @Test func weightsAreHighWhereTheTargetIsDense() throws {
    var generator = SplitMix64(seed: 5)
    let n = 3000
    let source = Matrix(rows: n, columns: 2, storage: (0..<(2 * n)).map { _ in Float(generator.standardNormal()) })
    let target = Matrix(
      rows: n, columns: 2,
      storage: (0..<(2 * n)).map { index in Float(generator.standardNormal()) + (index % 2 == 0 ? 1 : 0) })
    let result = try CovariateShiftEstimator(clipping: .none).estimate(
      source: source, target: target, using: &generator)
    let x1 = (0..<n).map { Double(source[$0, 0]) }
    let truth = normalizedToMeanOne(x1.map { exp($0 - 0.5) })
    #expect(spearmanCorrelation(result.weights, truth) > 0.95)
    // Direction: the source rows farthest into the target's side get the largest weights.
    let high = x1.indices.filter { x1[$0] > 1.5 }.map { result.weights[$0] }
    let low = x1.indices.filter { x1[$0] < -1.5 }.map { result.weights[$0] }
    let highMean = high.reduce(0, +) / Double(high.count)
    let lowMean = low.reduce(0, +) / Double(low.count)
    #expect(highMean > 5 * lowMean)
    // AUC of N(0,1) vs N(1,1) is Φ(1/√2) ≈ 0.760.
    #expect(result.domainAUC.isApproximatelyEqual(to: 0.760, absoluteTolerance: 0.02))
    // Relative MSE against the truth is small (the model is well specified).
    let squaredError: Double = zip(result.weights, truth).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    let relativeMSE = squaredError / truth.reduce(0) { $0 + $1 * $1 }
    #expect(relativeMSE < 0.05)
  }

  /// Selection bias on letter-recognition's first principal component: the oracle weights are
  /// known, and the estimated ones must track them.
  @Test func weightsTrackTheSelectionBiasOracle() throws {
    var generator = SplitMix64(seed: 8)
    let letters = Fixtures.letters
    let simulation = try SelectionBiasSimulation(
      features: letters.features, strength: 1.5, targetLimit: 3000, using: &generator)
    let source = letters.features.rows(at: simulation.sourceRows)
    let target = letters.features.rows(at: simulation.targetRows)
    let result = try CovariateShiftEstimator().estimate(source: source, target: target, using: &generator)
    #expect(spearmanCorrelation(result.weights, simulation.oracleWeights) > 0.8)
    #expect(result.domainAUC > 0.6)
    #expect(
      (result.weights.reduce(0, +) / Double(result.weights.count)).isApproximatelyEqual(to: 1, absoluteTolerance: 1e-9))
  }

  /// Two random halves of the same file: nothing to detect, nothing to correct.
  @Test func noShiftGivesChanceAUCAndFlatWeights() throws {
    var generator = SplitMix64(seed: 9)
    let (a, b) = try Fixtures.letters.split(fraction: 0.5, stratified: false, using: &generator)
    let result = try CovariateShiftEstimator().estimate(
      source: a.features.rows(at: 0..<4000), target: b.features.rows(at: 0..<4000), using: &generator)
    // Under no shift the AUC's standard error is √((n₁+n₂+1)/(12·n₁·n₂)) ≈ 0.0065 here; allow 5 SE.
    #expect(result.domainAUC.isApproximatelyEqual(to: 0.5, absoluteTolerance: 0.033))
    #expect(result.effectiveSampleFraction > 0.95)
    #expect(result.maximumWeight < 1.6)
    #expect(result.warnings.isEmpty)
  }

  @Test func lowEffectiveSampleSizeIsFlagged() {
    let fit = DomainClassifierFit(
      sourceLogDensityRatio: [log(1000)] + [Double](repeating: 0, count: 99), targetLogDensityRatio: [], auc: 0.9,
      solver: .init(
        name: "newton", folds: 5, iterations: 1, gradientNorm: 0, inverseRegularization: 1, heldOutLogLoss: 0.5,
        regularizationPath: []))
    let weights = CovariateShiftEstimate(domainFit: fit, clipping: .none)
    #expect(weights.effectiveSampleFraction < 0.1)
    #expect(weights.warnings.count == 1)
  }

  @Test func mismatchedColumnsAreAnError() {
    var generator = SplitMix64(seed: 1)
    #expect(throws: DomainClassifierError.self) {
      try CovariateShiftEstimator().estimate(
        source: Matrix(rows: 10, columns: 2), target: Matrix(rows: 10, columns: 3), using: &generator)
    }
  }
}

@Suite struct ScoreCalibrationTests {
  /// relMSE ‖β̂ − β‖² / ‖β‖² of weights against the oracle's.
  static func relativeMSE(_ weights: [Double], _ oracle: [Double]) -> Double {
    zip(weights, oracle).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / oracle.reduce(0) { $0 + $1 * $1 }
  }

  /// A selection the benchmark does not simulate: on one raw feature of letter-recognition
  /// (not the first principal component), σ(2·z − 1) with z the standardised feature. The ratio
  /// levels off where selection is likely, which a linear logit cannot follow.
  @Test func theSplineFollowsASelectionThatLevelsOff() throws {
    var generator = SplitMix64(seed: 41)
    let letters = Fixtures.letters
    let column = (0..<letters.count).map { Double(letters.features[$0, 8]) }
    let mean = column.reduce(0, +) / Double(column.count)
    let spread = (column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(column.count)).squareRoot()
    let order = randomPermutation(letters.count, using: &generator)
    let sourceRows = Array(order[..<3000])
    let selection = { (row: Int) in sigmoid(2 * (column[row] - mean) / spread - 1) }
    let targetRows = order[10_000...].filter { generator.uniformUnit() < selection($0) }.prefix(3000)
    let oracle = normalizedToMeanOne(sourceRows.map(selection))
    let source = letters.features.rows(at: sourceRows)
    let target = letters.features.rows(at: Array(targetRows))
    var errors: [Bool: Double] = [:]
    for calibrates in [false, true] {
      var fitGenerator = SplitMix64(seed: 42)
      let estimate = try CovariateShiftEstimator(clipping: .none, calibratesScores: calibrates).estimate(
        source: source, target: target, using: &fitGenerator)
      errors[calibrates] = Self.relativeMSE(estimate.weights, oracle)
      #expect(estimate.calibration?.applied == (calibrates ? true : nil))
    }
    // The linear logit's weights are off by about their own size (relMSE ≈ 2); a well-specified
    // fit on these sample sizes errs by about 0.005 (the Gaussian case below): the spline must
    // come within 10 times that, and cut the linear error tenfold.
    let (linear, calibrated) = (try #require(errors[false]), try #require(errors[true]))
    #expect(calibrated < 0.05)
    #expect(calibrated < linear / 10)
  }

  /// When the log density ratio is linear (two Gaussians with the same covariance), the linear
  /// logit is right and the spline has nothing to add.
  @Test func aLinearRatioIsLeftAlone() throws {
    var generator = SplitMix64(seed: 43)
    func gaussian(_ rows: Int, shift: Float) -> Matrix {
      Matrix(
        rows: rows, columns: 4,
        storage: (0..<(rows * 4)).map { index in Float(generator.standardNormal()) + (index % 4 == 0 ? shift : 0) })
    }
    let source = gaussian(3000, shift: 0)
    let target = gaussian(3000, shift: 0.8)
    // log p_t/p_s = 0.8·x₀ − 0.32 on the first coordinate.
    let oracle = normalizedToMeanOne((0..<source.rows).map { exp(0.8 * Double(source[$0, 0])) })
    var errors: [Bool: Double] = [:]
    for calibrates in [false, true] {
      var fitGenerator = SplitMix64(seed: 44)
      let estimate = try CovariateShiftEstimator(clipping: .none, calibratesScores: calibrates).estimate(
        source: source, target: target, using: &fitGenerator)
      errors[calibrates] = Self.relativeMSE(estimate.weights, oracle)
    }
    // Kept or not, the spline (5 parameters on top of the linear logit) may cost little: a quarter
    // more error at most.
    let (linear, calibrated) = (try #require(errors[false]), try #require(errors[true]))
    #expect(linear < 0.02)
    #expect(calibrated <= linear * 1.25)
  }

  /// Without the folds that scored each row the calibration cannot be cross-fitted: the fit
  /// comes back as it was, and the report says why.
  @Test func aFitWithoutFoldsIsReturnedAsItIs() {
    let fit = DomainClassifierFit(
      sourceLogDensityRatio: [0, 0.5, 1], targetLogDensityRatio: [1, 2], auc: 0.8,
      solver: .init(
        name: "newton", folds: 2, iterations: 1, gradientNorm: 0, inverseRegularization: 1, heldOutLogLoss: 0.5,
        regularizationPath: []))
    let (same, report) = ScoreCalibration.calibrate(fit)
    #expect(same == fit && !report.applied && report.reason == "the rows' folds are unknown")
  }
}
