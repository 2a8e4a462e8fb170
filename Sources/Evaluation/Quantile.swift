/// The `p`-quantile of ascending `sorted` values, interpolating linearly between order
/// statistics (Hyndman–Fan type 7, the default of R and NumPy).
public func interpolatedQuantile(_ sorted: [Double], _ p: Double) -> Double {
  precondition(!sorted.isEmpty, "quantile of nothing")
  precondition(p >= 0 && p <= 1, "a quantile's level is in [0, 1]")
  let position = p * Double(sorted.count - 1)
  let lower = Int(position.rounded(.down))
  let upper = min(lower + 1, sorted.count - 1)
  let fraction = position - Double(lower)
  return sorted[lower] + fraction * (sorted[upper] - sorted[lower])
}
