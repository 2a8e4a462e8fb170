import Foundation

/// A notebook on disk with its figures directory (`figures/<name>/` beside it, mirroring what the
/// cells wrote under `figures/` in their work directory), compared with or updated from a run.
public struct NotebookFile: Sendable {
  /// The Markdown file.
  public var url: URL
  /// Its text as read.
  public var text: String
  /// Its parsed form.
  public var notebook: Notebook

  /// Reads and parses the notebook at `url`.
  public init(url: URL) throws {
    self.url = url
    guard let data = FileManager.default.contents(atPath: url.path) else {
      throw NotebookError.io("cannot read \(url.relativePath)")
    }
    text = String(decoding: data, as: UTF8.self)
    notebook = try Notebook(parsing: text, file: url.relativePath)
  }

  /// `figures/<notebook name without .md>/` beside the notebook.
  public var figuresDirectory: URL {
    url.deletingLastPathComponent().appendingPathComponent("figures")
      .appendingPathComponent(url.deletingPathExtension().lastPathComponent)
  }

  /// The notebook as `run` renders it.
  public func rendered(by run: NotebookRun) -> String {
    notebook.render(outputs: run.outputs, values: run.values)
  }

  /// What differs between the committed notebook (and figures) and `run`, timings aside: a
  /// unified diff of the Markdown and one line per stale, missing or extra figure. Empty when the
  /// notebook is up to date.
  public func staleness(against run: NotebookRun) throws -> [String] {
    var problems: [String] = []
    let committed = Timings.masked(text)
    let current = Timings.masked(rendered(by: run))
    if committed != current {
      problems.append(
        try unifiedDiff(
          from: committed, to: current, labels: (url.relativePath + " (committed)", url.relativePath + " (this run)")))
    }
    let stored = try NotebookRunner.readFigures(in: figuresDirectory)
    for (path, data) in run.figures.sorted(by: { $0.key < $1.key }) {
      let shown = figuresDirectory.appendingPathComponent(path).relativePath
      if stored[path] == nil {
        problems.append("\(shown): the run wrote it, but it is not committed")
      } else if stored[path] != data {
        problems.append("\(shown): differs from what the run wrote")
      }
    }
    for path in stored.keys.sorted() where run.figures[path] == nil {
      problems.append(
        "\(figuresDirectory.appendingPathComponent(path).relativePath): committed, but the run no longer writes it")
    }
    return problems
  }

  /// Writes `run`'s outputs, values and figures; leaves the Markdown alone when only timings
  /// changed. Returns whether anything was written.
  @discardableResult
  public func update(from run: NotebookRun) throws -> Bool {
    var changed = false
    let current = rendered(by: run)
    if Timings.masked(current) != Timings.masked(text) {
      try write(Data(current.utf8), to: url)
      changed = true
    }
    let stored = try NotebookRunner.readFigures(in: figuresDirectory)
    for (path, data) in run.figures where stored[path] != data {
      try write(data, to: figuresDirectory.appendingPathComponent(path))
      changed = true
    }
    for path in stored.keys where run.figures[path] == nil {
      try? FileManager.default.removeItem(at: figuresDirectory.appendingPathComponent(path))
      changed = true
    }
    return changed
  }

  private func write(_ data: Data, to file: URL) throws {
    do {
      try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
      try data.write(to: file, options: .atomic)
    } catch {
      throw NotebookError.io("cannot write \(file.path): \(error.localizedDescription)")
    }
  }
}

/// Timings in outputs ("0.41 s", "12 ms", "3.2 min") vary from run to run; the checker compares
/// text with every such figure masked.
public enum Timings {
  static let pattern = try! NSRegularExpression(
    pattern: #"(?<![\w.])[0-9]+(?:\.[0-9]+)? ?(?:ns|µs|us|ms|s|min|h)(?![\w])"#)

  /// `text` with every number followed by a unit of time replaced by `⟨time⟩`.
  public static func masked(_ text: String) -> String {
    let range = NSRange(text.startIndex..., in: text)
    return pattern.stringByReplacingMatches(in: text, range: range, withTemplate: "⟨time⟩")
  }
}

/// `diff -u` of two texts.
func unifiedDiff(from old: String, to new: String, labels: (String, String)) throws -> String {
  let directory = FileManager.default.temporaryDirectory.appendingPathComponent("notebook-diff-\(UUID().uuidString)")
  defer { try? FileManager.default.removeItem(at: directory) }
  let oldFile = directory.appendingPathComponent("old")
  let newFile = directory.appendingPathComponent("new")
  do {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    try old.write(to: oldFile, atomically: true, encoding: .utf8)
    try new.write(to: newFile, atomically: true, encoding: .utf8)
  } catch {
    throw NotebookError.io("cannot write the files to compare in \(directory.path): \(error.localizedDescription)")
  }
  let (_, output) = try Subprocess.run(
    "/usr/bin/env", ["diff", "-u", "--label", labels.0, "--label", labels.1, oldFile.path, newFile.path],
    in: directory, environment: ProcessInfo.processInfo.environment)
  return output
}
