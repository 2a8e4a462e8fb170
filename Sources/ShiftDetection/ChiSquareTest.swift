import Foundation
import LinearAlgebra

/// Pearson's χ² test of homogeneity: are two samples' category counts drawn from the same
/// distribution (e.g. the source's and the target's predicted-class histograms)?
public struct ChiSquareTest: Sendable, Equatable, Codable {
  /// Σ (observed − expected)²/expected over the 2 × k table.
  public var statistic: Double
  /// Categories with a non-zero total minus one.
  public var degreesOfFreedom: Int
  /// The upper tail of the χ² distribution (GSL's `gsl_cdf_chisq_Q`).
  public var pValue: Double
  /// Cramér's V, `√(χ²/(N·(min(2, k) − 1)))` for the 2 × k table of N counts: 0 when the two
  /// histograms are proportional, 1 when no category occurs in both.
  public var cramersV: Double

  /// Tests two count vectors over the same categories; categories empty in both are dropped.
  /// No continuity correction (as scipy's `chi2_contingency(correction=False)`).
  public init(_ first: [Double], _ second: [Double]) {
    precondition(first.count == second.count, "the two histograms need the same categories")
    let totalFirst = first.reduce(0, +)
    let totalSecond = second.reduce(0, +)
    let total = totalFirst + totalSecond
    var statistic = 0.0
    var categories = 0
    for (a, b) in zip(first, second) where a + b > 0 {
      categories += 1
      let expectedFirst = (a + b) * totalFirst / total
      let expectedSecond = (a + b) * totalSecond / total
      if expectedFirst > 0 { statistic += (a - expectedFirst) * (a - expectedFirst) / expectedFirst }
      if expectedSecond > 0 { statistic += (b - expectedSecond) * (b - expectedSecond) / expectedSecond }
    }
    self.statistic = statistic
    cramersV = categories >= 2 && total > 0 ? min(1, (statistic / total).squareRoot()) : 0
    degreesOfFreedom = max(categories - 1, 0)
    pValue =
      degreesOfFreedom > 0 && totalFirst > 0 && totalSecond > 0
      ? Distribution.chiSquaredUpperTail(statistic, degreesOfFreedom: Double(degreesOfFreedom)) : 1
  }
}
