import ArgumentParser
import Foundation
import ShiftKit

/// Time and peak memory of reading a table: the all-numeric reader (`CSVTable`) against the
/// mixed-table reader (`MixedTable`, with its schema inference; alone, then with
/// `FeatureEncoder`, whose one-hot features are the model's input) on files of the same number
/// of cells. Each reader runs in a process of its own, so that its peak RSS is
/// its own.
struct ReadingBenchmark: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "reading",
    abstract:
      "Seconds and peak RSS to read rows × 8 cells: numeric reader, mixed reader on the same numbers, mixed reader on a mixed table."
  )

  @Option(help: "Data rows of each generated file.")
  var rows = 1_000_000

  @Option(help: "Directory for the generated files (default: a temporary one, removed afterwards).")
  var directory: String?

  @Option(help: .hidden)
  var measure: String?

  @Option(help: .hidden)
  var file: String?

  func run() throws {
    if let measure, let file {
      try Self.measure(measure, file: file)
      return
    }
    let directory = self.directory ?? NSTemporaryDirectory() + "shift-reading-\(getpid())"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { if self.directory == nil { try? FileManager.default.removeItem(atPath: directory) } }
    let numeric = (directory as NSString).appendingPathComponent("numeric.csv")
    let mixed = (directory as NSString).appendingPathComponent("mixed.csv")
    try Self.generate(rows: rows, mixed: false, to: numeric)
    try Self.generate(rows: rows, mixed: true, to: mixed)
    print("reading \(rows) rows × 8 feature cells + a label (one process per reader)")
    print("reader                              file        read s  encode s  peak RSS  model cells")
    for (reader, file, name) in [
      ("numeric", numeric, "numeric.csv"), ("mixed", numeric, "numeric.csv"), ("read", mixed, "mixed.csv"),
      ("mixed", mixed, "mixed.csv"),
    ] {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
      process.arguments = ["reading", "--measure", reader, "--file", file]
      let pipe = Pipe()
      process.standardOutput = pipe
      try process.run()
      let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      process.waitUntilExit()
      let label =
        reader == "numeric"
        ? "CSVTable (numeric only)" : reader == "read" ? "MixedTable (reading only)" : "MixedTable + FeatureEncoder"
      print(
        label.padding(toLength: 36, withPad: " ", startingAt: 0)
          + name.padding(toLength: 12, withPad: " ", startingAt: 0)
          + output.trimmingCharacters(in: .whitespacesAndNewlines))
    }
  }

  /// Reads `file` with `reader` and prints seconds and peak RSS.
  static func measure(_ reader: String, file: String) throws {
    func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
    let start = DispatchTime.now().uptimeNanoseconds
    var encodeSeconds = 0.0
    let cells: Int
    if reader == "numeric" {
      cells = try CSVTable(contentsOf: file, labelColumn: "y").features.storage.count
    } else if reader == "read" {
      cells = try MixedTable(contentsOf: file, options: SchemaOptions(label: "y")).features.reduce(0) { $0 + $1.count }
    } else {
      let table = try MixedTable(contentsOf: file, options: SchemaOptions(label: "y"))
      let encodeStart = DispatchTime.now().uptimeNanoseconds
      cells = try FeatureEncoder(fittedTo: table).encode(table).features.storage.count
      encodeSeconds = seconds(since: encodeStart)
    }
    let total = seconds(since: start)
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    print(
      String(
        format: "%7.2f  %7.2f  %7.0f MB  %10d", total - encodeSeconds, encodeSeconds, Double(usage.ru_maxrss) / 1024,
        cells))
  }

  /// Writes `rows` rows of 8 feature columns and a label: all numbers, or 4 numbers (5 % missing),
  /// 3 text columns and a boolean.
  static func generate(rows: Int, mixed: Bool, to path: String) throws {
    var generator = SplitMix64(seed: 3)
    let colours = ["red", "green", "blue", "amber", "violet"]
    let channels = (0..<40).map { "Partner\($0)" }
    var text = mixed ? "a,b,c,d,colour,channel,city,flag,y\n" : "a,b,c,d,e,f,g,h,y\n"
    text.reserveCapacity(rows * 60)
    for _ in 0..<rows {
      var cells: [String] = []
      for _ in 0..<(mixed ? 4 : 8) {
        let value = generator.standardNormal()
        cells.append(mixed && generator.uniformUnit() < 0.05 ? "NA" : String(format: "%.4f", value))
      }
      if mixed {
        cells.append(colours[generator.uniformIndex(below: colours.count)])
        cells.append(channels[generator.uniformIndex(below: channels.count)])
        cells.append("city\(generator.uniformIndex(below: 300))")
        cells.append(generator.uniformUnit() < 0.5 ? "True" : "False")
      }
      cells.append(String(generator.uniformIndex(below: 3)))
      text += cells.joined(separator: ",") + "\n"
    }
    try text.write(toFile: path, atomically: true, encoding: .utf8)
  }
}
