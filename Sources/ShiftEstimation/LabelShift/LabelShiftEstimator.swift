import Datasets
import Foundation
import LinearAlgebra

/// Estimates the target class prior under label shift (SPEC §2) from a ``LabelShiftProblem``.
///
/// `auto` picks a method without target labels: it splits the holdout in two (stratified),
/// keeps one half to estimate from, draws pseudo-targets of the target's size (at most
/// ``selectionPoolMultiple`` times the other half's rows) from the other half with the pilot
/// prior (the mean of all candidates' estimates) as the truth, runs every candidate, and keeps
/// the one with the smallest mean weight error over `selectionRounds` such simulations.
public struct LabelShiftEstimator: Sendable {
  /// The method to run.
  public var method: LabelShiftMethod
  /// Simulated shifts per `auto` choice.
  public var selectionRounds: Int
  /// The largest pseudo-target `auto` draws, as a multiple of the pool it draws from. A larger
  /// draw repeats each pool row more than this many times on average: its error is then the
  /// pool's, not the target size's, and it only costs time (a million-row target would
  /// otherwise be simulated a million rows at a time).
  public static let selectionPoolMultiple = 4

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
    let scores = LabelShiftMethod.concrete.compactMap { method in
      totals[method].map { LabelShiftEstimate.MethodScore(method: method, meanSquaredError: $0) }
    }.enumerated().sorted { ($0.element.meanSquaredError, $0.offset) < ($1.element.meanSquaredError, $1.offset) }.map(
      \.element)
    let chosen = LabelShiftMethod.concrete.firstIndex(of: scores.first?.method ?? .emBCTS) ?? 0
    var estimate = try Self.average(candidates.map { $0[chosen] })
    estimate.selectionScores = scores
    return estimate
  }

  /// Throws unless the problems share their classes, source prior and target size.
  static func checkCompatible(_ problems: [LabelShiftProblem]) throws {
    guard let first = problems.first else {
      throw ShiftEstimationError.invalidInput("no label-shift problem to estimate")
    }
    guard
      problems.allSatisfy({ $0.sourcePrior == first.sourcePrior && $0.targetLogits.rows == first.targetLogits.rows })
    else {
      throw ShiftEstimationError.invalidInput("cross-fitted problems must share the source prior and the target rows")
    }
  }

  /// The mean of per-fold estimates of one method (the estimate itself for a single fold).
  static func average(_ estimates: [LabelShiftEstimate]) throws -> LabelShiftEstimate {
    guard var result = estimates.first else { throw ShiftEstimationError.invalidInput("no estimates to average") }
    guard estimates.count > 1 else { return result }
    let folds = Double(estimates.count)
    result.targetPrior = result.targetPrior.indices.map { j in estimates.reduce(0) { $0 + $1.targetPrior[j] } / folds }
    result.conditionNumber = estimates.map(\.conditionNumber).max() ?? result.conditionNumber
    result.clippedClasses = Array(Set(estimates.flatMap(\.clippedClasses))).sorted()
    result.solvers = estimates.flatMap(\.solvers)
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
      let calibration = try BiasCorrectedTemperatureScaling.fit(
        logits: problem.holdoutLogits, labels: problem.holdoutLabels)
      solution = MaximumLikelihoodLabelShift.estimate(
        probabilities: calibration.probabilities(forLogits: problem.targetLogits), trainingPrior: problem.holdoutPrior)
    }
    let condition =
      solution.conditionNumber
      ?? BlackBoxShiftEstimation.confusion(problem, soft: false).matrix.conditionNumber
    let estimate = LabelShiftEstimate(
      method: method, priors: LabelShiftWeights(targetPrior: solution.prior, sourcePrior: problem.sourcePrior),
      conditionNumber: condition,
      clippedClasses: solution.clippedClasses, solvers: [solution.solver], notes: solution.notes, selectionScores: [])
    guard estimate.weights.allSatisfy(\.isFinite) else {
      throw ShiftEstimationError.numericalFailure("\(method.rawValue) produced non-finite weights")
    }
    return estimate
  }

  /// Mean weight-MSE of every concrete method on shifts simulated inside the holdout, in
  /// ``LabelShiftMethod/concrete`` order.
  private func selectionScores(
    _ problem: LabelShiftProblem, pilot: [Double], using generator: inout some RandomNumberGenerator
  ) throws -> [LabelShiftEstimate.MethodScore] {
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
      let poolRows = poolByClass.reduce(0) { $0 + $1.count }
      let size = min(problem.target.rows, Self.selectionPoolMultiple * poolRows)
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
      let trueWeights = LabelShiftWeights(targetPrior: truth, sourcePrior: problem.sourcePrior)
      for (index, method) in LabelShiftMethod.concrete.enumerated() {
        errors[index] += try Self.run(method, on: simulated).priors.meanSquaredError(against: trueWeights)
      }
      rounds += 1
    }
    guard rounds > 0 else { return [] }
    return zip(LabelShiftMethod.concrete, errors).map { .init(method: $0.0, meanSquaredError: $0.1 / Double(rounds)) }
  }
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
