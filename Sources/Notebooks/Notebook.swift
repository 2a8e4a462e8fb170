import Foundation

/// A Markdown notebook: prose, runnable fenced code blocks (cells), and each cell's captured output.
///
/// The format is plain Markdown that renders as-is on any viewer:
///
/// - A fenced block whose info string starts with `swift` or `sh` is a cell and runs, unless its
///   info string also says `no-run`. `sh expect-failure` is a shell cell that must exit non-zero
///   (to show an error message); its output ends with the exit status.
/// - A fenced block with info string `output` right after a cell (only blank lines between) is that
///   cell's captured output; the runner rewrites it. A cell that prints nothing has none.
/// - In prose, `<!--value NAME-->TEXT<!--end-->` shows a value the cells recorded under `NAME`, so
///   numbers in the text come from the run (`TEXT` is rewritten, and checked, like an output).
///
/// Parsing and ``render(outputs:values:)`` round-trip: a notebook rendered with its own outputs
/// and values is the text it was parsed from.
public struct Notebook: Sendable, Equatable {
  /// A piece of the document, in order.
  public enum Segment: Sendable, Equatable {
    /// Markdown copied verbatim (including fenced blocks that do not run).
    case prose(String)
    /// A runnable cell.
    case cell(Cell)
  }

  /// The pieces of the document, in order.
  public var segments: [Segment]

  /// The cells, in order.
  public var cells: [Cell] {
    segments.compactMap { if case .cell(let cell) = $0 { cell } else { nil } }
  }

  /// The names of the values the prose shows, with the text it shows now, in order of appearance.
  public var values: [(name: String, text: String)] {
    segments.flatMap { segment -> [(name: String, text: String)] in
      guard case .prose(let text) = segment else { return [] }
      return ValueMarker.occurrences(in: text).map { ($0.name, $0.text) }
    }
  }

  /// Parses `text`; `file` names it in errors.
  public init(parsing text: String, file: String) throws {
    segments = try NotebookParser(text: text, file: file).parse()
  }

  /// The document with each cell's output replaced by `outputs[i]` (nil or empty: no output block)
  /// and each value marker's text by `values[name]` (markers without a value keep their text).
  public func render(outputs: [String?], values: [String: String]) -> String {
    precondition(outputs.count == cells.count, "one output per cell")
    var result = ""
    var index = 0
    for segment in segments {
      switch segment {
      case .prose(let text):
        result += ValueMarker.substituting(values, in: text)
      case .cell(let cell):
        result += cell.fencedSource
        if let output = outputs[index], !output.isEmpty {
          result += "\n" + Self.fenced(output, info: "output")
        }
        index += 1
      }
    }
    return result
  }

  /// The notebook as it stands: its own outputs and value texts.
  public func render() -> String {
    render(
      outputs: cells.map(\.output),
      values: Dictionary(values.map { ($0.name, $0.text) }, uniquingKeysWith: { a, _ in a }))
  }

  /// `content` in a backtick fence longer than any backtick run that starts one of its lines, so
  /// an output that itself contains Markdown fences stays inside its block.
  static func fenced(_ content: String, info: String) -> String {
    let lines = content.split(separator: "\n" as Character, omittingEmptySubsequences: false)
    let longestRun = lines.map { line in line.prefix(while: { $0 == "`" }).count }.max() ?? 0
    let fence = String(repeating: "`", count: max(3, longestRun + 1))
    let body = content.hasSuffix("\n") ? content : content + "\n"
    return fence + info + "\n" + body + fence + "\n"
  }
}

/// A runnable fenced block.
public struct Cell: Sendable, Equatable {
  /// What runs the cell.
  public enum Language: String, Sendable {
    /// Swift, compiled with the other Swift cells of the notebook into one program against ShiftKit.
    case swift
    /// A Bash script (`set -eo pipefail`) with `shiftcli` on the `PATH`.
    case shell = "sh"
  }

  /// What runs the cell.
  public var language: Language
  /// The fence's info string as written (e.g. `sh expect-failure`).
  public var info: String
  /// The code, without fences, ending in a newline.
  public var source: String
  /// The 1-based line of the notebook on which `source` starts.
  public var line: Int
  /// The captured output currently in the document, without fences.
  public var output: String?
  /// The opening fence (backticks or tildes) as written.
  var fence: String

  /// A shell cell that must fail (exit non-zero).
  public var expectsFailure: Bool { info.split(separator: " ").contains("expect-failure") }

  /// The cell as it appears in the document.
  var fencedSource: String { fence + info + "\n" + source + fence + "\n" }
}

/// Value markers in prose: `<!--value NAME-->TEXT<!--end-->`, on one line (so that substituting a
/// value can never move a line break or a code fence).
enum ValueMarker {
  struct Occurrence {
    var name: String
    var text: String
    /// The range of `TEXT`.
    var range: Range<String.Index>
  }

  static let opening = "<!--value "
  static let closing = "<!--end-->"

  static func occurrences(in text: String) -> [Occurrence] {
    var result: [Occurrence] = []
    var searchStart = text.startIndex
    while let open = text.range(of: opening, range: searchStart..<text.endIndex),
      let nameEnd = text.range(of: "-->", range: open.upperBound..<text.endIndex),
      let close = text.range(of: closing, range: nameEnd.upperBound..<text.endIndex)
    {
      let range = nameEnd.upperBound..<close.lowerBound
      guard !text[open.upperBound..<close.lowerBound].contains("\n") else {
        searchStart = open.upperBound
        continue
      }
      let name = text[open.upperBound..<nameEnd.lowerBound].trimmingCharacters(in: .whitespaces)
      result.append(Occurrence(name: name, text: String(text[range]), range: range))
      searchStart = close.upperBound
    }
    return result
  }

  static func substituting(_ values: [String: String], in text: String) -> String {
    var result = ""
    var copied = text.startIndex
    for occurrence in occurrences(in: text) {
      guard let value = values[occurrence.name] else { continue }
      result += text[copied..<occurrence.range.lowerBound] + value
      copied = occurrence.range.upperBound
    }
    return result + text[copied...]
  }
}
