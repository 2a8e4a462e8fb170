import ArgumentParser
import Foundation
import ShiftKit

/// `shiftcli monitor` on a large analysis file with a model's probability columns: rows per
/// second and peak memory, beside NannyML's CBPE on the same files.
struct MonitoringScaleBenchmark: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "monitoring-scale",
    abstract:
      "Seconds, rows/s and peak RSS of `shiftcli monitor` on a generated mixed table (1 000 000 analysis rows in chunks of 10 000 by default), beside NannyML's CBPE on the same files."
  )

  @Option(help: "Analysis rows.")
  var rows = 1_000_000

  @Option(help: "Reference rows.")
  var referenceRows = 20_000

  @Option(help: "Rows per chunk.")
  var chunkSize = 10_000

  @Option(help: "The shiftcli binary.")
  var shiftcli = ".build/release/shiftcli"

  @Option(help: "Python with NannyML for the peer (empty: no peer).")
  var peerPython = "Benchmarks/.venv-nannyml/bin/python"

  @Option(help: "Directory for the generated files.")
  var directory = "/tmp/shift-monitoring-scale"

  func run() throws {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let reference = "\(directory)/reference.csv"
    let analysis = "\(directory)/analysis.csv"
    log("writing \(referenceRows) reference and \(rows) analysis rows…")
    try Self.generate(rows: referenceRows, shifted: false, seed: 1, to: reference)
    try Self.generate(rows: rows, shifted: true, seed: 2, to: analysis)
    let size = (try FileManager.default.attributesOfItem(atPath: analysis)[.size] as? Int) ?? 0
    print(
      "monitoring \(rows) analysis rows (\(size / 1_000_000) MB: 4 numbers with 5 % missing, 3 text columns, a boolean, a timestamp, an id, 3 class probabilities, a predicted class) against \(referenceRows) reference rows, chunks of \(chunkSize)"
    )
    print("tool".padding(toLength: 34, withPad: " ", startingAt: 0) + "seconds   rows/s      peak RSS")
    let ours = try Self.measure(
      shiftcli,
      [
        "monitor", "--reference", reference, "--analysis", analysis, "--label", "y_true", "--probabilities",
        "p_0,p_1,p_2", "--prediction", "y_pred", "--ignore", "id", "--chunk-size", String(chunkSize), "--out",
        "\(directory)/chunks.csv", "--quiet",
      ])
    print(line("shiftcli monitor", ours))
    if !peerPython.isEmpty {
      // The peer reads the same files (it leaves out the feature columns CBPE does not use).
      let peer = try Self.measure(
        peerPython, ["Benchmarks/nannyml_peer.py", "--chunk-size", String(chunkSize), directory])
      print(line("NannyML CBPE (accuracy only)", peer))
    }
  }

  func line(_ name: String, _ measured: (seconds: Double, peakMB: Double)) -> String {
    name.padding(toLength: 34, withPad: " ", startingAt: 0)
      + String(format: "%7.1f  %9.0f  %8.0f MB", measured.seconds, Double(rows) / measured.seconds, measured.peakMB)
  }

  /// Runs `executable` with `arguments` (output discarded) under `/usr/bin/time`: wall seconds
  /// and its own peak RSS.
  static func measure(_ executable: String, _ arguments: [String]) throws -> (seconds: Double, peakMB: Double) {
    let process = Process()
    let report = FileManager.default.temporaryDirectory.appendingPathComponent("peak-\(UUID()).txt").path
    defer { try? FileManager.default.removeItem(atPath: report) }
    process.executableURL = URL(fileURLWithPath: "/usr/bin/time")
    process.arguments = ["-f", "%M", "-o", report, executable] + arguments
    process.standardOutput = FileHandle.nullDevice
    let start = DispatchTime.now().uptimeNanoseconds
    try process.run()
    process.waitUntilExit()
    let elapsed = seconds(since: start)
    guard process.terminationStatus == 0 else {
      throw ValidationError("\(executable) failed with exit status \(process.terminationStatus)")
    }
    let kilobytes =
      (try? String(contentsOfFile: report, encoding: .utf8))
      .flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? .nan
    return (elapsed, kilobytes / 1024)
  }

  /// A production model's table: its three class probabilities are a softmax of the features,
  /// its label drawn from them (calibrated by construction); `shifted` moves the channel mix.
  static func generate(rows: Int, shifted: Bool, seed: UInt64, to path: String) throws {
    var generator = SplitMix64(seed: seed)
    let colours = ["red", "green", "blue", "amber", "violet"]
    let channels = (0..<40).map { "Partner\($0)" }
    var text = "id,timestamp,a,b,c,d,colour,channel,city,flag,p_0,p_1,p_2,y_pred,y_true\n"
    text.reserveCapacity(rows * 110)
    for row in 0..<rows {
      var cells = [String(row), String(format: "2024-%02d-%02dT12:00:00Z", 1 + (row / 100_000) % 12, 1 + row % 28)]
      var numbers: [Double] = []
      for _ in 0..<4 {
        let value = generator.standardNormal()
        numbers.append(value)
        cells.append(generator.uniformUnit() < 0.05 ? "NA" : String(format: "%.4f", value))
      }
      let channel =
        shifted && generator.uniformUnit() < 0.3 ? generator.uniformIndex(below: 5) : generator.uniformIndex(below: 40)
      cells.append(colours[generator.uniformIndex(below: colours.count)])
      cells.append(channels[channel])
      cells.append("city\(generator.uniformIndex(below: 300))")
      let flag = generator.uniformUnit() < 0.5
      cells.append(flag ? "True" : "False")
      let scores = [
        numbers[0] + (flag ? 0.5 : 0), numbers[1] - 0.5 * numbers[2], channel < 5 ? 1.0 : 0,
      ]
      let largest = scores.max() ?? 0
      let exponentials = scores.map { exp($0 - largest) }
      let total = exponentials.reduce(0, +)
      let probabilities = exponentials.map { $0 / total }
      cells += probabilities.map { String(format: "%.5f", $0) }
      let predicted = probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? 0
      let u = generator.uniformUnit()
      let label = u < probabilities[0] ? 0 : (u < probabilities[0] + probabilities[1] ? 1 : 2)
      cells += [String(predicted), String(label)]
      text += cells.joined(separator: ",") + "\n"
    }
    try AtomicFile.write(Data(text.utf8), to: path)
  }
}
