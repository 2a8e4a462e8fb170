/// Why a workflow could not run on its inputs.
public enum WorkflowError: Error, Equatable, CustomStringConvertible {
  /// The inputs do not fit the workflow (a usage error).
  case invalidInput(String)

  /// The message for the user, naming the file, line and column or the argument where there is one.
  public var description: String {
    switch self {
    case .invalidInput(let message): message
    }
  }
}
