/// Why a label-free performance estimate could not be computed.
public enum PerformanceEstimationError: Error, Equatable, CustomStringConvertible {
  /// The inputs do not fit together (a usage error).
  case invalidInput(String)

  /// What does not fit.
  public var description: String {
    switch self {
    case .invalidInput(let message): message
    }
  }
}
