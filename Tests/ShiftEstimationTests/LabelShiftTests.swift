import Datasets
import Foundation
import LinearAlgebra
import NeuralNetwork
import RealModule
import ShiftTestFixtures
import Testing

@testable import ShiftEstimation

/// Known-truth label shift on letter-recognition (26 classes): a target of n = 4 000 rows drawn
/// from the pool with a Dirichlet(α = 1) prior q.
///
/// Tolerance: even knowing every target label, the empirical frequencies miss q by
/// √(q(1−q)/n) ≤ 0.0065 per class at these shares (q ≤ 0.2); the estimators add the holdout's
/// noise in C (2 400 rows) and the model's imperfection. We require a largest per-class error
/// below 0.025 (≈ 4 floor standard errors at the largest class, far more at the typical
/// q ≈ 0.04) and a weight-MSE within 5× the floor's: the holdout's noise in C (2 400 rows
/// against 4 000 target rows) about doubles the variance, and plain EM carries the model's
/// miscalibration as bias (measured: 1.5–3.6× across debug and release builds). A broken
/// estimator (e.g. returning the source prior) misses by ≈ 0.1 per class and ≈ 190× in MSE.
@Suite struct LabelShiftRecoveryTests {
  struct Case {
    var problem: LabelShiftProblem
    var truePrior: [Double]
    var floorMSE: Double
    var trueWeights: [Double]
  }

  static func dirichletCase(seed: UInt64, n: Int = 4000) throws -> Case {
    let setting = Fixtures.labelSetting
    var generator = SplitMix64(seed: seed)
    let prior = try LabelShiftSimulation.dirichletPrior(classCount: 26, concentration: 1, using: &generator)
    let rows = try LabelShiftSimulation.sample(labels: setting.poolLabels, prior: prior, count: n, using: &generator)
    let problem = try LabelShiftProblem(
      holdoutLogits: setting.holdoutLogits, holdoutLabels: setting.holdoutLabels,
      targetLogits: setting.poolLogits.rows(at: rows), sourcePrior: setting.sourcePrior)
    var counts = [Double](repeating: 0, count: 26)
    for row in rows { counts[setting.poolLabels[row]] += 1 }
    let trueWeights = zip(prior, setting.sourcePrior).map { $0 / $1 }
    let floor = weightMeanSquaredError(zip(counts, setting.sourcePrior).map { $0 / Double(n) / $1 }, trueWeights)
    return Case(problem: problem, truePrior: prior, floorMSE: floor, trueWeights: trueWeights)
  }

  @Test(arguments: LabelShiftMethod.allCases)
  func recoversAKnownDirichletPrior(method: LabelShiftMethod) throws {
    let testCase = try Self.dirichletCase(seed: 21)
    var generator = SplitMix64(seed: 4)
    let estimate = try LabelShiftEstimator(method: method).estimate(testCase.problem, using: &generator)
    let largestError = zip(estimate.targetPrior, testCase.truePrior).map { abs($0 - $1) }.max()!
    let mse = weightMeanSquaredError(estimate.weights, testCase.trueWeights)
    let sourceAsGuess = weightMeanSquaredError([Double](repeating: 1, count: 26), testCase.trueWeights)
    #expect(largestError < 0.025)
    #expect(mse < 5 * testCase.floorMSE)
    #expect(mse < 0.05 * sourceAsGuess)
    #expect(estimate.targetPrior.reduce(0, +).isApproximatelyEqual(to: 1, absoluteTolerance: 1e-9))
    #expect(estimate.targetPrior.allSatisfy { $0 >= 0 })
  }

  /// Cross-fitting (4 folds over the same 8 000 source rows: every row is holdout once), pooled
  /// into one problem (every fold's held-out rows; every fold model's counts on the target and
  /// their ensemble's logits), must meet the same bounds, and its bootstrap must run on it.
  @Test(arguments: [LabelShiftMethod.bbseSoft, .emBCTS, .auto])
  func crossFittedEstimatesRecoverTheSamePrior(method: LabelShiftMethod) throws {
    let setting = Fixtures.labelSetting
    let (crossFitted, poolLogits) = Fixtures.crossFittedSetting
    var generator = SplitMix64(seed: 21)
    let prior = try LabelShiftSimulation.dirichletPrior(classCount: 26, concentration: 1, using: &generator)
    let rows = try LabelShiftSimulation.sample(labels: setting.poolLabels, prior: prior, count: 4000, using: &generator)
    let problem = try crossFitted.problem(forTargetLogits: poolLogits.map { $0.rows(at: rows) })
    // Every source row is held out once (the stratified 40 % split rounds per class: ±1 row each).
    #expect(crossFitted.classifiers.count == 4 && abs(problem.holdoutLabels.count - 8000) <= 26)
    #expect(problem.targetLogits.rows == 4000 && problem.target.rows == 4 * 4000)
    let estimate = try LabelShiftEstimator(method: method).estimate(problem, using: &generator)
    let truth = zip(prior, crossFitted.sourcePrior).map { $0 / $1 }
    let largestError = zip(estimate.targetPrior, prior).map { abs($0 - $1) }.max()!
    #expect(largestError < 0.025)
    #expect(weightMeanSquaredError(estimate.weights, truth) < 0.05)
    if method == .emBCTS {
      let intervals = try LabelShiftBootstrap(replicates: 20).intervals(for: .emBCTS, on: problem, using: &generator)
      #expect(
        zip(intervals.targetPrior, estimate.targetPrior).allSatisfy { $0.lower <= $1 + 0.01 && $1 - 0.01 <= $0.upper })
    }
  }

  /// The ensemble of one classifier is that classifier; of several, the log of their mean
  /// probability (whose softmax is that mean).
  @Test func theEnsembleIsTheMeanProbability() throws {
    let a = Matrix([[1, 2, 3], [0, 0, 5]])
    let b = Matrix([[3, 1, 0], [2, 2, -1]])
    #expect(HeldOutClassifiers.ensembleLogits(of: [a]) == a)
    var ensemble = HeldOutClassifiers.ensembleLogits(of: [a, b])
    softmaxRows(&ensemble)
    var (pa, pb) = (a, b)
    softmaxRows(&pa)
    softmaxRows(&pb)
    for index in ensemble.storage.indices {
      let mean = (pa.storage[index] + pb.storage[index]) / 2
      #expect(ensemble.storage[index].isApproximatelyEqual(to: mean, absoluteTolerance: 1e-6))
    }
  }

  @Test func bootstrapIntervalsAreOrderedAndMostlyCoverTheTruth() throws {
    let testCase = try Self.dirichletCase(seed: 22, n: 2000)
    var generator = SplitMix64(seed: 5)
    let estimate = try LabelShiftEstimator(method: .emBCTS).estimate(testCase.problem, using: &generator)
    let intervals = try LabelShiftBootstrap(replicates: 100).intervals(
      for: .emBCTS, on: testCase.problem, using: &generator)
    #expect(intervals.weights.count == 26 && intervals.replicates == 100)
    for (interval, weight) in zip(intervals.weights, estimate.weights) {
      #expect(interval.lower <= interval.upper)
      #expect(interval.lower <= weight * 1.05 + 1e-9 && weight * 0.95 - 1e-9 <= interval.upper)
    }
    let covered = zip(intervals.targetPrior, testCase.truePrior).filter { $0.lower <= $1 && $1 <= $0.upper }.count
    // Nominal 95 %: the number of misses among 26 classes is ≈ Binomial(26, 0.05); ≥ 20 covered
    // leaves room for the bootstrap's known under-coverage without passing a broken interval.
    #expect(covered >= 20)
  }
}

@Suite struct DegenerateConfusionTests {
  /// Three classes; class 2 is never predicted (its logit is always far below), so the hard
  /// confusion matrix has a zero row and is singular.
  static func neverPredictedProblem() throws -> LabelShiftProblem {
    var generator = SplitMix64(seed: 2)
    func logits(_ labels: [Int]) -> Matrix {
      var matrix = Matrix(rows: labels.count, columns: 3)
      for (i, label) in labels.enumerated() {
        matrix[i, 0] = Float(generator.standardNormal()) + (label == 0 ? 2 : 0)
        matrix[i, 1] = Float(generator.standardNormal()) + (label != 0 ? 2 : 0)
        matrix[i, 2] = -20
      }
      return matrix
    }
    let holdoutLabels = (0..<300).map { $0 % 3 }
    let targetLabels = (0..<300).map { $0 % 2 == 0 ? 0 : 2 }
    return try LabelShiftProblem(
      holdoutLogits: logits(holdoutLabels), holdoutLabels: holdoutLabels, targetLogits: logits(targetLabels),
      sourcePrior: [1.0 / 3, 1.0 / 3, 1.0 / 3])
  }

  @Test(arguments: LabelShiftMethod.allCases)
  func singularConfusionGivesFiniteWeightsAndSaysSo(method: LabelShiftMethod) throws {
    var generator = SplitMix64(seed: 3)
    let estimate = try LabelShiftEstimator(method: method).estimate(Self.neverPredictedProblem(), using: &generator)
    #expect(estimate.weights.allSatisfy { $0.isFinite && $0 >= 0 })
    #expect(estimate.targetPrior.reduce(0, +).isApproximatelyEqual(to: 1, absoluteTolerance: 1e-9))
    #expect(estimate.conditionNumber > 1e6)
    if method == .bbseHard {
      #expect(estimate.solver == .regularizedLeastSquares)
      #expect(estimate.notes.contains { $0.contains("singular") || $0.contains("ill-conditioned") })
    }
  }

  @Test func classMissingFromTheHoldoutIsReported() throws {
    let logits = Matrix([[2, 0, 0], [0, 2, 0], [2, 0, 0], [0, 2, 0]])
    let problem = try LabelShiftProblem(
      holdoutLogits: logits, holdoutLabels: [0, 1, 0, 1], targetLogits: logits, sourcePrior: [0.5, 0.5, 0])
    var generator = SplitMix64(seed: 1)
    let estimate = try LabelShiftEstimator(method: .bbseHard).estimate(problem, using: &generator)
    #expect(estimate.notes.contains { $0.contains("class 2 has no holdout examples") })
    #expect(estimate.weights.allSatisfy { $0.isFinite })
    #expect(estimate.weights[2] == 0)  // no source mass: weight 0, never infinity
  }

  @Test func badInputsAreRejected() {
    #expect(throws: ShiftEstimationError.self) {
      try LabelShiftProblem(
        holdoutLogits: Matrix(rows: 2, columns: 3), holdoutLabels: [0, 1], targetLogits: Matrix(rows: 2, columns: 2),
        sourcePrior: [0.5, 0.5, 0])
    }
    #expect(throws: ShiftEstimationError.self) {
      try LabelShiftProblem(
        holdoutLogits: Matrix(rows: 2, columns: 2), holdoutLabels: [0, 5], targetLogits: Matrix(rows: 2, columns: 2),
        sourcePrior: [0.5, 0.5])
    }
    #expect(throws: ShiftEstimationError.self) {
      try LabelShiftProblem(
        holdoutLogits: Matrix(rows: 2, columns: 2), holdoutLabels: [0, 1], targetLogits: Matrix(rows: 0, columns: 2),
        sourcePrior: [0.5, 0.5])
    }
  }
}

@Suite struct CalibrationTests {
  /// Labels drawn from softmax(z); the model reports 3z + (1, 0, −1). Calibration must undo it:
  /// a ≈ 1/3 and biases ≈ −(1, 0, −1)/3 up to a common constant. With n = 100 000 and class
  /// shares ≈ 1/3, the Fisher information of a bias difference is ≈ n·p(1−p)/2 ≈ 11 000, so its
  /// standard error is ≈ 0.01: we allow 0.04 (4 SE). The fitted point must also be a stationary
  /// point of the likelihood (central differences, h = 1e-4).
  @Test func undoesAKnownTemperatureAndBias() throws {
    var generator = SplitMix64(seed: 12)
    let n = 100_000
    var logits = Matrix(rows: n, columns: 3)
    var labels: [Int] = []
    for i in 0..<n {
      let z = (0..<3).map { _ in generator.standardNormal() }
      let total = z.reduce(0) { $0 + exp($1) }
      labels.append(sampleCategorical(z.map { exp($0) / total }, using: &generator))
      for j in 0..<3 { logits[i, j] = Float(3 * z[j] + [1, 0, -1][j]) }
    }
    let calibration = try BiasCorrectedTemperatureScaling.fit(logits: logits, labels: labels)
    #expect(calibration.inverseTemperature.isApproximatelyEqual(to: 1.0 / 3, absoluteTolerance: 0.03))
    let centred = calibration.biases.map { $0 - calibration.biases[1] }
    #expect(abs(centred[0] + 1.0 / 3) < 0.04 && abs(centred[2] - 1.0 / 3) < 0.04)
    func negativeLogLikelihood(_ a: Double, _ b: [Double]) -> Double {
      var total = 0.0
      for i in 0..<n {
        let row = (0..<3).map { a * Double(logits[i, $0]) + b[$0] }
        let largest = row.max()!
        total += largest + log(row.reduce(0) { $0 + exp($1 - largest) }) - row[labels[i]]
      }
      return total / Double(n)
    }
    let h = 1e-4
    let a = calibration.inverseTemperature
    let b = calibration.biases
    let slope: Double = (negativeLogLikelihood(a + h, b) - negativeLogLikelihood(a - h, b)) / (2 * h)
    #expect(abs(slope) < 1e-5)
    for j in 0..<3 {
      var up = b
      var down = b
      up[j] += h
      down[j] -= h
      let biasSlope: Double = (negativeLogLikelihood(a, up) - negativeLogLikelihood(a, down)) / (2 * h)
      #expect(abs(biasSlope) < 1e-5)
    }
  }

  @Test func correctedProbabilitiesFollowTheWeights() {
    let corrected = priorCorrected(probabilities: Matrix([[0.5, 0.5], [0.2, 0.8]]), weights: [3, 1])
    #expect(abs(corrected[0, 0] - 0.75) < 1e-6 && abs(corrected[1, 0] - 0.6 / 1.4) < 1e-6)
    #expect((corrected[1, 0] + corrected[1, 1]).isApproximatelyEqual(to: 1, absoluteTolerance: 1e-6))
  }
}

@Suite struct SimulationTests {
  @Test func dirichletPriorsAverageToUniform() throws {
    var generator = SplitMix64(seed: 1)
    var mean = [Double](repeating: 0, count: 5)
    for _ in 0..<2000 {
      let prior = try LabelShiftSimulation.dirichletPrior(classCount: 5, concentration: 1, using: &generator)
      #expect(prior.reduce(0, +).isApproximatelyEqual(to: 1, absoluteTolerance: 1e-9))
      for j in 0..<5 { mean[j] += prior[j] / 2000 }
    }
    // Each component of Dir(1,…,1) with k = 5 has sd √(0.2·0.8/6) ≈ 0.163; the mean of 2 000 has sd 0.0037.
    #expect(mean.allSatisfy { abs($0 - 0.2) < 0.015 })
  }

  @Test func tweakOneAndSampledCountsFollowThePrior() throws {
    let prior = try LabelShiftSimulation.tweakOnePrior(classCount: 4, tweaked: 2, share: 0.7)
    #expect(zip(prior, [0.1, 0.1, 0.7, 0.1]).allSatisfy { abs($0 - $1) < 1e-12 })
    var generator = SplitMix64(seed: 2)
    let labels = (0..<400).map { $0 % 4 }
    let rows = try LabelShiftSimulation.sample(labels: labels, prior: prior, count: 10_000, using: &generator)
    let share = Double(rows.filter { labels[$0] == 2 }.count) / 10_000
    #expect(share.isApproximatelyEqual(to: 0.7, absoluteTolerance: 0.02))  // binomial sd 0.0046
    #expect(throws: ShiftEstimationError.self) {
      try LabelShiftSimulation.sample(labels: [0, 0, 1], prior: [0.5, 0, 0.5], count: 10, using: &generator)
    }
  }

  @Test func selectionBiasFavoursHighScoresAndNormalisesTheOracle() throws {
    var generator = SplitMix64(seed: 3)
    let letters = Fixtures.letters
    let simulation = try SelectionBiasSimulation(features: letters.features, strength: 2, using: &generator)
    let scores = SelectionBiasSimulation.principalComponentScores(letters.features)
    let sourceMean = simulation.sourceRows.reduce(0) { $0 + scores[$1] } / Double(simulation.sourceRows.count)
    let targetMean = simulation.targetRows.reduce(0) { $0 + scores[$1] } / Double(simulation.targetRows.count)
    #expect(targetMean > sourceMean + 0.5)
    #expect(
      (simulation.oracleWeights.reduce(0, +) / Double(simulation.oracleWeights.count)).isApproximatelyEqual(
        to: 1, absoluteTolerance: 1e-9))
    #expect(Set(simulation.sourceRows).isDisjoint(with: simulation.targetRows))
  }
}

/// The pieces of KDEy-ML and of distribution matching, checked by hand.
@Suite struct DensityAndHistogramMatchingTests {
  /// One kernel centre: the log density is −‖x − c‖²/(2h²) (the normalisation left out), and
  /// a class without holdout rows has none (−∞).
  @Test func aSingleCentreGivesTheGaussianExponent() {
    let holdout = Matrix([[0.9, 0.1], [0.2, 0.8]])
    let points = Matrix([[0.7, 0.3], [0.2, 0.8]])
    let densities = KernelDensityLabelShift.logDensities(
      of: points, holdout: holdout, labels: [0, 0], classCount: 2, bandwidth: 0.1)
    // Class 0 has both centres: log of their mean kernel.
    for (row, x) in [(0.7, 0.3), (0.2, 0.8)].enumerated() {
      let kernels = [(0.9, 0.1), (0.2, 0.8)].map { c in
        exp(-((x.0 - c.0) * (x.0 - c.0) + (x.1 - c.1) * (x.1 - c.1)) / 0.02)
      }
      #expect(densities[0][row].isApproximatelyEqual(to: log(kernels.reduce(0, +) / 2), absoluteTolerance: 1e-4))
    }
    #expect(densities[1].allSatisfy { $0 == -.infinity })
  }

  /// Targets drawn from two well-separated classes in known shares: KDEy-ML and distribution
  /// matching both recover the shares (to the sampling noise of 2 000 rows, sd ≈ 0.01).
  @Test(arguments: [LabelShiftMethod.kdey, .dm])
  func separatedClassesGiveTheirShares(method: LabelShiftMethod) throws {
    var generator = SplitMix64(seed: 9)
    func logits(_ label: Int) -> [Float] {
      let noise = Float(generator.standardNormal()) * 0.5
      return label == 0 ? [2 + noise, 0] : [0, 2 + noise]
    }
    let holdoutLabels = (0..<2000).map { $0 % 2 }
    let targetLabels = (0..<2000).map { $0 < 1400 ? 0 : 1 }
    let problem = try LabelShiftProblem(
      holdoutLogits: Matrix(holdoutLabels.map(logits)), holdoutLabels: holdoutLabels,
      targetLogits: Matrix(targetLabels.map(logits)), sourcePrior: [0.5, 0.5])
    let estimate = try LabelShiftEstimator(method: method).estimate(problem, using: &generator)
    #expect(estimate.targetPrior[0].isApproximatelyEqual(to: 0.7, absoluteTolerance: 0.03))
  }

  /// Distribution matching's fixed point is the minimum of its distance over the simplex: on
  /// three overlapping classes no prior of a 0.01 grid comes closer to the target's histograms.
  @Test func theFixedPointIsTheMinimumOverTheSimplex() throws {
    var generator = SplitMix64(seed: 5)
    func logits(_ label: Int) -> [Float] {
      (0..<3).map { Float($0 == label ? 1.5 : 0) + Float(generator.standardNormal()) }
    }
    let holdoutLabels = (0..<900).map { $0 % 3 }
    let targetLabels = (0..<900).map { $0 < 500 ? 0 : ($0 < 800 ? 1 : 2) }
    let problem = try LabelShiftProblem(
      holdoutLogits: Matrix(holdoutLabels.map(logits)), holdoutLabels: holdoutLabels,
      targetLogits: Matrix(targetLabels.map(logits)), sourcePrior: [1.0 / 3, 1.0 / 3, 1.0 / 3])
    let byClass = rowIndicesByClass(holdoutLabels, classCount: 3)
    let holdout = byClass.map {
      DistributionMatchingLabelShift.histograms(of: problem.holdoutProbabilities, rows: $0, classCount: 3)
    }
    let target = DistributionMatchingLabelShift.histograms(
      of: problem.targetProbabilities, rows: Array(0..<900), classCount: 3)
    func distance(_ q: [Double]) -> Double {
      target.indices.reduce(0.0) { total, index in
        let mixture = (0..<3).reduce(0.0) { $0 + q[$1] * holdout[$1][index] }
        let d = target[index].squareRoot() - mixture.squareRoot()
        return total + d * d
      } / 3
    }
    let solution = DistributionMatchingLabelShift.estimate(problem)
    var best = Double.infinity
    for a in 0...100 {
      for b in 0...(100 - a) {
        best = min(best, distance([Double(a), Double(b), Double(100 - a - b)].map { $0 / 100 }))
      }
    }
    #expect(distance(solution.prior) <= best + 1e-12)
    #expect(solution.notes.isEmpty)
  }
}
