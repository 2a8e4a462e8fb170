/// Why a notebook could not be read, run or checked. Each names the notebook file, and the line
/// where one is known.
public enum NotebookError: Error, CustomStringConvertible, Equatable {
  /// The Markdown is not a valid notebook.
  case syntax(file: String, line: Int, String)
  /// The build the cells run against is missing something.
  case missingBuild(String)
  /// The notebook's Swift cells did not compile; the compiler's diagnostics name notebook lines.
  case compilation(file: String, diagnostics: String)
  /// A cell exited with a failure (or, for `expect-failure`, succeeded); its output so far.
  case cellFailed(file: String, line: Int, reason: String, output: String)
  /// The prose shows a value that no cell recorded.
  case unknownValue(file: String, name: String)
  /// A file could not be read or written.
  case io(String)

  /// The message for the user, naming the notebook and line where there is one.
  public var description: String {
    switch self {
    case .syntax(let file, let line, let message):
      "\(file):\(line): \(message)"
    case .missingBuild(let message):
      message
    case .compilation(let file, let diagnostics):
      "\(file): the Swift cells do not compile:\n\(diagnostics)"
    case .cellFailed(let file, let line, let reason, let output):
      "\(file):\(line): the cell starting here \(reason)" + (output.isEmpty ? "" : "; its output:\n\(output)")
    case .unknownValue(let file, let name):
      "\(file): the prose shows <!--value \(name)--> but no cell recorded a value named \"\(name)\""
    case .io(let message):
      message
    }
  }
}
