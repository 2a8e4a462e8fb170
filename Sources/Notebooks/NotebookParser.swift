import Foundation

/// Splits a notebook's Markdown into prose and cells (see ``Notebook`` for the format).
struct NotebookParser {
  let lines: [Substring]
  let file: String

  init(text: String, file: String) {
    // Each line keeps its "\n", so joining lines gives back the text exactly.
    var lines: [Substring] = []
    var start = text.startIndex
    while start < text.endIndex {
      let end = text[start...].firstIndex(of: "\n").map { text.index(after: $0) } ?? text.endIndex
      lines.append(text[start..<end])
      start = end
    }
    self.lines = lines
    self.file = file
  }

  /// A fence line: up to three spaces, then three or more backticks or tildes, then the info string.
  struct Fence {
    var marker: String
    var info: String
    var indented: Bool
  }

  static func fence(_ line: Substring) -> Fence? {
    let indent = line.prefix(while: { $0 == " " }).count
    guard indent <= 3 else { return nil }
    let rest = line.dropFirst(indent)
    guard let character = rest.first, character == "`" || character == "~" else { return nil }
    let marker = rest.prefix(while: { $0 == character })
    guard marker.count >= 3 else { return nil }
    let info = rest.dropFirst(marker.count).trimmingCharacters(in: .whitespacesAndNewlines)
    if character == "`" && info.contains("`") { return nil }  // inline code, not a fence
    return Fence(marker: String(marker), info: info, indented: indent > 0)
  }

  /// Whether `line` closes a block opened by `fence`.
  static func closes(_ line: Substring, _ fence: Fence) -> Bool {
    guard let candidate = Self.fence(line) else { return false }
    return candidate.info.isEmpty && candidate.marker.first == fence.marker.first
      && candidate.marker.count >= fence.marker.count
  }

  static func language(ofCell fence: Fence) -> Cell.Language? {
    guard !fence.indented else { return nil }
    let words = fence.info.split(separator: " ")
    guard let first = words.first, !words.contains("no-run") else { return nil }
    return Cell.Language(rawValue: String(first))
  }

  /// The index of the line closing the block opened at `index`.
  func closingLine(of fence: Fence, openedAt index: Int) throws -> Int {
    var j = index + 1
    while j < lines.count && !Self.closes(lines[j], fence) { j += 1 }
    guard j < lines.count else {
      throw NotebookError.syntax(file: file, line: index + 1, "the code block opened here is never closed")
    }
    return j
  }

  func parse() throws -> [Notebook.Segment] {
    var segments: [Notebook.Segment] = []
    var prose = ""
    var i = 0
    while i < lines.count {
      guard let fence = Self.fence(lines[i]) else {
        prose += lines[i]
        i += 1
        continue
      }
      let close = try closingLine(of: fence, openedAt: i)
      guard let language = Self.language(ofCell: fence) else {
        if fence.info == "output" {
          throw NotebookError.syntax(file: file, line: i + 1, "an output block must follow a swift or sh block")
        }
        prose += lines[i...close].joined()
        i = close + 1
        continue
      }
      if !prose.isEmpty { segments.append(.prose(prose)) }
      prose = ""
      var cell = Cell(
        language: language, info: fence.info, source: lines[(i + 1)..<close].joined(), line: i + 2, output: nil,
        fence: fence.marker)
      i = close + 1
      // Its output block, if any: the next non-blank line opens a block with info "output".
      var next = i
      while next < lines.count && lines[next].allSatisfy(\.isWhitespace) { next += 1 }
      if next < lines.count, let outputFence = Self.fence(lines[next]), outputFence.info == "output" {
        let outputClose = try closingLine(of: outputFence, openedAt: next)
        cell.output = lines[(next + 1)..<outputClose].joined()
        i = outputClose + 1
      }
      segments.append(.cell(cell))
    }
    if !prose.isEmpty { segments.append(.prose(prose)) }
    return segments
  }
}
