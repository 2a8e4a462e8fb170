import Foundation
import PerformanceEstimation
import ShiftDetection
import ShiftWorkflow

/// The Markdown report of a monitored stream: the answer first (how many chunks need a look,
/// and how the latest one is doing), the alerts, a table of every chunk, then charts of the
/// estimated accuracy against its reference band and the realised accuracy, the drift of each
/// column per chunk, and the class priors per chunk.
public struct MonitorReport: Sendable {
  /// The fitted monitor.
  public var monitor: Monitor
  /// Its results, one per chunk in stream order.
  public var chunks: [MonitorChunkResult]
  /// What the reference and the analysis rows were read from.
  public var referenceName: String
  /// See ``referenceName``.
  public var analysisName: String
  /// How the chunks were cut, in words.
  public var chunking: String
  /// The command line that reproduces the report (empty: none).
  public var command: String

  /// The charts' file names, without the report's prefix.
  public static let chartNames = ["accuracy", "drift", "priors"]

  /// A report of `chunks`.
  public init(
    monitor: Monitor, chunks: [MonitorChunkResult], referenceName: String, analysisName: String, chunking: String,
    command: String = ""
  ) {
    self.monitor = monitor
    self.chunks = chunks
    self.referenceName = referenceName
    self.analysisName = analysisName
    self.chunking = chunking
    self.command = command
  }

  /// The Markdown text and its charts, named `chartPrefix` + name + `.svg`.
  public func render(chartPrefix: String = "") -> (markdown: String, charts: [MarkdownReport.Chart]) {
    var lines = ["# Monitoring \(analysisName)", ""]
    var charts: [MarkdownReport.Chart] = []
    func chart(_ name: String, _ svg: String, caption: String) {
      let file = "\(chartPrefix)\(name).svg"
      charts.append(MarkdownReport.Chart(file: file, svg: svg))
      lines += ["![\(caption)](\(file))", ""]
    }
    let alerted = chunks.filter { !$0.alerts.isEmpty }
    let empty = chunks.filter { $0.rows == 0 }.count
    lines.append(
      "\(chunks.count) chunks (\(chunking)) of \(analysisName) against the reference \(referenceName): "
        + (alerted.isEmpty
          ? "**no alerts**."
          : "**\(alerted.count) with alerts** (\(alerted.map { "#\($0.index)" }.joined(separator: ", ")))."))
    if empty > 0 { lines[lines.count - 1] += " \(empty) empty (no rows in the period)." }
    if let latest = chunks.last(where: { $0.rows > 0 }), let estimate = latest.recommendedEstimate {
      var sentence =
        "Latest chunk #\(latest.index) (\(span(latest)), \(latest.rows) rows): estimated accuracy "
        + "**\(percent(estimate.accuracy))**\(estimate.accuracyInterval.map { " (\(intervalName) \(percent($0.lower))–\(percent($0.upper)))" } ?? "") "
        + "by the \(estimate.estimator.rawValue) estimate"
      if let band = latest.accuracyBand {
        sentence += "; the reference band is \(percent(band.lower))–\(percent(band.upper))"
      }
      if let realised = latest.realised { sentence += "; its labels show \(percent(realised.accuracy))" }
      if let verdict = latest.detection?.verdict { sentence += "; the detector says: \(verdict.rawValue)" }
      lines += ["", sentence + "."]
    }
    lines += [
      "",
      "A concept shift (the same inputs now meaning other classes) moves neither the inputs nor the model's outputs: no label-free estimate can see it, only the realised figures can.",
      "",
    ]

    lines += ["## Alerts", ""]
    if alerted.isEmpty {
      lines += [
        "No chunk left its reference band\(monitor.configuration.alertBelow.map { " or fell below \(percent($0))" } ?? "").",
        "",
      ]
    } else {
      lines += ["| chunk | span | rows | alert |", "|---:|---|---:|---|"]
      for chunk in alerted {
        for alert in chunk.alerts {
          lines.append("| \(chunk.index) | \(span(chunk)) | \(chunk.rows) | \(alert.message) |")
        }
      }
      lines.append("")
    }

    lines += ["## Chunks", ""]
    lines += [
      "| chunk | span | rows | verdict | estimator | estimated accuracy (\(intervalName)) | realised | reference band | prior distance (bound) | most drifted column | alerts |",
      "|---:|---|---:|---|---|---|---:|---|---|---|---:|",
    ]
    for chunk in chunks {
      let estimate = chunk.recommendedEstimate
      let accuracy = estimate.map { estimate in
        fixed(estimate.accuracy) + (estimate.accuracyInterval.map { " (\(fixed($0.lower))–\(fixed($0.upper)))" } ?? "")
      }
      let drift = chunk.detection?.features.first.map { "\($0.feature) (\($0.effectSizeName) \(fixed($0.effectSize)))" }
      let prior = chunk.priorDistance.map { distance in
        fixed(distance) + (chunk.priorDistanceBound.map { " (≤ \(fixed($0)))" } ?? "")
      }
      let verdict: String = chunk.detection?.verdict.rawValue ?? (chunk.rows == 0 ? "empty" : "too few rows")
      let realised: String = chunk.realised.map { fixed($0.accuracy) } ?? "–"
      let band: String = chunk.accuracyBand.map { "\(fixed($0.lower))–\(fixed($0.upper))" } ?? "–"
      let alertCount: String = chunk.alerts.isEmpty ? "" : "**\(chunk.alerts.count)**"
      var cells: [String] = ["\(chunk.index)", span(chunk), "\(chunk.rows)", verdict]
      cells += [
        chunk.recommended?.rawValue ?? "–", accuracy ?? "–", realised, band, prior ?? "–", drift ?? "–", alertCount,
      ]
      lines.append("| " + cells.joined(separator: " | ") + " |")
    }
    lines.append("")

    let labels = chunks.map { "\($0.index)" }
    lines += ["## Estimated accuracy", ""]
    chart(
      "accuracy",
      TimelineChart(
        title: "Accuracy per chunk: estimated, realised, and the reference band", chunkLabels: labels,
        estimates: chunks.map { $0.recommendedEstimate?.accuracy ?? .nan },
        intervals: chunks.map { $0.recommendedEstimate?.accuracyInterval.map { ($0.lower, $0.upper) } },
        referenceBand: chunks.map { $0.accuracyBand.map { ($0.lower, $0.upper) } },
        realised: chunks.map { $0.realised?.accuracy ?? .nan }, threshold: monitor.configuration.alertBelow,
        alerted: Set(alerted.map(\.index)), yLabel: "accuracy"
      ).svg, caption: "Estimated accuracy per chunk with its interval, the reference band and the realised accuracy")
    lines += [
      "The line is the recommended estimate of each chunk, its shaded band the \(intervalName) for the accuracy its labels will show; the grey band is where \(percent(ReferenceBand.coverage)) of chunks of its size fall when nothing changed (from \(monitor.accuracyBand.chunkCount) reference chunks of \(Int(monitor.accuracyBand.chunkRows)) rows); the dashed line is the realised accuracy where labels are known.",
      "",
    ]

    let drift = driftByColumn()
    if !drift.names.isEmpty {
      lines += ["## Drift by column", ""]
      chart(
        "drift",
        HeatMap(
          title: "Drift per column and chunk (effect size)", rowLabels: drift.names, columnLabels: labels,
          values: drift.values, xLabel: "chunk", yLabel: "column", maximum: 1
        ).svg, caption: "Each column's largest effect size per chunk, columns sorted by their largest drift")
      lines += [
        "Each cell is the column's largest effect size in the chunk (KS distance for a number, Cramér's V for a category, the missing-rate difference), all on 0–1; columns are sorted by their largest drift, \(drift.names.count < drift.total ? "the \(drift.names.count) that drifted most of \(drift.total)" : "all \(drift.total)") shown.",
        "",
      ]
    }

    lines += ["## Class priors", ""]
    let classNames = monitor.classNames
    let priorRows = chunks.map {
      $0.estimatedPrior.count == classNames.count ? $0.estimatedPrior : classNames.map { _ in 0 }
    }
    chart(
      "priors",
      StackedBarChart(
        title: "Estimated class prior per chunk", categories: labels, parts: classNames, values: priorRows,
        yLabel: "share"
      ).svg, caption: "The estimated class prior of each chunk, stacked")
    lines += [
      "Each bar is a chunk's estimated class prior (EM on the calibrated probabilities); the reference's is \(classNames.indices.map { "\(classNames[$0]) \(percent(monitor.referencePrior[$0]))" }.prefix(12).joined(separator: ", "))\(classNames.count > 12 ? ", …" : "").",
      "",
    ]

    lines += [
      "## Reference", "",
      "\(monitor.reference.sourceRows) labelled rows, \(monitor.reference.sample.count) kept as the monitor's sample (the detector's reference, the calibration and the holdout of the estimates). Bands from \(monitor.accuracyBand.chunkCount) reference chunks of \(Int(monitor.accuracyBand.chunkRows)) rows: accuracy estimate \(fixed(monitor.accuracyBand.mean)) ± \(fixed(monitor.accuracyBand.standardDeviation)) (sd), prior distance \(fixed(monitor.priorDistanceBand.mean)) ± \(fixed(monitor.priorDistanceBand.standardDeviation)); each is rescaled to a chunk's size (see `ReferenceBand`).",
      "",
    ]
    if !command.isEmpty { lines += ["## Reproduce", "", "```sh", command, "```", ""] }
    return (lines.joined(separator: "\n"), charts)
  }

  /// At most this many columns in the drift strip.
  static let driftRows = 30

  /// Per column its largest effect size in each chunk (NaN where not tested), columns sorted
  /// by their largest drift; the names, values, and how many columns there were.
  func driftByColumn() -> (names: [String], values: [[Double]], total: Int) {
    var byColumn: [String: [Double]] = [:]
    for (position, chunk) in chunks.enumerated() {
      for test in chunk.detection?.features ?? [] {
        var row = byColumn[test.feature] ?? [Double](repeating: .nan, count: chunks.count)
        row[position] = row[position].isNaN ? test.effectSize : max(row[position], test.effectSize)
        byColumn[test.feature] = row
      }
    }
    func largest(_ row: [Double]) -> Double { row.filter(\.isFinite).max() ?? 0 }
    let names = byColumn.keys.sorted { (largest(byColumn[$0] ?? []), $1) > (largest(byColumn[$1] ?? []), $0) }
    let shown = Array(names.prefix(Self.driftRows))
    return (shown, shown.map { byColumn[$0] ?? [] }, names.count)
  }

  /// A chunk's span: its dates, or its rows.
  func span(_ chunk: MonitorChunkResult) -> String {
    chunk.start.contains("-")
      ? (chunk.start == chunk.end ? chunk.start : "\(chunk.start) – \(chunk.end)") : "rows \(chunk.start)–\(chunk.end)"
  }

  func fixed(_ value: Double) -> String { String(format: "%.4f", value) }
  /// "95 % interval", at the monitor's level.
  var intervalName: String { "\(String(format: "%g", monitor.configuration.intervalLevel * 100)) % interval" }
  func percent(_ value: Double) -> String { String(format: "%.1f %%", value * 100) }
}
