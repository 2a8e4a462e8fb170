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

  @Option(
    help:
      "Runs of each tool per size, alternating; the fastest of each is printed (a shared machine's noise only slows a run down)."
  )
  var runs = 2

  func validate() throws {
    guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
  }

  /// The fastest of `runs` runs of each command, run alternately (each peak RSS the largest).
  func fastest(_ commands: [(executable: String, arguments: [String])]) throws -> [(seconds: Double, peakMB: Double)] {
    var best = [(seconds: Double, peakMB: Double)](repeating: (.infinity, 0), count: commands.count)
    for _ in 0..<runs {
      for (index, command) in commands.enumerated() {
        let run = try MonitoringScaleBenchmark.measure(command.executable, command.arguments)
        best[index] = (min(best[index].seconds, run.seconds), max(best[index].peakMB, run.peakMB))
      }
    }
    return best
  }

  func run() throws {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let reference = "\(directory)/reference.csv"
    let saved = "\(directory)/reference.json"
    try ProductionTable.write(rows: 20_000, seed: 1, to: reference)
    _ = try MonitoringScaleBenchmark.measure(
      shiftcli,
      [
        "detect", "--source", reference, "--target", reference, "--label", "y_true", "--probabilities", "p_0,p_1,p_2",
        "--ignore", "id,timestamp", "--save-reference", saved, "--quiet",
      ])
    print(
      "20 columns: an id, a timestamp, 8 numbers (5 % missing), 4 text columns, a boolean, 3 class probabilities, a predicted class, a label"
    )
    print(
      "rows        MB   shiftcli profile (1 core)          pandas read_csv + counts        (fastest of \(runs) runs each)"
    )
    for count in rows {
      let file = "\(directory)/data-\(count).csv"
      try ProductionTable.write(rows: count, seed: 2, to: file)
      let size = ((try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0) / 1_000_000
      var commands: [(executable: String, arguments: [String])] = [
        (
          "/usr/bin/env",
          [
            "OPENBLAS_NUM_THREADS=1", shiftcli, "profile", "--reference", saved, "--data", file, "--out",
            "\(directory)/data-\(count).profile.json", "--quiet",
          ]
        )
      ]
      if !peerPython.isEmpty {
        commands.append(
          (
            peerPython,
            [
              "Benchmarks/pandas_profile_peer.py", "--probabilities", "p_0,p_1,p_2", "--ignore", "id,timestamp,y_true",
              file,
            ]
          ))
      }
      let measured = try fastest(commands)
      let ours = measured[0]
      var line = String(
        format: "%-10d %4d   %6.1f s %9.0f rows/s %5.0f MB", count, size, ours.seconds, Double(count) / ours.seconds,
        ours.peakMB)
      if measured.count > 1 {
        let peer = measured[1]
        line += String(
          format: "   %6.1f s %9.0f rows/s %5.0f MB  (ours %.1f× faster)", peer.seconds, Double(count) / peer.seconds,
          peer.peakMB, peer.seconds / ours.seconds)
      }
      print(line)
      try? FileManager.default.removeItem(atPath: file)
    }
  }
}
