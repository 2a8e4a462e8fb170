import Datasets
import Foundation
import LinearAlgebra

/// Distribution matching on the model's outputs (DMy, after HDy, González-Castro et al. 2013;
/// in the form of Moreo et al.'s QuaPy): per class `j`, the histogram of the probability the
/// model gives class `j` (8 equal bins of [0, 1]) among the holdout rows of each class `i`;
/// the target prior `q` is the mixture weight whose mixture of those histograms is nearest the
/// target's own, in Hellinger distance averaged over the `k` histograms.
///
/// It matches whole distributions of outputs rather than their means (as BBSE does), and needs no
/// calibration. The distance is minimised over the simplex by projected gradient descent with a
/// backtracking (Armijo) step, from the uniform prior over the classes the holdout has.
public enum DistributionMatchingLabelShift {
  /// Histogram bins of each class's probability.
  public static let bins = 8

  /// The target prior whose mixture of the holdout's class-conditional histograms is nearest
  /// the target's histograms.
  static func estimate(_ problem: LabelShiftProblem) -> LabelShiftSolution {
    let k = problem.classCount
    let byClass = rowIndicesByClass(problem.holdoutLabels, classCount: k)
    // holdout[i][j * bins + b]: share of class i's holdout rows whose probability of j is in bin b.
    let holdout = byClass.map { rows in histograms(of: problem.holdoutProbabilities, rows: rows, classCount: k) }
    let target = histograms(
      of: problem.targetProbabilities, rows: Array(0..<problem.targetProbabilities.rows), classCount: k)
    let present = byClass.map { !$0.isEmpty }
    let rootTarget = target.map { $0.squareRoot() }
    /// The mean Hellinger distance at `q`, and its gradient in `q`.
    func distance(_ q: [Double]) -> (value: Double, gradient: [Double]) {
      var mixture = [Double](repeating: 0, count: k * bins)
      for i in 0..<k where q[i] > 0 {
        for index in mixture.indices { mixture[index] += q[i] * holdout[i][index] }
      }
      var value = 0.0
      // ∂(mean distance)/∂ mixture, bin by bin.
      var slope = [Double](repeating: 0, count: k * bins)
      for j in 0..<k {
        var squares = 0.0
        for b in 0..<bins {
          let d = rootTarget[j * bins + b] - mixture[j * bins + b].squareRoot()
          squares += d * d
        }
        let hellinger = squares.squareRoot()
        value += hellinger
        guard hellinger > 0 else { continue }
        for b in 0..<bins {
          let root = max(mixture[j * bins + b], 1e-12).squareRoot()
          slope[j * bins + b] = -(rootTarget[j * bins + b] - root) / (2 * root * hellinger * Double(k))
        }
      }
      let gradient = (0..<k).map { i in zip(holdout[i], slope).reduce(0.0) { $0 + $1.0 * $1.1 } }
      return (value / Double(k), gradient)
    }
    let classes = present.filter { $0 }.count
    var q = present.map { $0 ? 1 / Double(classes) : 0 }
    var (value, gradient) = distance(q)
    var step = 1.0
    var iterations = 0
    var converged = false
    while iterations < maximumIterations {
      iterations += 1
      // Backtrack until the projected step decreases the distance enough (Armijo).
      var accepted: (q: [Double], value: Double, gradient: [Double])? = nil
      while step > 1e-12 {
        let next = projectedOntoSimplex(zip(q, gradient).map { $0 - step * $1 }, present: present)
        let decrease = zip(gradient, zip(q, next)).reduce(0.0) { $0 + $1.0 * ($1.1.0 - $1.1.1) }
        let candidate = distance(next)
        if candidate.value <= value - 1e-4 * decrease {
          accepted = (next, candidate.value, candidate.gradient)
          break
        }
        step /= 2
      }
      guard let accepted else {
        converged = true  // no step decreases the distance: a minimum, to rounding
        break
      }
      let change = zip(q, accepted.q).map { abs($0 - $1) }.max() ?? 0
      (q, value, gradient) = accepted
      step = min(step * 2, 1e3)
      if change < 1e-9 {
        converged = true
        break
      }
    }
    var notes: [String] = []
    if !converged {
      notes.append("distribution matching stopped after \(iterations) iterations before its tolerance")
    }
    return LabelShiftSolution(
      rawPrior: q, classCount: k, conditionNumber: nil, solver: .distributionMatching(iterations: iterations),
      notes: notes)
  }

  /// Steps of the projected gradient descent allowed.
  static let maximumIterations = 2_000

  /// The point of the simplex over the `present` classes nearest `point` (Euclidean
  /// projection: Duchi et al. 2008); absent classes get 0.
  static func projectedOntoSimplex(_ point: [Double], present: [Bool]) -> [Double] {
    let values = point.indices.filter { present[$0] }.map { point[$0] }.sorted(by: >)
    var cumulative = 0.0
    var threshold = 0.0
    for (index, value) in values.enumerated() {
      cumulative += value
      let candidate = (cumulative - 1) / Double(index + 1)
      if value - candidate > 0 { threshold = candidate }
    }
    return point.indices.map { present[$0] ? max(point[$0] - threshold, 0) : 0 }
  }

  /// For the `rows` of `probabilities`, each class's probability binned: `k · bins` shares, the
  /// bins of class `j` at `j · bins ..< (j + 1) · bins` (each class's shares sum to 1; all 0
  /// without rows).
  static func histograms(of probabilities: Matrix, rows: [Int], classCount k: Int) -> [Double] {
    var counts = [Double](repeating: 0, count: k * bins)
    guard !rows.isEmpty else { return counts }
    probabilities.withUnsafeBufferPointer { p in
      for row in rows {
        for j in 0..<k {
          let bin = min(bins - 1, max(0, Int(Double(p[row * k + j]) * Double(bins))))
          counts[j * bins + bin] += 1
        }
      }
    }
    return counts.map { $0 / Double(rows.count) }
  }
}
