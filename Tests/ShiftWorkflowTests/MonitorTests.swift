import Datasets
import Foundation
import LinearAlgebra
import NeuralNetwork
import ShiftTestFixtures
import Testing

@testable import ShiftWorkflow

@Suite struct ChunkingTests {
  @Test func rowsAndCountsCutTheStreamInOrder() throws {
    let bySize = try Chunking.rows(4).chunks(rowCount: 10)
    #expect(bySize.map(\.rows.count) == [4, 4, 2])
    #expect(bySize.map(\.start) == ["1", "5", "9"] && bySize.map(\.end) == ["4", "8", "10"])
    let byCount = try Chunking.count(3).chunks(rowCount: 10)
    #expect(byCount.map(\.rows.count) == [3, 3, 4])
    #expect(byCount.flatMap(\.rows) == Array(0..<10))
    #expect(throws: WorkflowError.self) { try Chunking.count(11).chunks(rowCount: 10) }
    #expect(throws: WorkflowError.self) { try Chunking.rows(0).chunks(rowCount: 10) }
  }

  @Test func periodsKeepGapsAsEmptyChunksAndGatherUnsortedRows() throws {
    let texts = ["2024-03-06", "2024-03-01T23:30:00-02:00", "2024-03-01", "2024-03-06T08:00Z", "2024-03-02"]
    let timestamps = texts.compactMap(Timestamp.init(iso8601:))
    #expect(timestamps.count == texts.count)
    let chunks = try Chunking.period(column: "t", .day).chunks(rowCount: 5, timestamps: timestamps)
    // 1, 2 (with the −02:00 row, which is 2 March in UTC), then empty 3–5 March, then 6 March.
    #expect(
      chunks.map(\.start) == ["2024-03-01", "2024-03-02", "2024-03-03", "2024-03-04", "2024-03-05", "2024-03-06"])
    #expect(chunks.map(\.rows) == [[2], [1, 4], [], [], [], [0, 3]])
    let weeks = try Chunking.period(column: "t", .week).chunks(rowCount: 5, timestamps: timestamps)
    #expect(weeks.map(\.rows.count) == [3, 2])
  }

  @Test func aBadDateNamesItsLineAndColumn() throws {
    let csv = "id,when,x\n1,2024-03-01,0.5\n2,2024-02-30,0.7\n"
    let schema = try MixedTable(bytes: Array(csv.utf8), file: "a.csv", options: SchemaOptions()).schema
    let table = try MixedTable(bytes: Array(csv.utf8), file: "a.csv", schema: schema, keepingText: ["when"])
    #expect(table.texts["when"] == ["2024-03-01", "2024-02-30"])
    #expect {
      try Chunking.timestamps(of: table, column: "when")
    } throws: { error in
      "\(error)".hasPrefix("a.csv:3:2: column 'when': '2024-02-30' is not an ISO 8601 date")
    }
  }
}

@Suite struct MonitorTests {
  /// The label setting's holdout as the reference, the model's probabilities on it.
  static let reference: MonitorBatch = {
    let setting = Fixtures.labelSetting
    var probabilities = setting.holdoutLogits
    softmaxRows(&probabilities)
    let features = Fixtures.labelHoldoutFeatures
    return MonitorBatch(
      features: features, cells: ColumnCells(numeric: features, names: Fixtures.letters.featureNames),
      probabilities: probabilities, labels: setting.holdoutLabels)
  }()

  /// A simulated stream on the target pool: its rows as a batch and its chunks.
  static func stream(_ scenario: StreamSimulation.Scenario, seed: UInt64) throws -> (
    MonitorBatch, [Chunk], StreamSimulation
  ) {
    let setting = Fixtures.labelSetting
    var generator = SplitMix64(seed: seed)
    let simulation = try StreamSimulation(
      scenario, features: Fixtures.poolFeatures, labels: setting.poolLabels, classCount: 26, stableChunks: 3,
      shiftedChunks: 3, rowsPerChunk: 1500, using: &generator)
    let rows = simulation.chunkRows.flatMap { $0 }
    var probabilities = setting.poolLogits.rows(at: rows)
    softmaxRows(&probabilities)
    let features = Fixtures.poolFeatures.rows(at: rows)
    let batch = MonitorBatch(
      features: features, cells: ColumnCells(numeric: features, names: Fixtures.letters.featureNames),
      probabilities: probabilities, labels: simulation.chunkLabels.flatMap { $0 })
    return (batch, try Chunking.rows(1500).chunks(rowCount: rows.count), simulation)
  }

  static func monitor() throws -> Monitor {
    try Monitor(
      reference: reference, featureNames: Fixtures.letters.featureNames, classNames: Fixtures.letters.classes.names,
      chunkSize: 1500, configuration: .init(replicates: 40), seed: 5)
  }

  /// Under a sudden Dirichlet(1) label shift (known truth: the stream's own labels), the
  /// estimates follow the realised accuracy, the stable chunks raise no alert, and the first
  /// shifted chunk does.
  ///
  /// Tolerances: the realised accuracy of 1 500 rows scatters by √(a(1−a)/n) ≈ 0.009 around
  /// its expectation, so an unbiased estimate misses it by ≈ 0.007 on average; 0.02 allows
  /// for the estimate's own error (calibration on 2 400 holdout rows) without hiding a bias.
  @Test func followsASuddenLabelShiftAndAlertsOnIt() throws {
    let monitor = try Self.monitor()
    let (stream, chunks, simulation) = try Self.stream(.labelShift, seed: 21)
    let results = try monitor.analyze(stream, chunks: chunks)
    #expect(results.count == 6)
    let errors = try results.map { result in
      let estimate = try #require(result.recommendedEstimate)
      return abs(estimate.accuracy - (try #require(result.realised?.accuracy)))
    }
    #expect(errors.reduce(0, +) / Double(errors.count) < 0.02, "\(errors)")
    let covered = results.filter { result in
      guard let interval = result.recommendedEstimate?.accuracyInterval, let truth = result.realised?.accuracy else {
        return false
      }
      return interval.contains(truth)
    }
    #expect(covered.count >= 5, "\(covered.count) of 6 intervals cover")
    for result in results.prefix(simulation.firstShiftedChunk) {
      #expect(result.alerts.isEmpty, "stable chunk \(result.index): \(result.alerts)")
      #expect(result.recommended == .confidenceBased)
    }
    for result in results.dropFirst(simulation.firstShiftedChunk) {
      #expect(result.alerts.contains { $0.kind == .priorShift }, "chunk \(result.index)")
      #expect(result.detection?.verdict == .labelShift)
      #expect(result.recommended == .priorCorrectedConfidence)
      // The estimated prior is near the chunk's own class shares.
      let truth = try #require(result.realised?.prior)
      #expect(zip(truth, result.estimatedPrior).map { abs($0 - $1) }.reduce(0, +) / 2 < 0.05)
    }
  }

  /// A concept shift changes only the labels: the realised accuracy falls, the estimates and
  /// the detector do not move — which is why the report says so plainly.
  @Test func aConceptShiftIsInvisibleWithoutLabels() throws {
    let monitor = try Self.monitor()
    let (stream, chunks, simulation) = try Self.stream(.conceptShift, seed: 22)
    let results = try monitor.analyze(stream, chunks: chunks)
    for result in results.dropFirst(simulation.firstShiftedChunk) {
      let estimate = try #require(result.recommendedEstimate?.accuracy)
      let realised = try #require(result.realised?.accuracy)
      #expect(estimate - realised > 0.15)
      #expect(result.alerts.isEmpty)
    }
  }

  @Test func aSavedMonitorAnalysesAsTheFittedOne() throws {
    let monitor = try Self.monitor()
    let (stream, chunks, _) = try Self.stream(.covariateDrift, seed: 23)
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("monitor-\(UUID()).json").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    try monitor.save(to: path)
    let loaded = try Monitor.load(from: path)
    let last = try #require(chunks.last)
    let batch = stream.rows(at: last.rows)
    #expect(try loaded.analyze(batch, index: last.index) == monitor.analyze(batch, index: last.index))
    // Damage: another version, a label too many, not JSON.
    let text = try String(contentsOfFile: path, encoding: .utf8)
    for (damaged, reason) in [
      (text.replacingOccurrences(of: "\"version\":1", with: "\"version\":9"), "format version 9"),
      (text.replacingOccurrences(of: "\"referenceLabels\":[", with: "\"referenceLabels\":[0,"), "reference labels"),
      ("{", "not a monitor"),
    ] {
      #expect {
        try Monitor.decode(Data(damaged.utf8), file: "m.json")
      } throws: { error in
        "\(error)".hasPrefix("m.json: not a usable monitor") && "\(error)".contains(reason)
      }
    }
  }

  @Test func anEmptyChunkIsReportedNotDividedBy() throws {
    let monitor = try Self.monitor()
    let empty = Self.reference.rows(at: [])
    let result = try monitor.analyze(empty, index: 3, start: "2024-03-03", end: "2024-03-03")
    #expect(result.rows == 0 && result.estimates.isEmpty && result.alerts.isEmpty && result.detection == nil)
    let json = String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
    #expect(json.contains("\"estimatedAccuracy\":null") && json.contains("\"realisedAccuracy\":null"))
  }

  @Test func aReferenceTooSmallForItsBandIsAnError() {
    #expect(throws: WorkflowError.self) {
      try Monitor(
        reference: Self.reference.rows(at: Array(0..<60)), featureNames: Fixtures.letters.featureNames,
        classNames: Fixtures.letters.classes.names, chunkSize: 100)
    }
  }
}
