import Foundation
import Testing

@testable import Notebooks

/// The notebook format: parsing, rendering outputs and values, and what the checker ignores.
@Suite struct NotebookTests {
  static let sample = """
    # Title

    Accuracy <!--value accuracy-->0.5<!--end--> and <!--value n-->10<!--end--> rows.

    ```swift
    print(1)
    ```

    ```output
    1
    ```

    ```python
    not run
    ```

    ```sh expect-failure
    false
    ```

    ```swift no-run
    illustrative()
    ```

    End.

    """

  @Test func parsesCellsOutputsAndValues() throws {
    let notebook = try Notebook(parsing: Self.sample, file: "sample.md")
    let cells = notebook.cells
    #expect(cells.count == 2)
    #expect(cells[0].language == .swift && cells[0].source == "print(1)\n" && cells[0].line == 6)
    #expect(cells[0].output == "1\n")
    #expect(cells[1].language == .shell && cells[1].expectsFailure && cells[1].output == nil)
    #expect(notebook.values.map(\.name) == ["accuracy", "n"])
    #expect(notebook.values.map(\.text) == ["0.5", "10"])
  }

  @Test func rendersItselfUnchanged() throws {
    let notebook = try Notebook(parsing: Self.sample, file: "sample.md")
    #expect(notebook.render() == Self.sample)
  }

  @Test func rewritesOutputsAndValues() throws {
    let notebook = try Notebook(parsing: Self.sample, file: "sample.md")
    let text = notebook.render(outputs: [nil, "boom\n[exit status 1]\n"], values: ["accuracy": "0.91", "n": "2000"])
    #expect(text.contains("Accuracy <!--value accuracy-->0.91<!--end--> and <!--value n-->2000<!--end--> rows."))
    #expect(!text.contains("```output\n1\n```"))
    #expect(text.contains("```sh expect-failure\nfalse\n```\n\n```output\nboom\n[exit status 1]\n```\n"))
    // The rewritten notebook parses back to the same outputs.
    let reparsed = try Notebook(parsing: text, file: "sample.md")
    #expect(reparsed.cells.map(\.output) == [nil, "boom\n[exit status 1]\n"])
    #expect(reparsed.render() == text)
  }

  @Test func fencesOutputsThatContainFences() throws {
    let notebook = try Notebook(parsing: "```sh\ncat report.md\n```\n", file: "a.md")
    let output = "# Report\n```\nshiftcli correct\n```\n"
    let text = notebook.render(outputs: [output], values: [:])
    #expect(text.contains("````output\n" + output + "````\n"))
    #expect(try Notebook(parsing: text, file: "a.md").cells[0].output == output)
  }

  @Test func namesTheLineOfAnUnclosedFence() {
    #expect(throws: NotebookError.syntax(file: "a.md", line: 3, "the code block opened here is never closed")) {
      try Notebook(parsing: "text\n\n```swift\nprint(1)\n", file: "a.md")
    }
  }

  @Test func rejectsAnOutputWithoutACell() {
    #expect(throws: NotebookError.syntax(file: "a.md", line: 1, "an output block must follow a swift or sh block")) {
      try Notebook(parsing: "```output\n1\n```\n", file: "a.md")
    }
  }

  @Test func compilesSwiftCellsIntoOneProgramMappedToTheNotebook() throws {
    let notebook = try Notebook(parsing: Self.sample + "```swift\nlet x = 1\n```\n", file: "sample.md")
    let main = SwiftCellProgram.main(cells: notebook.cells, file: "dir/sample.md")
    #expect(
      main == """
        _notebookBegin()
        #sourceLocation(file: "dir/sample.md", line: 6)
        print(1)
        #sourceLocation()
        _notebookEndCell()
        #sourceLocation(file: "dir/sample.md", line: 27)
        let x = 1
        #sourceLocation()
        _notebookEndCell()

        """)
    // The prelude prints the marker the runner waits for (written there as Swift escapes).
    let escaped = SwiftCellProgram.cellEndMarker.unicodeScalars.map {
      $0.isASCII && $0.value >= 32 ? String($0) : $0 == "\n" ? "\\n" : "\\u{1E}"
    }.joined()
    #expect(SwiftCellProgram.prelude.contains("fputs(\"\(escaped)\", stdout)"))
  }

  @Test func masksTimingsOnly() {
    #expect(
      Timings.masked("epoch 3: 0.41 s, 12ms, 2 min; loss 0.5, 10 classes, v1.2s")
        == "epoch 3: ⟨time⟩, ⟨time⟩, ⟨time⟩; loss 0.5, 10 classes, v1.2s")
    #expect(Timings.masked("accuracy 0.8461 (n = 10000)") == "accuracy 0.8461 (n = 10000)")
  }
}

/// Running shell cells in a work directory, and the checker on a deliberately edited output.
@Suite struct NotebookRunnerTests {
  /// A package directory (only Package.swift is needed for shell cells) and a notebook file in it.
  func makeNotebook(_ text: String) throws -> (runner: NotebookRunner, url: URL) {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("notebook-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    try "// test package\n".write(to: root.appendingPathComponent("Package.swift"), atomically: true, encoding: .utf8)
    let url = root.appendingPathComponent("01-test.md")
    try text.write(to: url, atomically: true, encoding: .utf8)
    let runner = try NotebookRunner(buildDirectory: root, packageDirectory: root, datasetsDirectory: nil)
    return (runner, url)
  }

  static let notebook = """
    Shares: <!--value shares-->?<!--end-->.

    ```sh
    echo "took 0.25 s in $PWD"
    mkdir -p figures && echo '<svg/>' > figures/chart.svg
    echo "shares=0.5 0.5" >> "$NOTEBOOK_VALUES"
    ```

    ```sh expect-failure
    echo "no such file" >&2; exit 3
    ```

    """

  @Test func runsWritesAndChecks() throws {
    let (runner, url) = try makeNotebook(Self.notebook)
    let run = try runner.run(try NotebookFile(url: url).notebook, file: "01-test.md")
    #expect(run.outputs == ["took 0.25 s in .\n", "no such file\n[exit status 3]\n"])
    #expect(run.values == ["shares": "0.5 0.5"])
    #expect(run.figures == ["chart.svg": Data("<svg/>\n".utf8)])

    let file = try NotebookFile(url: url)
    #expect(try file.staleness(against: run).count == 2)  // the Markdown and the figure
    #expect(try file.update(from: run))
    let updated = try NotebookFile(url: url)
    #expect(updated.text.contains("Shares: <!--value shares-->0.5 0.5<!--end-->."))
    #expect(try updated.staleness(against: run).isEmpty)

    // Another run that differs only in a timing is still up to date, and leaves the file alone.
    var slower = run
    slower.outputs[0] = "took 12.5 s in .\n"
    #expect(try updated.staleness(against: slower).isEmpty)
    #expect(try !updated.update(from: slower))

    // A deliberately edited output is stale, with a diff naming the line.
    try updated.text.replacingOccurrences(of: "[exit status 3]", with: "[exit status 0]")
      .write(to: url, atomically: true, encoding: .utf8)
    let edited = try NotebookFile(url: url)
    let problems = try edited.staleness(against: run)
    #expect(problems.count == 1)
    #expect(problems.first?.contains("-[exit status 0]\n+[exit status 3]") == true)

    // So is an edited value in the prose, and an edited figure.
    try updated.text.replacingOccurrences(of: "0.5 0.5", with: "0.6 0.4").write(
      to: url, atomically: true, encoding: .utf8)
    try "<svg></svg>\n".write(
      to: edited.figuresDirectory.appendingPathComponent("chart.svg"), atomically: true, encoding: .utf8)
    #expect(try NotebookFile(url: url).staleness(against: run).count == 2)
  }

  @Test func reportsAFailingCellWithItsLine() throws {
    let (runner, url) = try makeNotebook("Intro\n\n```sh\necho partial\nfalse\necho never\n```\n")
    #expect(
      throws: NotebookError.cellFailed(file: "a.md", line: 4, reason: "failed with exit status 1", output: "partial\n")
    ) {
      try runner.run(try NotebookFile(url: url).notebook, file: "a.md")
    }
  }

  @Test func reportsAValueNoCellRecorded() throws {
    let (runner, url) = try makeNotebook("<!--value missing-->1<!--end-->\n\n```sh\necho hi\n```\n")
    #expect(throws: NotebookError.unknownValue(file: "a.md", name: "missing")) {
      try runner.run(try NotebookFile(url: url).notebook, file: "a.md")
    }
  }
}
