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
  /// be among `classes`, when given). IDX files larger than ``IDXFile/defaultPayloadLimit`` are
  /// read only with `force`.
  func load(fashionMNIST split: FashionMNIST.Split, classes: ClassIndex? = nil, force: Bool = false) throws -> Dataset {
    if isFashionMNIST {
      do {
        return try FashionMNIST.load(
          split, directory: dataDir, payloadLimit: force ? .max : IDXFile.defaultPayloadLimit)
      } catch let error as DatasetError {
        guard case .tooLarge = error, !force else { throw error }
        throw CLIFailure(message: "\(error); pass --force to read it anyway")
      }
    }
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

  /// Writes a progress line to stderr: updated in place on a terminal, one line per call
  /// otherwise; a `transient` line (a count that goes up) is shown on a terminal only.
  func progress(_ text: String, transient: Bool = false) {
    guard !quiet, !transient || isatty(STDERR_FILENO) != 0 else { return }
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
  @Option(parsing: .unconditional, help: "BLAS threads, 1…256 (default: OpenBLAS's choice, one per core).")
  var threads: Int?

  func validate() throws {
    if let threads { try checkRange(threads, 1...256, option: "--threads") }
  }

  func apply() {
    if let threads { BLASKernel.threadCount = threads }
  }
}

/// The sizes a command runs without `--force`: beyond them a typo (an extra zero) would run for
/// hours or take the machine's memory, so they need saying twice.
enum ResourceLimits {
  /// Training epochs.
  static let epochs = 10_000
  /// Units in one hidden layer.
  static let hiddenUnits = 16_384
  /// Hidden layers.
  static let hiddenLayers = 16
  /// Bootstrap replicates.
  static let bootstrapReplicates = 10_000
  /// Rows of a simulated target or source.
  static let simulatedRows = 10_000_000
  /// Rows kept in a source reference.
  static let referenceRows = 1_000_000
  /// The share of this machine's memory a run may be estimated to need.
  static let memoryShare = 0.5

  /// This machine's memory, in bytes.
  static var physicalMemory: Double { Double(ProcessInfo.processInfo.physicalMemory) }

  /// Throws unless `force` when a run estimated to need `bytes` would take more than
  /// ``memoryShare`` of the memory; with `force`, warns.
  static func checkMemory(_ bytes: Double, for what: String, force: Bool, output: OutputOptions) throws {
    guard bytes > memoryShare * physicalMemory else { return }
    let estimate = String(
      format: "%@ would need about %.1f GB of memory, more than %.0f %% of this machine's %.1f GB", what, bytes / 1e9,
      memoryShare * 100, physicalMemory / 1e9)
    guard force else { throw CLIFailure(message: estimate + "; pass --force to run it anyway") }
    output.warn(estimate + " (running anyway: --force)")
  }

  /// Bytes to train an MLP of `sizes` with Adam on `rows` rows in batches of `batch`: the
  /// parameters five times (weights, gradients, two moments, the early-stopping copy), each
  /// layer's activations four times per batch row, and the data three times (raw, standardised,
  /// split), all Float32.
  static func trainingBytes(sizes: [Int], rows: Int, batch: Int) -> Double {
    // In Double throughout: with --force the sizes may be near Int.max.
    let parameters = zip(sizes, sizes.dropFirst()).reduce(0.0) { $0 + (Double($1.0) + 1) * Double($1.1) }
    let activations = sizes.dropFirst().reduce(0.0) { $0 + Double($1) } * Double(min(batch, rows))
    return 4 * (5 * parameters + 4 * activations + 3 * Double(rows) * Double(sizes.first ?? 0))
  }
}

/// Flags shared by commands with resource limits.
struct LimitOptions: ParsableArguments {
  @Flag(
    help: "Run past the limits stated with each option, and past a memory estimate above half of this machine's memory."
  )
  var force = false

  /// Throws a usage error naming `option` unless `value` is at most `limit` or `--force` is given.
  func check(_ value: Int, atMost limit: Int, option: String) throws {
    guard force || value <= limit else {
      throw ValidationError("\(option) \(value) is more than \(limit); pass --force if you mean it")
    }
  }
}

/// Throws a usage error naming `option` unless `value` lies in `range`.
func checkRange<T: Comparable>(_ value: T, _ range: ClosedRange<T>, option: String) throws {
  guard range.contains(value) else {
    throw ValidationError("\(option) must be in \(range.lowerBound)…\(range.upperBound), got \(value)")
  }
}

/// Throws a usage error when an output would replace an input: the same path, a symbolic link to
/// it or a hard link (an output that does not exist yet cannot be an input).
func checkOutputs(_ outputs: [(option: String, path: String)], spare inputs: [(option: String, path: String)]) throws {
  func identity(_ path: String) -> String? {
    // Symbolic links are followed, and the file a path names is compared with the files read.
    // (Writing replaces a link rather than writing through it; refusing it anyway keeps the
    // rule simple: no output is an input.)
    let resolved = (path as NSString).resolvingSymlinksInPath
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: resolved),
      let device = attributes[.systemNumber], let inode = attributes[.systemFileNumber]
    else { return nil }
    return "\(device):\(inode)"
  }
  let inputIdentities = inputs.compactMap { input in identity(input.path).map { (input, $0) } }
  for output in outputs {
    guard let outputIdentity = identity(output.path) else { continue }
    if let (input, _) = inputIdentities.first(where: { $0.1 == outputIdentity }) {
      throw ValidationError("\(output.option) \(output.path) is the \(input.option) input: it would be overwritten")
    }
  }
}

/// The files a report and its charts (named `<report name>-<chart>.svg` beside it) may write.
func reportOutputs(
  _ report: String, option: String,
  charts names: [String] = ["priors", "weights", "f1", "calibration", "confusion-before", "confusion-after"]
) -> [(option: String, path: String)] {
  let directory = (report as NSString).deletingLastPathComponent
  let stem = ((report as NSString).lastPathComponent as NSString).deletingPathExtension
  let charts = names.map {
    (option: option, path: (directory as NSString).appendingPathComponent("\(stem)-\($0).svg"))
  }
  return [(option, report)] + charts
}

/// Throws a usage error, before any work, when `path` could not be written: its directory does
/// not exist or is not writable, or `path` is itself a directory.
func checkWritableDirectory(of path: String, option: String) throws {
  let directory = (path as NSString).deletingLastPathComponent
  var isDirectory: ObjCBool = false
  if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
    throw ValidationError("\(option) \(path) is a directory: name a file")
  }
  if !directory.isEmpty,
    !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) || !isDirectory.boolValue
  {
    throw ValidationError("\(option) \(path): directory \(directory) does not exist")
  }
  guard access(directory.isEmpty ? "." : directory, W_OK) == 0 else {
    throw ValidationError("\(option) \(path): directory \(directory.isEmpty ? "." : directory) is not writable")
  }
}

/// The CSV file `path` with its feature columns matched by name to `names` (the columns of
/// `reference`, a source file or model); its `label` column, when present, is kept as labels.
func readTable(_ path: String, label: String?, alignedTo names: [String], reference: String) throws -> CSVTable {
  try CSVTable(contentsOf: path, labelColumn: label, labelRequired: false).aligned(to: names, reference: reference)
}

/// Writes the report and its charts, and the command's `others` outputs, as one
/// (``AtomicFile/write(_:creatingDirectory:removing:)``): all of them or, on failure, none; the
/// report's directory is created if missing. The files of `stale` not written this time (a
/// chart an earlier run drew) are removed.
func writeReport(
  _ markdown: String, charts: [MarkdownReport.Chart], to path: String, removing stale: [String] = [],
  alongWith others: [(path: String, data: Data)] = []
) throws {
  let directory = (path as NSString).deletingLastPathComponent
  let files = charts.map { ((directory as NSString).appendingPathComponent($0.file), Data($0.svg.utf8)) }
  try AtomicFile.write(
    others + files + [(path, Data(markdown.utf8))], creatingDirectory: directory.isEmpty ? nil : directory,
    removing: stale)
}

/// The command line that reproduces this run, as `shiftcli …` (with the seed spelled out).
func reproducingCommand(seed: UInt64) -> String {
  let arguments = Array(ShiftCLI.commandLine.dropFirst())
  return (["shiftcli"] + arguments + (arguments.contains("--seed") ? [] : ["--seed", String(seed)])).joined(
    separator: " ")
}

/// The labelled CSV `file` read and encoded as a model's training data was (`encoding`), its
/// labels in `label` among `classes`, with the cells of levels the training data never had.
func readLabelled(_ file: String, label: String, encoding: TableEncoding, classes: ClassIndex) throws -> (
  Dataset, [EncodedFeatures.Unseen]
) {
  let schema = try encoding.schema.relabelled(label, file: file)
  let table = try MixedTable(contentsOf: file, schema: schema, labelRequired: true)
  return try TableEncoding(schema: schema, encoder: encoding.encoder).dataset(table, classes: classes)
}

extension EncodedFeatures.Unseen {
  /// A warning line: how many rows of `file` have levels the source never had, and which.
  func warning(file: String) -> String {
    let shown = levels.prefix(5).map { "'\($0)'" }.joined(separator: ", ") + (levels.count > 5 ? ", …" : "")
    return "\(file): column '\(column)': \(rows) row\(rows == 1 ? "" : "s") with levels the source never had (\(shown))"
  }
}
