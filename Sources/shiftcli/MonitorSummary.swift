import Foundation
import ShiftKit

/// What `shiftcli monitor` prints: one object for dashboards (`--json`), a flat table
/// (`--out`), or a terminal summary.
struct MonitorSummary: Encodable {
  var reference: String
  var monitorFile: String?
  var analysis: String
  var chunking: String
  var classes: [String]
  var referenceBand: Band
  var chunks: [MonitorChunkResult]
  /// The fitted monitor (for the report; not printed).
  var monitor: Monitor

  /// The reference band of the accuracy estimate at the typical chunk's size.
  struct Band: Encodable {
    var accuracyLower: Double
    var accuracyUpper: Double
    var priorDistanceUpper: Double
    var rows: Int
    var referenceChunks: Int
    var referenceChunkRows: Int
  }

  private enum CodingKeys: String, CodingKey {
    case reference, monitorFile, analysis, chunking, classes, referenceBand, chunks, alerts
  }

  init(
    reference: String, monitorFile: String?, analysis: String, chunking: String, monitor: Monitor,
    chunks: [MonitorChunkResult]
  ) {
    self.reference = reference
    self.monitorFile = monitorFile
    self.analysis = analysis
    self.chunking = chunking
    self.monitor = monitor
    self.chunks = chunks
    classes = monitor.classNames
    let sizes = chunks.map(\.rows).filter { $0 > 0 }.sorted()
    let typical = sizes.isEmpty ? Int(monitor.accuracyBand.chunkRows) : sizes[sizes.count / 2]
    let accuracy = monitor.accuracyBand.bounds(rows: typical)
    referenceBand = Band(
      accuracyLower: accuracy.lower ?? 0, accuracyUpper: accuracy.upper,
      priorDistanceUpper: monitor.priorDistanceBand.bounds(rows: typical).upper, rows: typical,
      referenceChunks: monitor.accuracyBand.chunkCount, referenceChunkRows: Int(monitor.accuracyBand.chunkRows))
  }

  func encode(to encoder: Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(reference, forKey: .reference)
    try container.encode(monitorFile, forKey: .monitorFile)
    try container.encode(analysis, forKey: .analysis)
    try container.encode(chunking, forKey: .chunking)
    try container.encode(classes, forKey: .classes)
    try container.encode(referenceBand, forKey: .referenceBand)
    try container.encode(chunks, forKey: .chunks)
    try container.encode(chunks.reduce(0) { $0 + $1.alerts.count }, forKey: .alerts)
  }

  /// The chunks as a CSV table: one row per chunk, the estimated prior one column per class.
  var csv: String {
    let header =
      [
        "index", "start", "end", "rows", "verdict", "recommended", "estimatedAccuracy", "accuracyLower",
        "accuracyUpper", "estimatedMacroF1", "realisedAccuracy", "realisedMacroF1", "bandLower", "bandUpper",
        "priorDistance", "priorDistanceBound", "domainAUC", "mostDriftedColumn", "largestEffectSize",
      ] + classes.map { "prior_\($0)" } + ["alerts"]
    func number(_ value: Double?) -> String { value.map { String(format: "%.6g", $0) } ?? "" }
    var lines = [header.map(csvEscaped).joined(separator: ",")]
    for chunk in chunks {
      let estimate = chunk.recommendedEstimate
      let top = chunk.detection?.features.first
      let cells =
        [
          String(chunk.index), chunk.start, chunk.end, String(chunk.rows), chunk.detection?.verdict.rawValue ?? "",
          chunk.recommended?.rawValue ?? "", number(estimate?.accuracy), number(estimate?.accuracyInterval?.lower),
          number(estimate?.accuracyInterval?.upper), number(estimate?.macroF1), number(chunk.realised?.accuracy),
          number(chunk.realised?.macroF1), number(chunk.accuracyBand?.lower), number(chunk.accuracyBand?.upper),
          number(chunk.priorDistance), number(chunk.priorDistanceBound), number(chunk.detection?.domain.auc),
          top?.feature ?? "", number(top?.effectSize),
        ] + classes.indices.map { chunk.estimatedPrior.indices.contains($0) ? number(chunk.estimatedPrior[$0]) : "" }
        + [chunk.alerts.map(\.message).joined(separator: "; ")]
      lines.append(cells.map(csvEscaped).joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// One line per chunk, alerts under it.
  var humanSummary: String {
    /// One line of the table, each cell padded to its column's width.
    func row(_ cells: [String]) -> String {
      zip(cells, [6, 26, 8, 28, 10, 40]).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined()
    }
    let alerts = chunks.reduce(0) { $0 + $1.alerts.count }
    var lines = [
      "\(analysis): \(chunks.count) chunks (\(chunking)), \(alerts == 0 ? "no alerts" : "\(alerts) alert\(alerts == 1 ? "" : "s") in \(chunks.filter { !$0.alerts.isEmpty }.count) chunks")",
      String(
        format: "reference band of the accuracy estimate at %d rows: %.4f – %.4f (from %d reference chunks of %d rows)",
        referenceBand.rows, referenceBand.accuracyLower, referenceBand.accuracyUpper, referenceBand.referenceChunks,
        referenceBand.referenceChunkRows),
      row(["chunk", "span", "rows", "estimated accuracy", "realised", "verdict"]),
    ]
    for chunk in chunks {
      let estimate = chunk.recommendedEstimate.map { estimate in
        String(format: "%.4f", estimate.accuracy)
          + (estimate.accuracyInterval.map { String(format: " [%.4f, %.4f]", $0.lower, $0.upper) } ?? "")
      }
      let cells = [
        String(chunk.index), "\(chunk.start)–\(chunk.end)", String(chunk.rows), estimate ?? "–",
        chunk.realised.map { String(format: "%.4f", $0.accuracy) } ?? "–",
        chunk.detection?.verdict.rawValue ?? (chunk.rows == 0 ? "empty chunk" : "too few rows to test"),
      ]
      lines.append(row(cells))
      for alert in chunk.alerts { lines.append("      alert: \(alert.message)") }
    }
    return lines.joined(separator: "\n")
  }

  /// The report of these chunks.
  func report(command: String) -> MonitorReport {
    MonitorReport(
      monitor: monitor, chunks: chunks, referenceName: reference, analysisName: analysis, chunking: chunking,
      command: command)
  }
}
