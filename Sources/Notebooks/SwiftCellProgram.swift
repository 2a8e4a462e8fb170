/// The one program a notebook's Swift cells compile into, so that later cells see earlier cells'
/// declarations (as in a Jupyter kernel).
///
/// After each cell the program flushes its output, prints ``cellEndMarker`` and waits for a line
/// on standard input: the runner collects the cell's output, runs any shell cells that come next
/// in the notebook, then lets the program go on. `#sourceLocation` directives make compiler
/// errors and runtime traps name the notebook's own lines.
struct SwiftCellProgram {
  /// Printed on a line of its own after each cell.
  static let cellEndMarker = "\u{1E}notebook-cell-end\u{1E}\n"

  /// The helpers every notebook can call (compiled as a second file beside `main.swift`).
  static let prelude = """
    import Foundation

    /// Records `value` under `name`, for the notebook's prose to show (`<!--value name-->…<!--end-->`).
    func notebookValue(_ name: String, _ value: Any) {
      guard let path = ProcessInfo.processInfo.environment["NOTEBOOK_VALUES"], let file = fopen(path, "a") else { return }
      let text = "\\(value)".replacingOccurrences(of: "\\n", with: " ")
      fputs("\\(name)=\\(text)\\n", file)
      fclose(file)
    }

    /// Line-buffered output, so that standard output and standard error interleave as written.
    func _notebookBegin() {
      setvbuf(stdout, nil, _IOLBF, 0)
    }

    /// Ends a cell: flushes, marks the end, and waits for the runner.
    func _notebookEndCell() {
      fflush(stdout)
      fputs("\\u{1E}notebook-cell-end\\u{1E}\\n", stdout)  // SwiftCellProgram.cellEndMarker
      fflush(stdout)
      _ = readLine()
    }

    """

  /// `main.swift`: the cells in order, each mapped back to `file`'s lines.
  static func main(cells: [Cell], file: String) -> String {
    var text = "_notebookBegin()\n"
    let quotedFile = file.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    for cell in cells where cell.language == .swift {
      text += "#sourceLocation(file: \"\(quotedFile)\", line: \(cell.line))\n"
      text += cell.source
      text += "#sourceLocation()\n_notebookEndCell()\n"
    }
    return text
  }
}
