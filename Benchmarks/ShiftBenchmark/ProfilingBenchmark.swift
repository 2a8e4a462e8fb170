import ArgumentParser
import Foundation
import ShiftKit

/// `shiftcli profile` on generated mixed tables of growing length, one core, in rows/s and peak
/// RSS, beside pandas reading the same CSV and computing the same counts.
struct ProfilingBenchmark: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "profiling",
    abstract:
      "Rows/s and peak RSS of `shiftcli profile` on generated 20-column mixed tables with a model's probability columns (1 000 000 and 10 000 000 rows by default), beside pandas.read_csv and the same counts."
  )

  @Option(parsing: .upToNextOption, help: "Table sizes in rows.")
  var rows: [Int] = [1_000_000, 10_000_000]

  @Option(help: "The shiftcli binary.")
  var shiftcli = ".build/release/shiftcli"

  @Option(help: "Python with pandas for the peer (empty: no peer).")
  var peerPython = "Benchmarks/.venv-nannyml/bin/python"

  @Option(help: "Directory for the generated files.")
  var directory = "/tmp/shift-profiling"

  func run() throws {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let reference = "\(directory)/reference.csv"
    let saved = "\(directory)/reference.json"
    try Self.generate(rows: 20_000, seed: 1, to: reference)
    _ = try MonitoringScaleBenchmark.measure(
      shiftcli,
      [
        "detect", "--source", reference, "--target", reference, "--label", "y_true", "--probabilities", "p_0,p_1,p_2",
        "--ignore", "id,timestamp", "--save-reference", saved, "--quiet",
      ])
    print(
      "20 columns: an id, a timestamp, 8 numbers (5 % missing), 4 text columns, a boolean, 3 class probabilities, a predicted class, a label"
    )
    print("rows        MB   shiftcli profile (1 core)          pandas read_csv + counts")
    for count in rows {
      let file = "\(directory)/data-\(count).csv"
      try Self.generate(rows: count, seed: 2, to: file)
      let size = ((try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0) / 1_000_000
      let ours = try MonitoringScaleBenchmark.measure(
        "/usr/bin/env",
        [
          "OPENBLAS_NUM_THREADS=1", shiftcli, "profile", "--reference", saved, "--data", file, "--out",
          "\(directory)/data-\(count).profile.json", "--quiet",
        ])
      var line = String(
        format: "%-10d %4d   %6.1f s %9.0f rows/s %5.0f MB", count, size, ours.seconds, Double(count) / ours.seconds,
        ours.peakMB)
      if !peerPython.isEmpty {
        let peer = try MonitoringScaleBenchmark.measure(
          peerPython,
          [
            "Benchmarks/pandas_profile_peer.py", "--probabilities", "p_0,p_1,p_2", "--ignore", "id,timestamp,y_true",
            file,
          ])
        line += String(
          format: "   %6.1f s %9.0f rows/s %5.0f MB  (ours %.1f× faster)", peer.seconds, Double(count) / peer.seconds,
          peer.peakMB, peer.seconds / ours.seconds)
      }
      print(line)
      try? FileManager.default.removeItem(atPath: file)
    }
  }

  /// A production model's table of 20 columns: its three class probabilities a softmax of the
  /// features, its label drawn from them.
  static func generate(rows: Int, seed: UInt64, to path: String) throws {
    var generator = SplitMix64(seed: seed)
    let colours = ["red", "green", "blue", "amber", "violet"]
    let segments = ["retail", "business", "public"]
    guard
      let handle = FileHandle(forWritingAtPath: path)
        ?? {
          FileManager.default.createFile(atPath: path, contents: nil)
          return FileHandle(forWritingAtPath: path)
        }()
    else { throw ValidationError("cannot write \(path)") }
    defer { try? handle.close() }
    try handle.truncate(atOffset: 0)
    var text = "id,timestamp,a,b,c,d,e,f,g,h,colour,channel,city,segment,flag,p_0,p_1,p_2,y_pred,y_true\n"
    text.reserveCapacity(1 << 22)
    for row in 0..<rows {
      var cells = [String(row), String(format: "2024-%02d-%02dT12:00:00Z", 1 + (row / 100_000) % 12, 1 + row % 28)]
      var numbers: [Double] = []
      for _ in 0..<8 {
        let value = generator.standardNormal()
        numbers.append(value)
        cells.append(generator.uniformUnit() < 0.05 ? "NA" : String(format: "%.4f", value))
      }
      let channel = generator.uniformIndex(below: 40)
      cells.append(colours[generator.uniformIndex(below: colours.count)])
      cells.append("Partner\(channel)")
      cells.append("city\(generator.uniformIndex(below: 300))")
      cells.append(segments[generator.uniformIndex(below: segments.count)])
      let flag = generator.uniformUnit() < 0.5
      cells.append(flag ? "True" : "False")
      let scores = [numbers[0] + (flag ? 0.5 : 0), numbers[1] - 0.5 * numbers[2], channel < 5 ? 1.0 : 0]
      let largest = scores.max() ?? 0
      let exponentials = scores.map { exp($0 - largest) }
      let total = exponentials.reduce(0, +)
      let probabilities = exponentials.map { $0 / total }
      cells += probabilities.map { String(format: "%.5f", $0) }
      let predicted = probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? 0
      let u = generator.uniformUnit()
      cells += [
        String(predicted), String(u < probabilities[0] ? 0 : (u < probabilities[0] + probabilities[1] ? 1 : 2)),
      ]
      text += cells.joined(separator: ",") + "\n"
      if text.utf8.count > 1 << 22 {
        try handle.write(contentsOf: Data(text.utf8))
        text.removeAll(keepingCapacity: true)
      }
    }
    try handle.write(contentsOf: Data(text.utf8))
  }
}
