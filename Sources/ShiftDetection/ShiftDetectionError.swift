/// Why a shift test could not be run.
public enum ShiftDetectionError: Error, Equatable, CustomStringConvertible {
  /// The inputs do not fit together or are out of range (a usage error).
  case invalidInput(String)
  /// A saved source reference cannot be used.
  case invalidReference(file: String, reason: String)

  /// What does not fit.
  public var description: String {
    switch self {
    case .invalidInput(let message): message
    case .invalidReference(let file, let reason): "\(file): \(reason)"
    }
  }
}
