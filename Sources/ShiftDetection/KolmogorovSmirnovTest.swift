import Foundation
import Summaries

/// The two-sample Kolmogorov–Smirnov test: is a numeric feature distributed alike in two samples?
public struct KolmogorovSmirnovTest: Sendable, Equatable, Codable {
  /// The largest distance between the two empirical distribution functions.
  public var statistic: Double
  /// The asymptotic p-value (see ``init(_:_:)``).
  public var pValue: Double

  /// Tests `a` against `b` (both non-empty).
  ///
  /// The p-value is the limiting Kolmogorov distribution `Q(λ) = 2 Σₖ (−1)^(k−1) e^(−2k²λ²)` at
  /// `λ = (√nₑ + 0.12 + 0.11/√nₑ)·D` with `nₑ = n₁n₂/(n₁+n₂)` (Stephens' small-sample
  /// correction, as in Numerical Recipes and scipy's `ks_2samp(method="asymp")`). With ties
  /// (integer-valued features) the test is conservative: its true level is below the nominal one.
  public init(_ a: [Double], _ b: [Double]) {
    precondition(!a.isEmpty && !b.isEmpty, "the KS test needs two non-empty samples")
    self.init(sorted: a.sorted().map { ($0, 1) }, count: a.count, sorted: b.sorted().map { ($0, 1) }, count: b.count)
  }

  /// Tests `a` against the values summarised by `b`. While the sketch is exact this is the test
  /// of its values; otherwise the statistic is within ``QuantileSketch/rankErrorBound`` of the
  /// one on the whole stream (its CDF is, everywhere), and the p-value uses the stream's count.
  public init(_ a: [Double], _ b: QuantileSketch) {
    precondition(!a.isEmpty && b.count > 0, "the KS test needs two non-empty samples")
    self.init(
      sorted: a.sorted().map { ($0, 1) }, count: a.count,
      sorted: b.weightedValues().map { (Double($0.value), $0.weight) },
      count: b.count)
  }

  /// The test of two ascending lists of weighted values whose weights add up to the counts.
  private init(sorted x: [(Double, Int)], count n: Int, sorted y: [(Double, Int)], count m: Int) {
    var i = 0
    var j = 0
    var below = (0, 0)
    var distance = 0.0
    while i < x.count && j < y.count {
      let value = min(x[i].0, y[j].0)
      while i < x.count && x[i].0 == value {
        below.0 += x[i].1
        i += 1
      }
      while j < y.count && y[j].0 == value {
        below.1 += y[j].1
        j += 1
      }
      distance = max(distance, abs(Double(below.0) / Double(n) - Double(below.1) / Double(m)))
    }
    statistic = distance
    let effective = Double(n) * Double(m) / Double(n + m)
    let root = effective.squareRoot()
    pValue = KolmogorovSmirnovTest.kolmogorovSurvival((root + 0.12 + 0.11 / root) * distance)
  }

  /// `Q(λ) = P(K > λ)` for the Kolmogorov distribution, by its alternating series.
  public static func kolmogorovSurvival(_ lambda: Double) -> Double {
    guard lambda > 0.2 else { return 1 }  // the series converges slowly there; Q > 0.9999999
    var sum = 0.0
    var sign = 1.0
    for k in 1...100 {
      let term = exp(-2 * Double(k * k) * lambda * lambda)
      sum += sign * term
      if term < 1e-16 * sum { break }
      sign = -sign
    }
    return min(max(2 * sum, 0), 1)
  }
}
