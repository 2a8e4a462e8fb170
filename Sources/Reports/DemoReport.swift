import Foundation
import PerformanceEstimation
import ShiftWorkflow

/// Renders the `shiftcli demo` report: a summary of every simulated pair, then each pair's
/// analysis as a section (``MarkdownReport`` at heading level 2).
public struct DemoReport: Sendable {
  /// One simulated pair and what the correction workflow found on it.
  public struct Pair: Sendable {
    /// The pair's heading, e.g. "Control: no shift".
    public var name: String
    /// File-name prefix of the pair's charts.
    public var chartPrefix: String
    /// How the source is described in the data table.
    public var sourceName: String
    /// How the target is described in the data table.
    public var targetName: String
    /// The analysis.
    public var analysis: ShiftAnalysis
    /// The population prior the target was drawn with, when the shift is a label shift.
    public var truePrior: [Double]?

    /// A pair for the report.
    public init(
      name: String, chartPrefix: String, sourceName: String, targetName: String, analysis: ShiftAnalysis,
      truePrior: [Double]?
    ) {
      self.name = name
      self.chartPrefix = chartPrefix
      self.sourceName = sourceName
      self.targetName = targetName
      self.analysis = analysis
      self.truePrior = truePrior
    }
  }

  /// The command that reproduces the report.
  public var command: String
  /// The pairs, in report order.
  public var pairs: [Pair]
  /// Wall-clock seconds the analyses took.
  public var seconds: Double
  /// The BLAS kernel and thread count they ran with.
  public var blasKernel: String
  /// See ``blasKernel``.
  public var threads: Int

  /// A report of `pairs`.
  public init(command: String, pairs: [Pair], seconds: Double, blasKernel: String, threads: Int) {
    self.command = command
    self.pairs = pairs
    self.seconds = seconds
    self.blasKernel = blasKernel
    self.threads = threads
  }

  /// The Markdown text and the charts it links.
  public func render() -> (markdown: String, charts: [MarkdownReport.Chart]) {
    var lines = [
      "# ShiftKit demo: detecting and correcting distribution shift", "",
      "Each pair below is simulated from real data with a known truth (the target's labels are held back from",
      "detection and estimation and used only to score the result). Detection uses α = 0.05 overall.", "",
      "| pair | verdict | correction | estimated accuracy (no labels) | target accuracy before → after |",
      "|---|---|---|---|---|",
    ]
    for pair in pairs {
      let estimate = pair.analysis.performanceEstimates.first { $0.estimator == .priorCorrectedConfidence }
      var line =
        "| \(pair.name) | \(pair.analysis.detection.verdict.rawValue) | \(pair.analysis.applied.rawValue) | "
        + (estimate.map { String(format: "%.4f", $0.accuracy) } ?? "–") + " |"
      if let before = pair.analysis.before, let after = pair.analysis.after {
        line += String(format: " %.4f → %.4f |", before.accuracy, after.accuracy)
      }
      lines.append(line)
    }
    lines += [
      "",
      String(format: "Run time: %.0f s (BLAS %@, %d thread%@).", seconds, blasKernel, threads, threads == 1 ? "" : "s"),
      "", "Reproduce with:", "", "```sh", command, "```", "",
    ]
    var charts: [MarkdownReport.Chart] = []
    for pair in pairs {
      // The sections share the report's reproduce line (an empty command omits theirs).
      let renderer = MarkdownReport(
        title: pair.name, command: "", sourceName: pair.sourceName, targetName: pair.targetName,
        chartPrefix: pair.chartPrefix)
      let (markdown, pairCharts) = renderer.render(pair.analysis, headingLevel: 2, truePrior: pair.truePrior)
      lines.append(markdown)
      charts += pairCharts
    }
    return (lines.joined(separator: "\n"), charts)
  }
}
