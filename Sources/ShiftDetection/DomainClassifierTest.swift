import Evaluation
import Foundation
import LinearAlgebra

/// A test of "no covariate shift" from a domain classifier's held-out scores: under the null,
/// source and target scores are exchangeable, so the AUC is a Mann–Whitney statistic with mean
/// ½ and variance `(n₁+n₂+1)/(12·n₁·n₂)` (less a tie correction). The one-sided p-value
/// (AUC larger than chance) comes from the normal approximation (GSL's `gsl_cdf_ugaussian_Q`).
///
/// Cross-fitted scores come from K slightly different models; the normal approximation treats
/// them as one score, which the no-shift benchmark checks empirically.
public struct DomainClassifierTest: Sendable, Equatable, Codable {
  /// The held-out AUC of telling target (positive) from source rows.
  public var auc: Double
  /// (AUC − ½)/SE under the null.
  public var z: Double
  /// P(AUC ≥ observed | no shift), one-sided.
  public var pValue: Double

  /// Tests `scores` (higher: more target-like) with `isTarget` marking the target rows.
  public init(scores: [Double], isTarget: [Bool]) {
    precondition(scores.count == isTarget.count, "one label per score")
    let n1 = Double(isTarget.filter { $0 }.count)
    let n2 = Double(isTarget.count) - n1
    guard n1 > 0, n2 > 0, let auc = areaUnderROCCurve(scores: scores, positives: isTarget) else {
      self.auc = 0.5
      z = 0
      pValue = 1
      return
    }
    // Tie correction: Σ(t³ − t) over groups of equal scores.
    let sorted = scores.sorted()
    var tieTerm = 0.0
    var start = 0
    while start < sorted.count {
      var end = start
      while end + 1 < sorted.count, sorted[end + 1] == sorted[start] { end += 1 }
      let t = Double(end - start + 1)
      tieTerm += t * t * t - t
      start = end + 1
    }
    let n = n1 + n2
    let variance = (n + 1 - tieTerm / (n * (n - 1))) / (12 * n1 * n2)
    self.auc = auc
    z = variance > 0 ? (auc - 0.5) / variance.squareRoot() : 0
    pValue = variance > 0 ? Distribution.standardNormalUpperTail(z) : 1
  }
}
