/// Errors combining or reading summaries.
public enum SummaryError: Error, Equatable, CustomStringConvertible {
  /// Two summaries of different shapes (capacities, widths, classes, columns) were merged.
  case mismatch(String)
  /// A summary's contents contradict each other.
  case invalid(String)

  /// The error in words.
  public var description: String {
    switch self {
    case .mismatch(let what): "summaries that cannot be merged: \(what)"
    case .invalid(let what): "an invalid summary: \(what)"
    }
  }
}

/// `a + b` for counts read from files: an error, not a trap, when a merge of crafted profiles
/// would overflow.
func addingCounts(_ a: Int, _ b: Int) throws -> Int {
  let (sum, overflow) = a.addingReportingOverflow(b)
  guard !overflow else { throw SummaryError.invalid("counts too large to add (\(a) + \(b))") }
  return sum
}
