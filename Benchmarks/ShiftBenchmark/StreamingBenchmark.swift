import ArgumentParser
import Foundation
import ShiftKit

/// The one-pass commands on a large target: `shiftcli estimate --shift label` (defaults) and
/// `shiftcli detect` on letter-recognition rows with noise, in seconds and peak RSS at growing
/// row counts, so that the flat memory shows.
struct StreamingBenchmark: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "streaming",
    abstract:
      "Seconds and peak RSS of `shiftcli estimate --shift label` and `shiftcli detect` on targets of letter-recognition rows with Gaussian noise (100 000 and 1 000 000 rows by default)."
  )

  @Option(help: "Labelled source CSV (its rows, with noise, make the targets).")
  var source = "Datasets/letter-recognition.csv"

  @Option(help: "The label column of --source.")
  var label = "lettr"

  @Option(parsing: .upToNextOption, help: "Target sizes in rows.")
  var rows: [Int] = [100_000, 1_000_000]

  @Option(help: "The shiftcli binary.")
  var shiftcli = ".build/release/shiftcli"

  @Option(help: "Directory for the generated targets.")
  var directory = "/tmp/shift-streaming"

  func run() throws {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let table = try CSVTable(contentsOf: source, labelColumn: label)
    print("targets: rows of \(source) with N(0, 0.3²) noise on each of its \(table.featureNames.count) features")
    print(
      "rows".padding(toLength: 11, withPad: " ", startingAt: 0)
        + "MB   estimate --shift label          detect")
    for count in rows {
      let target = "\(directory)/target-\(count).csv"
      try Self.generate(table, rows: count, label: label, seed: 1, to: target)
      let size = ((try FileManager.default.attributesOfItem(atPath: target)[.size] as? Int) ?? 0) / 1_000_000
      let estimate = try MonitoringScaleBenchmark.measure(
        shiftcli, ["estimate", "--shift", "label", "--source", source, "--target", target, "--label", label, "--quiet"])
      let detect = try MonitoringScaleBenchmark.measure(
        shiftcli, ["detect", "--source", source, "--target", target, "--label", label, "--quiet"])
      print(
        String(
          format: "%-9d %4d   %6.1f s %6.0f MB           %5.1f s %5.0f MB", count, size, estimate.seconds,
          estimate.peakMB, detect.seconds, detect.peakMB))
    }
  }

  /// `rows` rows drawn with replacement from `table`, each feature plus N(0, 0.3²) noise
  /// (two decimals), the label kept.
  static func generate(_ table: CSVTable, rows: Int, label: String, seed: UInt64, to path: String) throws {
    var generator = SplitMix64(seed: seed)
    let features = table.features
    let labels = table.labels ?? []
    var text = ([label] + table.featureNames).joined(separator: ",") + "\n"
    text.reserveCapacity(rows * 90)
    for _ in 0..<rows {
      let row = generator.uniformIndex(below: features.rows)
      var cells = [labels.isEmpty ? "" : labels[row]]
      for column in 0..<features.columns {
        cells.append(String(format: "%.2f", Double(features[row, column]) + 0.3 * generator.standardNormal()))
      }
      text += cells.joined(separator: ",") + "\n"
    }
    try AtomicFile.write(Data(text.utf8), to: path)
  }
}
