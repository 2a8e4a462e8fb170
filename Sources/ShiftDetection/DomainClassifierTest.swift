import DomainClassifier
import Evaluation
import Foundation
import LinearAlgebra

/// A test of "no covariate shift" from a cross-fitted domain classifier's held-out scores.
///
/// Within one fold the held-out rows were scored by one model that saw none of them, so under
/// no shift their source and target scores are exchangeable: the fold's Mann–Whitney statistic
/// `Uₖ` has mean `n₁ₖn₂ₖ/2` and variance `n₁ₖn₂ₖ/12 · (nₖ + 1 − Σ(t³ − t)/(nₖ(nₖ − 1)))`
/// (ties corrected). The folds' statistics are summed (a stratified Wilcoxon test, as van
/// Elteren's), which also removes any fold-to-fold offset of the scores.
///
/// The folds are not independent, though: fold j's model was trained on fold k's rows, and
/// fold k's on fold j's. Under no shift a regularised linear domain classifier's weights are
/// close to the training folds' difference of target and source means, so `Uⱼ ∝ dⱼ·Σₖ≠ⱼ dₖ`
/// with `dₖ` fold k's mean difference, and every product `dⱼ·dₖ` appears twice in `Σ Uⱼ`: the
/// sum's null variance is twice the folds' own, for any number of folds. Ignoring it (as an
/// early version did) rejected 6–7 % of exact no-shift splits of letter and Fashion-MNIST at a
/// nominal 1.67 %. The test uses `z = Σ(Uₖ − n₁ₖn₂ₖ/2)/√(2·Σ Var Uₖ)` and the one-sided
/// normal tail (GSL's `gsl_cdf_ugaussian_Q`); `shift-estimation-benchmark detection-null`
/// checks that its no-shift p-values are uniform on letter, Fashion-MNIST, penguins and a
/// simulated mixed table.
public struct DomainClassifierTest: Sendable, Equatable, Codable {
  /// The held-out AUC of telling target (positive) from source rows, over all folds.
  public var auc: Double
  /// The standardised stratified statistic (cross-fitting's variance factor included).
  public var z: Double
  /// P(statistic ≥ observed | no shift), one-sided.
  public var pValue: Double

  /// Tests `scores` (higher: more target-like) with `isTarget` marking the target rows and
  /// `strata` the fold that scored each row (empty: one stratum, one model's held-out scores,
  /// tested without the cross-fitting factor).
  public init(scores: [Double], isTarget: [Bool], strata: [Int] = []) {
    precondition(scores.count == isTarget.count, "one label per score")
    precondition(strata.isEmpty || strata.count == scores.count, "one stratum per score")
    auc = areaUnderROCCurve(scores: scores, positives: isTarget) ?? 0.5
    var members = [Int: [Int]]()
    for row in scores.indices { members[strata.isEmpty ? 0 : strata[row], default: []].append(row) }
    var excess = 0.0
    var variance = 0.0
    // In stratum order: a dictionary's own order varies from process to process, and so
    // would the sums' last bits.
    for stratum in members.keys.sorted() {
      let rows = members[stratum, default: []]
      let part = Self.mannWhitney(rows.map { scores[$0] }, rows.map { isTarget[$0] })
      excess += part.excess
      variance += part.variance
    }
    // Cross-fitted folds share training rows, which couples their statistics (see the notes).
    if members.count > 1 { variance *= Self.crossFittingVarianceFactor }
    z = variance > 0 ? excess / variance.squareRoot() : 0
    pValue = variance > 0 ? Distribution.standardNormalUpperTail(z) : 1
  }

  /// How much cross-fitting widens the summed statistic's null variance beyond the folds' own
  /// (see the type's notes).
  public static let crossFittingVarianceFactor = 2.0

  /// A test of a fitted domain classifier's scores, stratified by the folds that scored them.
  public init(_ fit: DomainClassifierFit) {
    self.init(
      scores: fit.sourceLogDensityRatio + fit.targetLogDensityRatio,
      isTarget: [Bool](repeating: false, count: fit.sourceLogDensityRatio.count)
        + [Bool](repeating: true, count: fit.targetLogDensityRatio.count),
      strata: fit.heldOutFolds)
  }

  /// `U − n₁n₂/2` (U: the target rows' rank sum less its minimum) and its null variance.
  private static func mannWhitney(_ scores: [Double], _ isTarget: [Bool]) -> (excess: Double, variance: Double) {
    let order = scores.indices.sorted { scores[$0] < scores[$1] }
    let n1 = Double(isTarget.filter { $0 }.count)
    let n = Double(scores.count)
    let n2 = n - n1
    guard n1 > 0, n2 > 0 else { return (0, 0) }
    var rankSum = 0.0
    var tieTerm = 0.0
    var start = 0
    while start < order.count {
      var end = start
      while end + 1 < order.count, scores[order[end + 1]] == scores[order[start]] { end += 1 }
      let midrank = Double(start + end) / 2 + 1
      for position in start...end where isTarget[order[position]] { rankSum += midrank }
      let t = Double(end - start + 1)
      tieTerm += t * t * t - t
      start = end + 1
    }
    let u = rankSum - n1 * (n1 + 1) / 2
    return (u - n1 * n2 / 2, n1 * n2 / 12 * (n + 1 - tieTerm / (n * (n - 1))))
  }
}
