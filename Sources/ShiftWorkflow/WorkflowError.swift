/// Why a workflow could not run on its inputs.
public enum WorkflowError: Error, Equatable, CustomStringConvertible {
  /// The inputs do not fit the workflow (a usage error).
  case invalidInput(String)

  /// What does not fit the workflow.
  public var description: String {
    switch self {
    case .invalidInput(let message): message
    }
  }
}
