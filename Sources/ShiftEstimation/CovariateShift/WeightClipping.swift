import Evaluation
import Foundation

/// How extreme importance weights are capped before use. Weights are always rescaled so that
/// they average 1; clipping at `c` then means: find the scale `s` with `mean(min(s·βᵢ, c)) = 1`,
/// so the result has mean 1 and maximum `c` exactly.
public enum WeightClipping: Sendable, Equatable, CustomStringConvertible {
  /// Keep the weights as estimated (only normalised to mean 1).
  case none
  /// Cap at the given quantile (e.g. 0.99) of the mean-1 weights.
  case quantile(Double)
  /// Cap at a fixed multiple of the mean weight (must exceed 1).
  case value(Double)

  /// Parses `none`, `qNN` (a percentile such as `q99` or `q99.5`) or a number greater than 1.
  public init?(parsing text: String) {
    let lowered = text.lowercased()
    if lowered == "none" {
      self = .none
    } else if lowered.hasPrefix("q"), let percent = Double(lowered.dropFirst()), percent > 0, percent < 100 {
      self = .quantile(percent / 100)
    } else if let value = Double(lowered), value > 1, value.isFinite {
      self = .value(value)
    } else {
      return nil
    }
  }

  /// The name `init(parsing:)` reads back: `none`, `q99` or the cap, e.g. `5`.
  public var description: String {
    switch self {
    case .none: "none"
    case .quantile(let q): "q" + formatPercent(q * 100)
    case .value(let c): formatPercent(c)
    }
  }

  /// Normalises `weights` to mean 1 and applies the cap. Returns the weights, the cap used (nil
  /// without clipping) and the share of weights that were capped.
  public func apply(to weights: [Double]) -> (weights: [Double], threshold: Double?, clippedShare: Double) {
    let normalized = normalizedToMeanOne(weights)
    let threshold: Double
    switch self {
    case .none: return (normalized, nil, 0)
    case .quantile(let q): threshold = interpolatedQuantile(normalized.sorted(), q)
    case .value(let c): threshold = c
    }
    guard let maximum = normalized.max(), maximum > threshold else { return (normalized, threshold, 0) }
    guard threshold > 1 else {
      return ([Double](repeating: 1, count: normalized.count), 1, 1)
    }
    // mean(min(s·β, c)) grows with s from ≤ 1 towards c > 1: bisect for the root.
    func meanClipped(_ scale: Double) -> Double {
      normalized.reduce(0) { $0 + min($1 * scale, threshold) } / Double(normalized.count)
    }
    var low = 1.0
    var high = 2.0
    while meanClipped(high) < 1, high < 1e12 { high *= 2 }
    for _ in 0..<100 {
      let middle = (low + high) / 2
      if meanClipped(middle) < 1 { low = middle } else { high = middle }
    }
    let clipped = normalized.map { min($0 * high, threshold) }
    let share = Double(normalized.filter { $0 * high >= threshold }.count) / Double(normalized.count)
    return (normalizedToMeanOne(clipped), threshold, share)
  }
}

/// `weights` divided by their mean.
public func normalizedToMeanOne(_ weights: [Double]) -> [Double] {
  let mean = weights.reduce(0, +) / Double(max(weights.count, 1))
  return mean > 0 ? weights.map { $0 / mean } : weights
}

private func formatPercent(_ value: Double) -> String {
  // Whole numbers print without ".0"; past 2⁵³ a Double is not a meaningful integer anyway.
  value == value.rounded() && abs(value) < 0x1p53 ? String(Int(value)) : String(value)
}
