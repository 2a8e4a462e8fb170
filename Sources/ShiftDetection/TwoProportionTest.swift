import Foundation
import LinearAlgebra

/// Do two samples share one rate (e.g. a feature's missing rate in the source and the target)?
/// The two-sided two-proportion z-test with the pooled rate when every expected cell of the 2 × 2
/// table is at least 5 (where the normal approximation holds), else Fisher's exact test (the sum
/// of the hypergeometric probabilities no larger than the observed table's).
public struct TwoProportionTest: Sendable, Equatable, Codable {
  /// Which test gave the p-value.
  public enum Method: String, Sendable, Codable {
    /// The pooled two-proportion z-test.
    case z = "two-proportion z"
    /// Fisher's exact test (small expected counts).
    case fisherExact = "Fisher exact"
  }

  /// The first sample's rate.
  public var firstRate: Double
  /// The second sample's rate.
  public var secondRate: Double
  /// |z| for the z-test, the observed count for Fisher's test.
  public var statistic: Double
  /// The two-sided p-value.
  public var pValue: Double
  /// The test used.
  public var method: Method

  /// Tests `firstCount` of `firstTotal` against `secondCount` of `secondTotal` (totals > 0).
  public init(_ firstCount: Int, of firstTotal: Int, _ secondCount: Int, of secondTotal: Int) {
    precondition(firstTotal > 0 && secondTotal > 0, "two non-empty samples")
    precondition((0...firstTotal).contains(firstCount) && (0...secondTotal).contains(secondCount), "counts")
    let n1 = Double(firstTotal)
    let n2 = Double(secondTotal)
    firstRate = Double(firstCount) / n1
    secondRate = Double(secondCount) / n2
    let total = n1 + n2
    let successes = firstCount + secondCount
    let pooled = Double(successes) / total
    let smallestExpected = min(n1, n2) * min(pooled, 1 - pooled)
    if smallestExpected >= 5 {
      method = .z
      let z = abs(firstRate - secondRate) / (pooled * (1 - pooled) * (1 / n1 + 1 / n2)).squareRoot()
      statistic = z
      pValue = min(1, 2 * Distribution.standardNormalUpperTail(z))
    } else {
      method = .fisherExact
      statistic = Double(firstCount)
      let failures = firstTotal + secondTotal - successes
      func probability(_ k: Int) -> Double {
        Distribution.hypergeometricProbability(k, successes: successes, failures: failures, draws: firstTotal)
      }
      let observed = probability(firstCount)
      var sum = 0.0
      for k in max(0, firstTotal - failures)...min(successes, firstTotal) {
        let p = probability(k)
        if p <= observed * (1 + 1e-7) { sum += p }
      }
      pValue = min(1, sum)
    }
  }
}
