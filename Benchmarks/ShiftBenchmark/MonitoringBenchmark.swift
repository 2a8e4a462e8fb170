import ArgumentParser
import Foundation
import ShiftKit

/// The monitor on simulated production streams with known truth, beside NannyML's CBPE on the
/// same chunks and the same model probabilities.
struct MonitoringBenchmark: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "monitoring",
    abstract:
      "The monitor's per-chunk accuracy estimates, intervals and alerts on seeded streams (stable, then gradual covariate drift, a sudden label shift or a concept shift), beside NannyML's CBPE on the same files."
  )

  @OptionGroup var locations: DataLocations

  @Option(help: "Data sets: letter, fashion (comma-separated).")
  var datasets = "letter,fashion"

  @Option(help: "Seeded streams per scenario.")
  var streams = 20

  @Option(help: "Stable chunks at the start of each stream.")
  var stableChunks = 4

  @Option(help: "Shifted chunks after them.")
  var shiftedChunks = 6

  @Option(help: "Rows per chunk.")
  var chunkRows = 2000

  @Option(help: "Labelled reference rows per stream.")
  var referenceRows = 4000

  @Option(help: "Bootstrap replicates per chunk.")
  var replicates = 100

  @Option(help: "Python with NannyML for the peer (empty: no peer).")
  var peerPython = "Benchmarks/.venv-nannyml/bin/python"

  @Option(help: "Directory for the streams' CSV files (the peer reads them).")
  var export = "/tmp/shift-monitoring-streams"

  @Flag(help: "Print every chunk's figures and alerts to stderr.")
  var verbose = false

  /// Per dataset and scenario: what the streams showed.
  struct Tally {
    var errors: [Double] = []
    var shiftedErrors: [Double] = []
    var covered = 0
    var intervals = 0
    var quietStableStreams = 0
    var alertedInTime = 0
    var streams = 0
    var peerErrors: [Double] = []
    var peerShiftedErrors: [Double] = []
    var peerQuietStableStreams = 0
    var peerAlertedInTime = 0
    var seconds = 0.0
  }

  func run() throws {
    let scenarios: [StreamSimulation.Scenario] = [.covariateDrift, .labelShift, .conceptShift]
    var tallies: [String: Tally] = [:]
    var realised: [String: [[Double]]] = [:]
    var directories: [(key: String, stream: Int, directory: String, firstShifted: Int)] = []
    for name in datasets.split(separator: ",").map(String.init) {
      guard let dataset = BenchmarkData(rawValue: name) else { throw ValidationError("unknown data set '\(name)'") }
      let all = try dataset.load(letterFile: locations.letterFile, fashionDirectory: locations.fashionDirectory)
      var generator = SplitMix64(seed: 31)
      // A fixed model: trained on a third, the rest split into the reference pool and the stream pool.
      let (rest, train) = try all.split(fraction: 1.0 / 3, using: &generator)
      let (streamPool, referencePool) = try rest.split(fraction: 0.35, using: &generator)
      log("\(name): training the model on \(train.count) rows…")
      let classifier = try ClassifierTraining().train(on: train, using: &generator)
      let referenceProbabilities = try classifier.probabilities(for: referencePool.features)
      let streamProbabilities = try classifier.probabilities(for: streamPool.features)
      // The model reads every pixel; the monitor reads Fashion-MNIST's images pooled to 7 × 7.
      let (referenceColumns, streamColumns, columnNames) =
        dataset == .fashion
        ? (Self.pooled(referencePool.features), Self.pooled(streamPool.features), (0..<49).map { "block\($0)" })
        : (referencePool.features, streamPool.features, referencePool.featureNames)
      let k = all.classes.count
      for scenario in scenarios {
        let key = "\(name)|\(scenario.rawValue)"
        for stream in 0..<streams {
          var streamGenerator = SplitMix64(seed: UInt64(7000 + stream * 17 + scenarios.firstIndex(of: scenario)!))
          let referenceRowsDrawn = Array(
            randomPermutation(referencePool.count, using: &streamGenerator).prefix(referenceRows))
          let reference = MonitorBatch(
            features: referenceColumns.rows(at: referenceRowsDrawn),
            cells: ColumnCells(numeric: referenceColumns.rows(at: referenceRowsDrawn), names: columnNames),
            probabilities: referenceProbabilities.rows(at: referenceRowsDrawn),
            labels: referenceRowsDrawn.map { referencePool.labels[$0] })
          let simulation = try StreamSimulation(
            scenario, features: streamPool.features, labels: streamPool.labels, classCount: k,
            stableChunks: stableChunks, shiftedChunks: shiftedChunks, rowsPerChunk: chunkRows,
            using: &streamGenerator)
          let rows = simulation.chunkRows.flatMap { $0 }
          let labels = simulation.chunkLabels.flatMap { $0 }
          let streamFeatures = streamColumns.rows(at: rows)
          let batch = MonitorBatch(
            features: streamFeatures, cells: ColumnCells(numeric: streamFeatures, names: columnNames),
            probabilities: streamProbabilities.rows(at: rows), labels: labels)
          let start = DispatchTime.now().uptimeNanoseconds
          let monitor = try Monitor(
            reference: reference, featureNames: columnNames, classNames: all.classes.names,
            chunkSize: chunkRows, configuration: .init(replicates: replicates), seed: UInt64(stream + 1))
          let results = try monitor.analyze(batch, chunks: Chunking.rows(chunkRows).chunks(rowCount: batch.rowCount))
          var tally = tallies[key] ?? Tally()
          tally.seconds += seconds(since: start)
          tally.streams += 1
          var series: [Double] = []
          for result in results {
            if verbose {
              log(
                "\(key) #\(stream) chunk \(result.index): \(result.detection?.verdict.rawValue ?? "–"), "
                  + "\(result.recommended?.rawValue ?? "–") \(result.recommendedEstimate.map { String(format: "%.4f", $0.accuracy) } ?? "–") "
                  + "realised \(result.realised.map { String(format: "%.4f", $0.accuracy) } ?? "–") "
                  + "band \(result.accuracyBand.map { String(format: "[%.4f, %.4f]", $0.lower, $0.upper) } ?? "–") "
                  + "prior distance \(result.priorDistance.map { String(format: "%.4f", $0) } ?? "–") ≤ \(result.priorDistanceBound.map { String(format: "%.4f", $0) } ?? "–") "
                  + result.alerts.map(\.message).joined(separator: "; "))
            }
            guard let estimate = result.recommendedEstimate, let truth = result.realised?.accuracy else { continue }
            let error = abs(estimate.accuracy - truth) * 100
            if result.index < simulation.firstShiftedChunk {
              tallies["\(name)|stable period (all streams)", default: Tally()].errors.append(error)
            }
            tally.errors.append(error)
            if result.index >= simulation.firstShiftedChunk { tally.shiftedErrors.append(error) }
            if let interval = estimate.accuracyInterval {
              tally.intervals += 1
              if interval.contains(truth) { tally.covered += 1 }
            }
            series.append(truth)
          }
          realised[key, default: []].append(series)
          if results.prefix(simulation.firstShiftedChunk).allSatisfy({ $0.alerts.isEmpty }) {
            tally.quietStableStreams += 1
          }
          let window = results.dropFirst(simulation.firstShiftedChunk).prefix(2)
          if window.contains(where: { !$0.alerts.isEmpty }) { tally.alertedInTime += 1 }
          tallies[key] = tally
          if !peerPython.isEmpty {
            let directory = "\(export)/\(name)-\(scenario.rawValue.replacingOccurrences(of: " ", with: "-"))-\(stream)"
            try Self.writeStream(
              directory: directory, classNames: all.classes.names,
              reference: (reference.probabilities, reference.predictedClasses, reference.labels ?? []),
              analysis: (batch.probabilities, batch.predictedClasses, labels))
            directories.append((key, stream, directory, simulation.firstShiftedChunk))
          }
        }
        log("\(key): \(streams) streams")
      }
    }
    if !peerPython.isEmpty {
      log("running NannyML's CBPE on the same \(directories.count) streams…")
      let peer = try runPeer(directories.map(\.directory))
      for (entry, chunks) in zip(directories, peer) {
        var tally = tallies[entry.key] ?? Tally()
        let truths = realised[entry.key]?[entry.stream] ?? []
        for (index, chunk) in chunks.enumerated() where index < truths.count {
          let error = abs(chunk.estimate - truths[index]) * 100
          if index < entry.firstShifted {
            let stable = "\(entry.key.split(separator: "|")[0])|stable period (all streams)"
            tallies[stable, default: Tally()].peerErrors.append(error)
          }
          tally.peerErrors.append(error)
          if index >= entry.firstShifted { tally.peerShiftedErrors.append(error) }
        }
        if chunks.prefix(entry.firstShifted).allSatisfy({ !$0.alert }) { tally.peerQuietStableStreams += 1 }
        if chunks.dropFirst(entry.firstShifted).prefix(2).contains(where: \.alert) { tally.peerAlertedInTime += 1 }
        tallies[entry.key] = tally
      }
    }
    printTable(tallies)
  }

  /// 28 × 28 images as the means of their 16 pixels in each of 7 × 7 blocks.
  static func pooled(_ images: Matrix) -> Matrix {
    var pooled = Matrix(rows: images.rows, columns: 49)
    for row in 0..<images.rows {
      for pixel in 0..<784 {
        pooled[row, (pixel / 28 / 4) * 7 + (pixel % 28) / 4] += images[row, pixel] / 16
      }
    }
    return pooled
  }

  /// One peer chunk: its estimate and alert.
  struct PeerChunk {
    var estimate: Double
    var alert: Bool
  }

  /// Runs `Benchmarks/nannyml_peer.py` on the streams' directories: per directory its chunks.
  func runPeer(_ directories: [String]) throws -> [[PeerChunk]] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: peerPython)
    process.arguments = ["Benchmarks/nannyml_peer.py", "--chunk-size", String(chunkRows)] + directories
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let output = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw ValidationError("the NannyML peer failed (exit \(process.terminationStatus)); see its stderr")
    }
    struct Line: Decodable {
      struct Chunk: Decodable {
        var estimatedAccuracy: Double
        var alert: Bool
      }
      var dir: String
      var chunks: [Chunk]
    }
    let lines = String(decoding: output, as: UTF8.self).split(separator: "\n")
    let decoded = try lines.map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
    let byDirectory = Dictionary(decoded.map { ($0.dir, $0) }, uniquingKeysWith: { first, _ in first })
    return try directories.map { directory in
      guard let line = byDirectory[directory] else { throw ValidationError("the peer skipped \(directory)") }
      return line.chunks.map { PeerChunk(estimate: $0.estimatedAccuracy, alert: $0.alert) }
    }
  }

  /// Writes a stream's reference and analysis rows as the peer reads them: `p_<class>`,
  /// `y_pred`, `y_true` (class indices as names).
  static func writeStream(
    directory: String, classNames: [String], reference: (Matrix, [Int], [Int]), analysis: (Matrix, [Int], [Int])
  ) throws {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    for (file, part) in [("reference.csv", reference), ("analysis.csv", analysis)] {
      let (probabilities, predicted, labels) = part
      var text = (classNames.indices.map { "p_\($0)" } + ["y_pred", "y_true"]).joined(separator: ",") + "\n"
      for row in 0..<probabilities.rows {
        text += probabilities.row(row).map { String(format: "%.7g", Double($0)) }.joined(separator: ",")
        text += ",\(predicted[row]),\(labels[row])\n"
      }
      try AtomicFile.write(Data(text.utf8), to: "\(directory)/\(file)")
    }
  }

  func printTable(_ tallies: [String: Tally]) {
    func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(values.count, 1)) }
    func share(_ count: Int, _ total: Int) -> String {
      String(format: "%3.0f %%", 100 * Double(count) / Double(max(total, 1)))
    }
    print(
      "\nmonitoring: \(streams) streams per scenario, \(stableChunks) stable then \(shiftedChunks) shifted chunks of \(chunkRows) rows, reference \(referenceRows) rows, \(replicates) replicates"
    )
    print("|est − realised accuracy| in points (all chunks / shifted chunks); coverage of the 95 % intervals;")
    print(
      "quiet: streams without an alert in the stable period; in time: streams alerting within 2 chunks of the shift")
    let header = [
      "data set", "scenario", "ours all", "ours shifted", "coverage", "quiet", "in time", "CBPE all", "CBPE shifted",
      "CBPE quiet", "CBPE in time", "s/stream",
    ]
    let widths = [10, 28, 10, 13, 10, 8, 9, 10, 13, 11, 13, 9]
    func line(_ cells: [String]) -> String {
      zip(cells, widths).map { $0.0.padding(toLength: $0.1, withPad: " ", startingAt: 0) }.joined()
    }
    print(line(header))
    for key in tallies.keys.sorted() {
      guard let tally = tallies[key] else { continue }
      let parts = key.split(separator: "|").map(String.init)
      let hasPeer = !tally.peerErrors.isEmpty
      // The stable period's row pools the stable chunks of every stream: errors only.
      let streams = tally.streams > 0
      func shifted(_ values: [Double]) -> String { streams ? String(format: "%.2f", mean(values)) : "–" }
      let cells = [
        parts[0], parts[1], String(format: "%.2f", mean(tally.errors)), shifted(tally.shiftedErrors),
        streams ? share(tally.covered, tally.intervals) : "–",
        streams ? share(tally.quietStableStreams, tally.streams) : "–",
        streams ? share(tally.alertedInTime, tally.streams) : "–",
        hasPeer ? String(format: "%.2f", mean(tally.peerErrors)) : "–",
        hasPeer ? shifted(tally.peerShiftedErrors) : "–",
        hasPeer && streams ? share(tally.peerQuietStableStreams, tally.streams) : "–",
        hasPeer && streams ? share(tally.peerAlertedInTime, tally.streams) : "–",
        streams ? String(format: "%.1f", tally.seconds / Double(tally.streams)) : "–",
      ]
      print(line(cells))
    }
  }
}
