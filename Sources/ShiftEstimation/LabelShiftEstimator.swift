import Foundation
import LinearAlgebra

/// The label-shift estimators on offer.
public enum LabelShiftMethod: String, Sendable, CaseIterable, Codable {
  /// Chooses among the others by simulating label shift on the source holdout (see
  /// ``LabelShiftEstimator``); needs no target labels.
  case auto
  /// Black-box shift estimation with the arg-max confusion matrix.
  case bbseHard = "bbse-hard"
  /// Black-box shift estimation with the expected (probability) confusion matrix.
  case bbseSoft = "bbse-soft"
  /// Regularised learning under label shift.
  case rlls
  /// Maximum-likelihood EM on the model's raw probabilities.
  case em
  /// EM on probabilities calibrated by bias-corrected temperature scaling on the holdout.
  case emBCTS = "em-bcts"

  /// The concrete methods `auto` chooses from.
  public static let concrete: [LabelShiftMethod] = [.bbseHard, .bbseSoft, .rlls, .em, .emBCTS]
}

/// An estimated target class prior and the label-shift weights it implies.
public struct LabelShiftEstimate: Sendable, Equatable {
  /// The method that produced the estimate (the chosen one when `auto` was asked for).
  public var method: LabelShiftMethod
  /// The source prior `p(y)` the weights refer to.
  public var sourcePrior: [Double]
  /// The estimated target prior `q(y)`: non-negative, summing to 1.
  public var targetPrior: [Double]
  /// `w(y) = q(y)/p(y)` (0 for a class absent from the source).
  public var weights: [Double]
  /// The condition number of the confusion matrix (for EM methods: of the hard confusion
  /// matrix, as a diagnostic of how separable the classes are).
  public var conditionNumber: Double
  /// Classes whose raw estimate was negative and clipped to 0.
  public var clippedClasses: [Int]
  /// How the estimate was computed ("lu", "regularized-least-squares", "rlls", "em (N iterations)").
  public var solver: String
  /// Cautions: missing classes, ill-conditioning, non-convergence.
  public var notes: [String]
  /// With `auto`: each candidate's mean weight error on the simulated shifts, best first.
  public var selectionScores: [(method: LabelShiftMethod, meanSquaredError: Double)]

  public static func == (lhs: LabelShiftEstimate, rhs: LabelShiftEstimate) -> Bool {
    lhs.method == rhs.method && lhs.targetPrior == rhs.targetPrior && lhs.weights == rhs.weights
  }

  /// Per-sample weights for rows with the given labels: `w(yᵢ)`.
  public func sampleWeights(for labels: [Int]) -> [Double] { labels.map { weights[$0] } }
}

/// Estimates the target class prior under label shift (SPEC §2) from a ``LabelShiftProblem``.
///
/// `auto` picks a method without target labels: it splits the holdout in two (stratified),
/// keeps one half to estimate from, draws pseudo-targets of the target's size from the other
/// half with the pilot prior (the mean of all candidates' estimates) as the truth, runs every
/// candidate, and keeps the one with the smallest mean weight error over `selectionRounds`
/// such simulations.
public struct LabelShiftEstimator: Sendable {
  /// The method to run.
  public var method: LabelShiftMethod
  /// Simulated shifts per `auto` choice.
  public var selectionRounds: Int

  /// An estimator using `method` (default `auto`).
  public init(method: LabelShiftMethod = .auto, selectionRounds: Int = 10) {
    self.method = method
    self.selectionRounds = selectionRounds
  }

  /// The estimate for `problem`; `generator` drives `auto`'s simulations (and nothing else).
  public func estimate(
    _ problem: LabelShiftProblem, using generator: inout some RandomNumberGenerator
  ) throws -> LabelShiftEstimate {
    try estimate(crossFitted: [problem], using: &generator)
  }

  /// The cross-fitted estimate: one problem per fold, each holding one fold model's logits on
  /// its own held-out source rows and on the same target rows. Every fold is estimated with the
  /// same method (for `auto`, the one with the smallest selection error summed over the folds)
  /// and the target priors are averaged, so the whole source serves as holdout while no row is
  /// scored by a model that saw it.
  public func estimate(
    crossFitted problems: [LabelShiftProblem], using generator: inout some RandomNumberGenerator
  ) throws -> LabelShiftEstimate {
    try Self.checkCompatible(problems)
    guard method == .auto else { return try Self.average(problems.map { try Self.run(method, on: $0) }) }
    let k = problems[0].classCount
    let candidates = try problems.map { problem in try LabelShiftMethod.concrete.map { try Self.run($0, on: problem) } }
    let all = candidates.joined()
    let pilot = (0..<k).map { j in all.reduce(0) { $0 + $1.targetPrior[j] } / Double(all.count) }
    var totals = [LabelShiftMethod: Double]()
    for problem in problems {
      for score in try selectionScores(problem, pilot: pilot, using: &generator) {
        totals[score.method, default: 0] += score.meanSquaredError / Double(problems.count)
      }
    }
    // Ties (RLLS can coincide with BBSE-hard) go to the earlier method in `concrete`, not to hash order.
    let scores = LabelShiftMethod.concrete.compactMap { method in totals[method].map { (method: method, meanSquaredError: $0) } }
      .enumerated().sorted { ($0.element.meanSquaredError, $0.offset) < ($1.element.meanSquaredError, $1.offset) }.map(\.element)
    let chosen = LabelShiftMethod.concrete.firstIndex(of: scores.first?.method ?? .emBCTS)!
    var estimate = try Self.average(candidates.map { $0[chosen] })
    estimate.selectionScores = scores
    return estimate
  }

  /// Throws unless the problems share their classes, source prior and target size.
  static func checkCompatible(_ problems: [LabelShiftProblem]) throws {
    guard let first = problems.first else { throw ShiftEstimationError.invalidInput("no label-shift problem to estimate") }
    guard problems.allSatisfy({ $0.sourcePrior == first.sourcePrior && $0.targetLogits.rows == first.targetLogits.rows }) else {
      throw ShiftEstimationError.invalidInput("cross-fitted problems must share the source prior and the target rows")
    }
  }

  /// The mean of per-fold estimates of one method (the estimate itself for a single fold).
  static func average(_ estimates: [LabelShiftEstimate]) throws -> LabelShiftEstimate {
    guard var result = estimates.first else { throw ShiftEstimationError.invalidInput("no estimates to average") }
    guard estimates.count > 1 else { return result }
    let folds = Double(estimates.count)
    result.targetPrior = result.targetPrior.indices.map { j in estimates.reduce(0) { $0 + $1.targetPrior[j] } / folds }
    result.weights = zip(result.targetPrior, result.sourcePrior).map { $1 > 0 ? $0 / $1 : 0 }
    result.conditionNumber = estimates.map(\.conditionNumber).max() ?? result.conditionNumber
    result.clippedClasses = Array(Set(estimates.flatMap(\.clippedClasses))).sorted()
    result.solver = Set(estimates.map(\.solver)).count == 1 ? result.solver : estimates.map(\.solver).joined(separator: ", ")
    result.solver += ", averaged over \(estimates.count) folds"
    var notes: [String] = []
    for note in estimates.flatMap(\.notes) where !notes.contains(note) { notes.append(note) }
    result.notes = notes
    return result
  }

  /// Runs one concrete method.
  static func run(_ method: LabelShiftMethod, on problem: LabelShiftProblem) throws -> LabelShiftEstimate {
    let solution: LabelShiftSolution
    switch method {
    case .auto: preconditionFailure("auto is resolved by LabelShiftEstimator.estimate")
    case .bbseHard: solution = BlackBoxShiftEstimation.estimate(problem, soft: false)
    case .bbseSoft: solution = BlackBoxShiftEstimation.estimate(problem, soft: true)
    case .rlls: solution = RegularizedLabelShift.estimate(problem)
    case .em:
      solution = MaximumLikelihoodLabelShift.estimate(
        probabilities: problem.targetProbabilities, trainingPrior: problem.sourcePrior)
    case .emBCTS:
      let calibration = try BiasCorrectedTemperatureScaling.fit(logits: problem.holdoutLogits, labels: problem.holdoutLabels)
      solution = MaximumLikelihoodLabelShift.estimate(
        probabilities: calibration.probabilities(forLogits: problem.targetLogits), trainingPrior: problem.holdoutPrior)
    }
    let condition = solution.conditionNumber
      ?? BlackBoxShiftEstimation.confusion(problem, soft: false).matrix.conditionNumber
    let weights = zip(solution.prior, problem.sourcePrior).map { $1 > 0 ? $0 / $1 : 0 }
    guard weights.allSatisfy(\.isFinite) else {
      throw ShiftEstimationError.numericalFailure("\(method.rawValue) produced non-finite weights")
    }
    return LabelShiftEstimate(
      method: method, sourcePrior: problem.sourcePrior, targetPrior: solution.prior, weights: weights,
      conditionNumber: condition, clippedClasses: solution.clippedClasses, solver: solution.solver,
      notes: solution.notes, selectionScores: [])
  }

  /// Mean weight-MSE of every concrete method on shifts simulated inside the holdout, in
  /// ``LabelShiftMethod/concrete`` order.
  private func selectionScores(
    _ problem: LabelShiftProblem, pilot: [Double], using generator: inout some RandomNumberGenerator
  ) throws -> [(method: LabelShiftMethod, meanSquaredError: Double)] {
    let k = problem.classCount
    let byClass = rowIndicesByClass(problem.holdoutLabels, classCount: k)
    var errors = [Double](repeating: 0, count: LabelShiftMethod.concrete.count)
    var rounds = 0
    for _ in 0..<selectionRounds {
      var estimationRows: [Int] = []
      var poolByClass = [[Int]](repeating: [], count: k)
      for j in 0..<k {
        var rows = byClass[j]
        rows.fisherYatesShuffle(using: &generator)
        let half = rows.count / 2
        estimationRows += rows[half...]
        poolByClass[j] = Array(rows[..<half])
      }
      // Classes with no rows left in the pool cannot be drawn: simulate on the rest.
      let drawable = (0..<k).map { poolByClass[$0].isEmpty ? 0 : pilot[$0] }
      let mass = drawable.reduce(0, +)
      guard mass > 0, !estimationRows.isEmpty else { continue }
      let truth = drawable.map { $0 / mass }
      let size = problem.targetLogits.rows
      var pseudoTarget: [Int] = []
      pseudoTarget.reserveCapacity(size)
      for _ in 0..<size {
        let j = sampleCategorical(truth, using: &generator)
        pseudoTarget.append(poolByClass[j][generator.uniformIndex(below: poolByClass[j].count)])
      }
      let simulated = try LabelShiftProblem(
        holdoutLogits: problem.holdoutLogits.rows(at: estimationRows),
        holdoutLabels: estimationRows.map { problem.holdoutLabels[$0] },
        targetLogits: problem.holdoutLogits.rows(at: pseudoTarget), sourcePrior: problem.sourcePrior)
      let trueWeights = zip(truth, problem.sourcePrior).map { $1 > 0 ? $0 / $1 : 0 }
      for (index, method) in LabelShiftMethod.concrete.enumerated() {
        let estimate = try Self.run(method, on: simulated)
        errors[index] += weightMeanSquaredError(estimate.weights, trueWeights)
      }
      rounds += 1
    }
    guard rounds > 0 else { return [] }
    return zip(LabelShiftMethod.concrete, errors.map { $0 / Double(rounds) }).map { (method: $0.0, meanSquaredError: $0.1) }
  }
}

/// `‖ŵ − w‖²/k`: the figure of merit for label-shift weights.
public func weightMeanSquaredError(_ estimated: [Double], _ truth: [Double]) -> Double {
  precondition(estimated.count == truth.count, "weight vectors of different lengths")
  return zip(estimated, truth).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(max(truth.count, 1))
}

/// A draw from the categorical distribution `probabilities` (which sum to 1).
func sampleCategorical(_ probabilities: [Double], using generator: inout some RandomNumberGenerator) -> Int {
  var u = generator.uniformUnit()
  for (index, p) in probabilities.enumerated() {
    u -= p
    if u < 0 { return index }
  }
  return probabilities.lastIndex { $0 > 0 } ?? 0
}
