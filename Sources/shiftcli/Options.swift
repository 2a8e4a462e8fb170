import ArgumentParser
import Foundation
import ShiftKit

/// Where the data comes from: Fashion-MNIST from its IDX files, or a CSV file with a label column.
struct DataOptions: ParsableArguments {
  @Option(help: ArgumentHelp(
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

  /// Prints `value` as one JSON object on stdout.
  func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
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

extension Activation: ExpressibleByArgument {}
extension LabelShiftMethod: ExpressibleByArgument {}

/// Throws a usage error when the directory `path` would be written into does not exist.
func checkWritableDirectory(of path: String, option: String) throws {
  let directory = (path as NSString).deletingLastPathComponent
  var isDirectory: ObjCBool = false
  if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) || !isDirectory.boolValue {
    throw ValidationError("\(option) \(path): directory \(directory) does not exist")
  }
}
