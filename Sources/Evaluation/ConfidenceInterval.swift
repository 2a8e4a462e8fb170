/// An interval `[lower, upper]` for an estimated quantity (its coverage level is the caller's).
public struct ConfidenceInterval: Sendable, Equatable, Codable {
  /// The lower end.
  public var lower: Double
  /// The upper end.
  public var upper: Double

  /// The interval `[lower, upper]`.
  public init(lower: Double, upper: Double) {
    self.lower = lower
    self.upper = upper
  }

  /// The central percentile interval of bootstrap replicates `values` at `level` (e.g. 0.95: the
  /// 2.5 % and 97.5 % quantiles, interpolated as ``interpolatedQuantile(_:_:)``); `values` must
  /// not be empty.
  public init(percentileOf values: [Double], level: Double) {
    let sorted = values.sorted()
    let tail = (1 - level) / 2
    self.init(lower: interpolatedQuantile(sorted, tail), upper: interpolatedQuantile(sorted, 1 - tail))
  }

  /// Whether `value` lies in the interval (ends included).
  public func contains(_ value: Double) -> Bool { lower <= value && value <= upper }
}
