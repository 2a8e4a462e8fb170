/// Why a shift estimate could not be computed.
public enum ShiftEstimationError: Error, Equatable, CustomStringConvertible {
  /// The inputs do not fit together or are out of range (a usage error).
  case invalidInput(String)
  /// A numerical routine failed (a non-finite result).
  case numericalFailure(String)

  /// What does not fit, or which computation failed.
  public var description: String {
    switch self {
    case .invalidInput(let message): message
    case .numericalFailure(let message): message
    }
  }
}
