import Foundation
import Testing

@testable import shiftcli

#if canImport(FoundationXML)
import FoundationXML
#endif

/// `shiftcli correct` and `shiftcli demo` end to end: report structure, charts that exist and
/// parse as XML, and error paths that leave no report behind.
extension CommandLineTests {
  /// The SVG files a Markdown report links, each checked to exist and parse.
  func checkCharts(of report: String) throws -> Int {
    let text = try String(contentsOfFile: report, encoding: .utf8)
    let links = text.split(separator: "\n").compactMap { line -> String? in
      guard line.hasPrefix("!["), let open = line.lastIndex(of: "("), line.hasSuffix(".svg)") else { return nil }
      return String(line[line.index(after: open)..<line.index(before: line.endIndex)])
    }
    let directory = URL(fileURLWithPath: report).deletingLastPathComponent()
    for link in links {
      let data = try Data(contentsOf: directory.appendingPathComponent(link))
      #expect(XMLParser(data: data).parse(), "\(link) is not well-formed XML")
    }
    return links.count
  }

  @Test func correctWritesAReportWithChartsForLabelShift() throws {
    let out = directory.appendingPathComponent("pair").path
    let simulate = try run([
      "simulate", "--data", Self.letters, "--label", "lettr", "--shift", "tweak-one", "--class", "A", "--rho", "0.4",
      "--target-size", "1500", "--seed", "9", "--out-dir", out, "--quiet",
    ])
    #expect(simulate.status == 0, "\(simulate.stderr)")
    let report = directory.appendingPathComponent("reports/label.md").path
    try FileManager.default.createDirectory(
      atPath: directory.appendingPathComponent("reports").path, withIntermediateDirectories: true)
    let result = try run([
      "correct", "--source", out + "/source.csv", "--target", out + "/target.csv", "--label", "lettr", "--report",
      report,
      "--bootstrap", "50", "--json", "--quiet",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    #expect(json["verdict"] as? String == "label shift detected at α = 0.05")
    #expect(json["applied"] as? String == "label")
    let text = try String(contentsOfFile: report, encoding: .utf8)
    for section in [
      "## Reproduce", "## Data", "## Verdict: label shift detected", "## Drift by feature",
      "## Correction: label shift",
      "## Target performance without target labels", "## Before and after correction",
      "Confusion matrix before correction",
      "Confusion matrix after correction", "Class priors: source",
    ] {
      #expect(text.contains(section), "missing \(section)")
    }
    // Priors, per-class F1, calibration, and 26 classes' confusion before and after as heat maps.
    #expect(try checkCharts(of: report) == 5)
    #expect(text.contains("## Appendix: confusion matrices"))
  }

  @Test func correctErrorsLeaveNoReport() throws {
    let (source, target) = try labelShiftFiles()
    let report = directory.appendingPathComponent("never.md").path
    let lines = try String(contentsOfFile: target, encoding: .utf8).split(separator: "\n").map(String.init)
    let oneClass = try write(
      "one.csv", ([lines[0]] + lines.dropFirst().filter { $0.hasPrefix("A,") }).joined(separator: "\n") + "\n")
    let empty = try write("empty-target.csv", lines[0] + "\n")
    let badLabels = try write("labels.csv", "lettr\n" + String(repeating: "Ω\n", count: lines.count - 1))
    let fewerColumns = try write(
      "fewer-target.csv",
      lines.map { $0.split(separator: ",", omittingEmptySubsequences: false).dropLast().joined(separator: ",") }
        .joined(separator: "\n") + "\n")
    let cases: [([String], String)] = [
      (
        ["--source", directory.appendingPathComponent("missing.csv").path, "--target", target, "--label", "lettr"],
        "missing.csv"
      ),
      (["--source", source, "--target", target, "--label", "nope"], "no column named 'nope'"),
      (["--source", oneClass, "--target", target, "--label", "lettr"], "at least two classes"),
      (["--source", source, "--target", empty, "--label", "lettr"], "no data rows"),
      (["--source", source, "--target", fewerColumns, "--label", "lettr"], "no column named 'yegvx'"),
      (
        ["--source", source, "--target", target, "--label", "lettr", "--target-labels", badLabels],
        "label 'Ω' is not one of"
      ),
    ]
    for (arguments, message) in cases {
      let result = try run(["correct"] + arguments + ["--report", report, "--quiet"])
      #expect(result.status == 1, "\(arguments): \(result.stderr)")
      #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
      #expect(!FileManager.default.fileExists(atPath: report))
    }
  }

  /// The README's first command: every pair gets the right verdict, and the report is complete.
  @Test func demoReportsShiftForShiftedPairsAndNoneForTheControl() throws {
    let report = directory.appendingPathComponent("demo/demo.md").path
    let result = try run([
      "demo", "--letters", Self.letters, "--data-dir", directory.path, "--report", report, "--quiet",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let text = try String(contentsOfFile: report, encoding: .utf8)
    #expect(text.contains("| Control: no shift | no shift detected | none |"))
    #expect(text.contains("| Label shift: Dirichlet(α = 1) class proportions | label shift detected | label |"))
    #expect(
      text.contains(
        "| Covariate shift: selection on the first principal component | covariate shift detected | covariate |"))
    #expect(text.contains("shiftcli demo --letters") && text.contains("--seed 1\n"))
    #expect(try checkCharts(of: report) >= 7)
  }
}
