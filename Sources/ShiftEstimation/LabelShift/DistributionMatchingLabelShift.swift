import Datasets
import Foundation
import LinearAlgebra
import NeuralNetwork

/// Distribution matching on the model's outputs (DMy, after HDy, González-Castro et al. 2013;
/// in the form of Moreo et al.'s QuaPy): per class `j`, the histogram of the probability the
/// model gives class `j` (8 equal bins of [0, 1]) among the holdout rows of each class `i`;
/// the target prior `q` is the mixture weight whose mixture of those histograms is nearest the
/// target's own, in squared Hellinger distance averaged over the `k` histograms.
///
/// It matches whole distributions of outputs rather than their means (as BBSE does), and needs no
/// calibration. The squared distance, `1 − BC` with BC the Bhattacharyya coefficient
/// `Σ_b √(t_b·m_b(q))`, is convex in `q` (QuaPy's mean of unsquared distances is not): its
/// minimum over the simplex is where every class in use has the same slope of BC, which the
/// fixed-point step `q_i ← q_i·∂_i BC / Σ_l q_l·∂_l BC` reaches from the uniform prior, keeping
/// `q` on the simplex without a step size. (Projected gradient descent stalled where the
/// mixture leaves a bin almost empty and the slope grows without bound: on letter-recognition
/// with Dirichlet(0.1) priors its weight error was 100 to 500 times this one's.)
public enum DistributionMatchingLabelShift {
  /// Histogram bins of each class's probability.
  public static let bins = 8
  /// Fixed-point steps allowed.
  static let maximumIterations = 5_000
  /// The step stops once no class's prior moves by more than this.
  static let tolerance = 1e-9

  /// The target prior whose mixture of the holdout's class-conditional histograms is nearest
  /// the target's histograms.
  static func estimate(_ problem: LabelShiftProblem) -> LabelShiftSolution {
    let k = problem.classCount
    let byClass = rowIndicesByClass(problem.holdoutLabels, classCount: k)
    // holdout[i][j * bins + b]: share of class i's holdout rows whose probability of j is in bin b.
    let holdout = byClass.map { rows in histograms(of: problem.holdoutProbabilities, rows: rows, classCount: k) }
    let target = targetHistograms(problem)
    let present = byClass.map { !$0.isEmpty }
    let rootTarget = target.map { $0.squareRoot() }
    /// Each class's slope of the mean Bhattacharyya coefficient at `q`: the mean over
    /// histograms of `Σ_b h_i(b)·√t_b / (2·√m_b)` (a bin the mixture leaves empty is floored, so
    /// that 0·∞ does not make a NaN: a class in use has nothing in it).
    func slopes(_ q: [Double]) -> [Double] {
      var mixture = [Double](repeating: 0, count: k * bins)
      for i in 0..<k where q[i] > 0 {
        for index in mixture.indices { mixture[index] += q[i] * holdout[i][index] }
      }
      let ratio = zip(rootTarget, mixture).map { $0 / (2 * max($1, 1e-18).squareRoot() * Double(k)) }
      return (0..<k).map { i in zip(holdout[i], ratio).reduce(0.0) { $0 + $1.0 * $1.1 } }
    }
    let classes = present.filter { $0 }.count
    var q = present.map { $0 ? 1 / Double(classes) : 0 }
    var iterations = 0
    var converged = false
    var notes: [String] = []
    while iterations < maximumIterations {
      iterations += 1
      let slope = slopes(q)
      let total = zip(q, slope).reduce(0.0) { $0 + $1.0 * $1.1 }
      // No overlap at all between the target's histograms and the mixture's: nothing to match.
      guard total > 0 else {
        notes.append("the target's histograms share no bin with the holdout's: the prior stays uniform")
        converged = true
        break
      }
      let next = zip(q, slope).map { $0 * $1 / total }
      let change = zip(q, next).map { abs($0 - $1) }.max() ?? 0
      q = next
      if change < tolerance {
        converged = true
        break
      }
    }
    if !converged {
      notes.append("distribution matching stopped after \(iterations) steps before its tolerance")
    }
    return LabelShiftSolution(
      rawPrior: q, classCount: k, conditionNumber: nil, solver: .distributionMatching(iterations: iterations),
      notes: notes)
  }

  /// The target's histograms made of the same kind of output as the holdout's: the mean of
  /// each classifier's own histograms when several scored the target (their ensemble's outputs
  /// are less extreme than any single model's, which no mixture of the holdout's could match),
  /// else those of the target's probabilities.
  static func targetHistograms(_ problem: LabelShiftProblem) -> [Double] {
    let k = problem.classCount
    let rows = Array(0..<problem.targetLogits.rows)
    guard !problem.classifiersTargetLogits.isEmpty else {
      return histograms(of: problem.targetProbabilities, rows: rows, classCount: k)
    }
    var mean = [Double](repeating: 0, count: k * bins)
    let share = 1 / Double(problem.classifiersTargetLogits.count)
    for logits in problem.classifiersTargetLogits {
      var probabilities = logits
      softmaxRows(&probabilities)
      for (index, value) in histograms(of: probabilities, rows: rows, classCount: k).enumerated() {
        mean[index] += value * share
      }
    }
    return mean
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
