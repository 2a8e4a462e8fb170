import Datasets
import Foundation
import LinearAlgebra
import NeuralNetwork
import Notebooks
import ShiftDetection
import ShiftWorkflow

/// The readers of untrusted bytes, each a target for the fuzzer: whatever the bytes, a reader
/// either returns a value or throws; it never traps, hangs or allocates without bound.
public enum FuzzTarget: String, CaseIterable, Sendable {
  /// `CSVTable` (first column as the label) and the labelled `Dataset` built from it; `MixedTable`
  /// inferring a schema from the first half of the bytes, then reading and encoding the whole with it,
  /// and the column-wise drift tests between the two.
  case csv
  /// `IDXFile` on the bytes, gzip'd or plain (the payload limited to 16 MiB).
  case idx
  /// `ModelFile.decode` of the bytes as they are and resealed (``ModelFile/resealed(_:)``),
  /// then the decoded classifier on one row of zeros.
  case model
  /// `SourceReference.decode`, then its sample as a matrix.
  case reference
  /// `ShiftProfile.decode`, then the profile merged with itself (every count doubled: the
  /// overflow checks) and its sketches and samples read.
  case profile
  /// The notebook format: parse and render; rendering normalises (fences, blank lines before an
  /// output block), so its text must parse again and render to itself.
  case notebook

  /// Runs the target on `bytes`, swallowing the errors it is allowed to throw.
  public func run(_ bytes: [UInt8]) {
    switch self {
    case .csv:
      let label = String(decoding: bytes.prefix { $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
      let whole = Result { try CSVTable(bytes: bytes, file: "fuzz.csv", labelColumn: label, labelRequired: false) }
      if case .success(let table) = whole, table.labels != nil {
        _ = try? Dataset(table: table)
      }
      // Streamed in small blocks (2 to 17 bytes), the same table or the same error.
      let blockSize = 2 + Int(bytes.last ?? 0) % 16
      let streamed = Result {
        try CSVTable(
          stream: ByteStream(bytes: bytes, file: "fuzz.csv", blockSize: blockSize), labelColumn: label,
          labelRequired: false)
      }
      switch (whole, streamed) {
      case (.success(let a), .success(let b)):
        precondition(
          a.features.storage.map(\.bitPattern) == b.features.storage.map(\.bitPattern) && a.labels == b.labels
            && a.rowLines == b.rowLines && a.featureNames == b.featureNames,
          "a table streamed in \(blockSize)-byte blocks differs")
      case (.failure(let a), .failure(let b)):
        precondition("\(a)" == "\(b)", "streamed in \(blockSize)-byte blocks: \(b), not \(a)")
      default:
        preconditionFailure("streaming in \(blockSize)-byte blocks changes whether the table reads")
      }
      // The mixed-table reader: inference, encoding, and a second read with the inferred schema
      // (the first half of the bytes read as a source, the whole as a later file).
      // Then both tables' cells, the cells recovered from the source's features, and the
      // column-wise drift tests between them.
      var options = SchemaOptions(label: label, labelRequired: false)
      options.dropUnlabelled = bytes.count % 2 == 1
      if let source = try? MixedTable(bytes: Array(bytes.prefix(bytes.count / 2)), file: "fuzz.csv", options: options) {
        let encoding = TableEncoding(fittedTo: source)
        if let later = try? MixedTable(bytes: bytes, file: "fuzz.csv", schema: encoding.schema),
          let sourceCells = try? encoding.cells(of: source), let laterCells = try? encoding.cells(of: later)
        {
          _ = try? encoding.encoder.encode(later)
          _ = try? encoding.cells(ofEncoded: encoding.encoder.expand(sourceCells.cells))
          _ = try? ShiftDetector().columnTests(source: sourceCells, target: laterCells)
        }
      }
    case .idx:
      _ = try? IDXFile(bytes: bytes, file: "fuzz.idx", payloadLimit: 1 << 24)
    case .model:
      // As they are, and resealed: most damage is caught by the checksum, and the checks after
      // it (sizes, names, finiteness) are reached only by bytes that pass it.
      for candidate in [bytes, ModelFile.resealed(bytes)] {
        if let (classifier, _) = try? ModelFile.decode(candidate, file: "fuzz.model") {
          _ = try? classifier.probabilities(for: Matrix(rows: 1, columns: classifier.featureNames.count))
        }
      }
    case .reference:
      if let reference = try? SourceReference.decode(Data(bytes), file: "fuzz.json") { _ = reference.sampleMatrix }
    case .profile:
      if let profile = try? ShiftProfile.decode(Data(bytes), file: "fuzz.json") {
        _ = try? profile.merged(with: profile)
        _ = profile.target.sample.orderedRows()
        for case .numeric(let sketch) in profile.target.columns {
          _ = sketch.quantile(0.5)
          _ = sketch.rankErrorBound
        }
        _ = profile.predictions?.sampledLogits
      }
    case .notebook:
      let text = String(decoding: bytes, as: UTF8.self)
      if let notebook = try? Notebook(parsing: text, file: "fuzz.md") {
        let rendered = notebook.render()
        guard let again = try? Notebook(parsing: rendered, file: "fuzz.md") else {
          preconditionFailure("a rendered notebook does not parse")
        }
        precondition(again.render() == rendered, "rendering a rendered notebook changes it")
      }
    }
  }

  /// The target named by the environment variable `SHIFT_FUZZ_TARGET` (for the fuzzer, which
  /// takes no arguments of ours).
  public static var fromEnvironment: FuzzTarget {
    guard let name = ProcessInfo.processInfo.environment["SHIFT_FUZZ_TARGET"], let target = FuzzTarget(rawValue: name)
    else {
      fatalError("set SHIFT_FUZZ_TARGET to one of \(allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return target
  }
}
