import ArgumentParser
import Foundation
import ShiftKit

/// A subcommand whose work is one function from its parsed options to what it prints on stdout,
/// so that tests run it in-process and read its output.
protocol ShiftCommand: ParsableCommand {
  /// Does the command's work (reads its inputs, calls the library, writes its files) and
  /// returns the text for stdout: a human summary, or one JSON object with `--json`.
  func execute() throws -> String
}

/// Where the data comes from: Fashion-MNIST from its IDX files, or a CSV file with a label column.
struct DataOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "'fashion-mnist', or the path of a CSV file with a header row (then --label is required).",
      valueName: "fashion-mnist|FILE.csv"))
  var data: String = "fashion-mnist"

  @Option(help: "Directory of the Fashion-MNIST .gz files (Debian package dataset-fashion-mnist).")
  var dataDir: String = FashionMNIST.defaultDirectory

  @Option(help: "Name of the label column of a CSV file (labels may be numbers or strings).")
  var label: String?

  var isFashionMNIST: Bool { data.lowercased() == "fashion-mnist" }

  func validate() throws {
    if !isFashionMNIST && label == nil {
      throw ValidationError("--data \(data) is a CSV file: name its label column with --label COLUMN")
    }
  }

  /// The labelled data: Fashion-MNIST's `split`, or the whole CSV file (whose labels must then
  /// be among `classes`, when given).
  func load(fashionMNIST split: FashionMNIST.Split, classes: ClassIndex? = nil) throws -> Dataset {
    if isFashionMNIST { return try FashionMNIST.load(split, directory: dataDir) }
    guard let label else {
      throw CLIFailure(message: "--data \(data) is a CSV file: name its label column with --label")
    }
    return try Dataset(csvFile: data, labelColumn: label, classes: classes)
  }

  /// The label column's name in files written from the data (`label` for Fashion-MNIST).
  var labelColumn: String { label ?? "label" }
}

/// The seed of every random choice a command makes.
struct SeedOptions: ParsableArguments {
  @Option(help: "Seed of every random choice (splits, initial weights, folds, simulated shifts, the bootstrap).")
  var seed: UInt64 = 1

  /// A generator whose whole output is determined by the seed.
  var generator: SplitMix64 { SplitMix64(seed: seed) }
}

/// Output switches shared by every subcommand.
struct OutputOptions: ParsableArguments {
  @Flag(help: "Print one JSON object on stdout instead of a human summary.")
  var json = false

  @Flag(help: "No progress lines on stderr.")
  var quiet = false

  /// Writes a progress line to stderr: updated in place on a terminal, one line per call otherwise.
  func progress(_ text: String) {
    guard !quiet else { return }
    let line = isatty(STDERR_FILENO) != 0 ? "\r\u{1B}[K" + text : text + "\n"
    FileHandle.standardError.write(Data(line.utf8))
  }

  /// Ends an in-place progress line on a terminal.
  func endProgress() {
    guard !quiet, isatty(STDERR_FILENO) != 0 else { return }
    FileHandle.standardError.write(Data("\n".utf8))
  }

  /// Writes a warning line to stderr (even with `--quiet`).
  func warn(_ text: String) {
    FileHandle.standardError.write(Data("warning: \(text)\n".utf8))
  }

  /// `value` as one JSON object (keys sorted; non-finite numbers as "inf", "-inf", "nan").
  func jsonText(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return String(decoding: try encoder.encode(value), as: UTF8.self)
  }

  /// `value` as JSON with `--json`, else the human summary.
  func render(_ value: some Encodable, human: () -> String) throws -> String {
    json ? try jsonText(value) : human()
  }
}

/// BLAS threading.
struct ThreadOptions: ParsableArguments {
  @Option(help: "BLAS threads (default: OpenBLAS's choice, one per core).")
  var threads: Int?

  func validate() throws {
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
  }

  func apply() {
    if let threads { BLASKernel.threadCount = threads }
  }
}

/// Throws a usage error when the directory `path` would be written into does not exist.
func checkWritableDirectory(of path: String, option: String) throws {
  let directory = (path as NSString).deletingLastPathComponent
  var isDirectory: ObjCBool = false
  if !directory.isEmpty,
    !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) || !isDirectory.boolValue
  {
    throw ValidationError("\(option) \(path): directory \(directory) does not exist")
  }
}

/// The CSV file `path` with its feature columns matched by name to `names` (the columns of
/// `reference`, a source file or model); its `label` column, when present, is kept as labels.
func readTable(_ path: String, label: String?, alignedTo names: [String], reference: String) throws -> CSVTable {
  try CSVTable(contentsOf: path, labelColumn: label, labelRequired: false).aligned(to: names, reference: reference)
}

/// Writes the charts, then the report (each atomically), so a report never links a missing chart.
func writeReport(_ markdown: String, charts: [MarkdownReport.Chart], to path: String) throws {
  let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
  for chart in charts {
    try AtomicFile.write(chart.svg, to: directory.appendingPathComponent(chart.file).path)
  }
  try AtomicFile.write(markdown, to: path)
}

/// The command line that reproduces this run, as `shiftcli …` (with the seed spelled out).
func reproducingCommand(seed: UInt64) -> String {
  let arguments = Array(ShiftCLI.commandLine.dropFirst())
  return (["shiftcli"] + arguments + (arguments.contains("--seed") ? [] : ["--seed", String(seed)])).joined(
    separator: " ")
}
