import Datasets
import Foundation
import LinearAlgebra
import ShiftEstimation

/// A simulated production stream with known truth, drawn from a labelled pool of real rows: a
/// stable period, then one kind of change — the ground truth the monitor is measured against.
///
/// Every chunk draws its rows from the pool with replacement. Stable chunks draw uniformly. A
/// **gradual covariate drift** draws row x with probability ∝ σ(γⱼ·s(x) − 1), s the row's
/// standardised first-principal-component score, γⱼ rising linearly to `driftStrength` over
/// the shifted chunks (p(y|x) unchanged). A **sudden label shift** draws the shifted chunks by
/// class from one Dirichlet(1) prior (p(x|y) unchanged). A **concept shift** draws uniformly
/// but relabels each shifted row to its class's partner (a random pairing of the classes; with
/// an odd number of classes one class has no partner and keeps its labels) with
/// probability `conceptShare`: the features and the model's outputs do not change, only the
/// truth does, so no label-free method can see it.
public struct StreamSimulation: Sendable {
  /// What changes after the stable period.
  public enum Scenario: String, Sendable, CaseIterable, Codable {
    /// Nothing: every chunk is stable.
    case stable
    /// p(x) moves a little more in each shifted chunk.
    case covariateDrift = "gradual covariate drift"
    /// The class proportions jump at the first shifted chunk.
    case labelShift = "sudden label shift"
    /// p(y|x) changes at the first shifted chunk.
    case conceptShift = "concept shift"
  }

  /// The scenario.
  public var scenario: Scenario
  /// The pool rows of each chunk.
  public var chunkRows: [[Int]]
  /// The stream's labels of each chunk's rows (a concept shift changes some).
  public var chunkLabels: [[Int]]
  /// The index of the first shifted chunk (the number of stable chunks).
  public var firstShiftedChunk: Int

  /// The largest γ of the covariate drift.
  public static let driftStrength = 2.0
  /// The share of shifted rows a concept shift relabels.
  public static let conceptShare = 0.3

  /// A stream of `stableChunks` stable chunks then `shiftedChunks` chunks of `scenario`, each
  /// of `rowsPerChunk` rows, drawn from the pool rows `features` with `labels` over
  /// `classCount` classes.
  public init(
    _ scenario: Scenario, features: Matrix, labels: [Int], classCount: Int, stableChunks: Int, shiftedChunks: Int,
    rowsPerChunk: Int, using generator: inout some RandomNumberGenerator
  ) throws {
    guard features.rows == labels.count, features.rows >= 4, classCount >= 2 else {
      throw WorkflowError.invalidInput("a stream needs a pool of at least 4 labelled rows and 2 classes")
    }
    guard stableChunks >= 0, shiftedChunks >= 0, rowsPerChunk >= 1 else {
      throw WorkflowError.invalidInput("a stream needs non-negative chunk counts and rows per chunk")
    }
    self.scenario = scenario
    firstShiftedChunk = stableChunks
    let n = features.rows
    func uniform() -> [Int] { (0..<rowsPerChunk).map { _ in generator.uniformIndex(below: n) } }
    chunkRows = (0..<stableChunks).map { _ in uniform() }
    chunkLabels = chunkRows.map { $0.map { labels[$0] } }
    switch scenario {
    case .stable:
      for _ in 0..<shiftedChunks { chunkRows.append(uniform()) }
      chunkLabels = chunkRows.map { $0.map { labels[$0] } }
    case .covariateDrift:
      let score = SelectionBiasSimulation.principalComponentScores(features)
      for chunk in 0..<shiftedChunks {
        let gamma = Self.driftStrength * Double(chunk + 1) / Double(shiftedChunks)
        var cumulative: [Double] = []
        cumulative.reserveCapacity(n)
        var total = 0.0
        for row in 0..<n {
          total += sigmoid(gamma * score[row] - 1)
          cumulative.append(total)
        }
        let rows = (0..<rowsPerChunk).map { _ in
          let u = generator.uniformUnit() * total
          return min(cumulative.partitioningIndex { $0 > u }, n - 1)
        }
        chunkRows.append(rows)
        chunkLabels.append(rows.map { labels[$0] })
      }
    case .labelShift:
      let prior = try LabelShiftSimulation.dirichletPrior(classCount: classCount, concentration: 1, using: &generator)
      for _ in 0..<shiftedChunks {
        let rows = try LabelShiftSimulation.sample(labels: labels, prior: prior, count: rowsPerChunk, using: &generator)
        chunkRows.append(rows)
        chunkLabels.append(rows.map { labels[$0] })
      }
    case .conceptShift:
      let order = randomPermutation(classCount, using: &generator)
      var partner = Array(0..<classCount)
      for pair in stride(from: 0, to: classCount - 1, by: 2) {
        partner[order[pair]] = order[pair + 1]
        partner[order[pair + 1]] = order[pair]
      }
      for _ in 0..<shiftedChunks {
        let rows = uniform()
        chunkRows.append(rows)
        chunkLabels.append(
          rows.map { generator.uniformUnit() < Self.conceptShare ? partner[labels[$0]] : labels[$0] })
      }
    }
  }
}

extension Array {
  /// The first index whose element satisfies `belongs` (which must be false, then true, along
  /// the array), or `count`.
  fileprivate func partitioningIndex(where belongs: (Element) -> Bool) -> Int {
    var low = 0
    var high = count
    while low < high {
      let middle = (low + high) / 2
      if belongs(self[middle]) { high = middle } else { low = middle + 1 }
    }
    return low
  }
}
