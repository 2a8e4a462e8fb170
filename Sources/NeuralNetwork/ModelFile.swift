import Datasets
import Foundation
import LinearAlgebra

/// Saving and loading a ``Classifier`` in a versioned binary format.
///
/// Layout (little-endian):
/// ```
/// "SHIFTMLP"            8 bytes, magic
/// version               UInt32: 1, or 2 for a model trained on a table (see below)
/// header length h       UInt64
/// header                h bytes of JSON: sizes, activation, dropout, classes, feature names,
///                       standardizer, free-form metadata, and (version 2) the table encoding:
///                       the source's schema and the fitted feature encoder
/// parameters            Float32 × Σ(in·out + out): per layer its weights (row-major), then its bias
/// CRC-32                UInt32 of every byte before it
/// ```
/// Loading rejects a foreign file (magic), a newer version, a truncated file and any flipped
/// byte (checksum) with a ``NeuralNetworkError``; saving writes a temporary file beside the
/// target and renames it, so an interrupted save never leaves a half-written model.
public enum ModelFile {
  /// The format version this build writes and the newest it reads.
  public static let currentVersion = 2
  static let magic = Array("SHIFTMLP".utf8)

  struct Header: Codable {
    var sizes: [Int]
    var activation: Activation
    var dropout: Float
    var classes: [String]
    var featureNames: [String]
    var standardizerMean: [Float]
    var standardizerScale: [Float]
    var metadata: [String: String]
    /// Since version 2: the schema and encoder of a model trained on a table.
    var tableEncoding: TableEncoding?
  }

  /// Writes `classifier` to `file` atomically. `metadata` (e.g. the training command) is stored verbatim.
  public static func save(_ classifier: Classifier, to file: String, metadata: [String: String] = [:]) throws {
    let network = classifier.network
    let header = Header(
      sizes: network.sizes, activation: network.activation, dropout: network.dropout.rate,
      classes: classifier.classes.names, featureNames: classifier.featureNames,
      standardizerMean: classifier.standardizer.mean, standardizerScale: classifier.standardizer.scale,
      metadata: metadata, tableEncoding: classifier.tableEncoding)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let json = [UInt8](try encoder.encode(header))
    var bytes = magic
    // Version 1 when there is nothing a version-1 reader would miss.
    append(UInt32(classifier.tableEncoding == nil ? 1 : currentVersion), to: &bytes)
    append(UInt64(json.count), to: &bytes)
    bytes += json
    for layer in network.layers {
      for value in layer.weights.storage { append(value.bitPattern, to: &bytes) }
      for value in layer.bias { append(value.bitPattern, to: &bytes) }
    }
    append(checksum(bytes[...]), to: &bytes)
    try AtomicFile.write(Data(bytes), to: file)
  }

  /// Reads a classifier written by ``save(_:to:metadata:)``, with its metadata.
  public static func load(from file: String) throws -> (classifier: Classifier, metadata: [String: String]) {
    let bytes: [UInt8]
    do {
      bytes = try InputFile.read(file, kind: "model file")
    } catch DatasetError.unreadable(_, let reason) {
      throw NeuralNetworkError.io(file: file, reason: reason)
    }
    return try decode(bytes, file: file)
  }

  /// Decodes model-file `bytes` as if read from `file`.
  public static func decode(_ bytes: [UInt8], file: String) throws -> (
    classifier: Classifier, metadata: [String: String]
  ) {
    let fixedHeader = magic.count + 4 + 8
    guard bytes.count >= magic.count, Array(bytes[0..<magic.count]) == magic else {
      throw NeuralNetworkError.foreignModelFile(file: file)
    }
    guard bytes.count >= fixedHeader else {
      throw NeuralNetworkError.truncatedModelFile(file: file, expectedBytes: fixedHeader, foundBytes: bytes.count)
    }
    let version = Int(read(UInt32.self, from: bytes, at: magic.count))
    guard version >= 1, version <= currentVersion else {
      throw NeuralNetworkError.unsupportedModelVersion(file: file, version: version, supported: currentVersion)
    }
    // Every size read from the file is checked against the bytes present before it is used in
    // arithmetic or an allocation; the parameters are interpreted only after the checksum.
    let headerLength = read(UInt64.self, from: bytes, at: magic.count + 4)
    let headerBytes = Int(clamping: headerLength)
    guard headerBytes <= bytes.count - fixedHeader else {
      let expected = headerBytes > Int.max - fixedHeader - 4 ? Int.max : headerBytes + fixedHeader + 4
      throw NeuralNetworkError.truncatedModelFile(file: file, expectedBytes: expected, foundBytes: bytes.count)
    }
    let headerEnd = fixedHeader + headerBytes
    let header: Header
    do {
      header = try JSONDecoder().decode(Header.self, from: Data(bytes[fixedHeader..<headerEnd]))
    } catch {
      throw NeuralNetworkError.corruptModelFile(file: file, reason: "unreadable header")
    }
    let sizes = header.sizes
    guard sizes.count >= 2, sizes.allSatisfy({ $0 > 0 && $0 < 1 << 24 }), sizes.last == header.classes.count,
      sizes[0] == header.featureNames.count, header.standardizerMean.count == sizes[0],
      header.standardizerScale.count == sizes[0], header.dropout >= 0, header.dropout < 1
    else { throw NeuralNetworkError.corruptModelFile(file: file, reason: "inconsistent header") }
    guard Set(header.classes).count == header.classes.count else {
      throw NeuralNetworkError.corruptModelFile(file: file, reason: "a class name appears twice")
    }
    guard Set(header.featureNames).count == header.featureNames.count else {
      throw NeuralNetworkError.corruptModelFile(file: file, reason: "a feature name appears twice")
    }
    if let encoding = header.tableEncoding {
      do {
        try encoding.validate(file: file)
      } catch DatasetError.invalidEncoding(_, let reason) {
        throw NeuralNetworkError.corruptModelFile(file: file, reason: "table encoding: \(reason)")
      }
      guard encoding.featureNames == header.featureNames else {
        throw NeuralNetworkError.corruptModelFile(
          file: file, reason: "the table encoding's features are not the model's")
      }
    }
    for (inputs, outputs) in zip(sizes, sizes.dropFirst()) {
      let (weights, overflow) = inputs.multipliedReportingOverflow(by: outputs)
      guard !overflow, weights <= MLP.maximumLayerWeights else {
        throw NeuralNetworkError.corruptModelFile(
          file: file, reason: "a layer of \(inputs) × \(outputs) weights, more than \(MLP.maximumLayerWeights)")
      }
    }
    // 4 bytes per parameter (Σ in·out + out) plus the checksum, without overflow.
    var expected = headerEnd + 4
    for (inputs, outputs) in zip(sizes, sizes.dropFirst()) {
      let (layerBytes, o1) = (inputs * outputs + outputs).multipliedReportingOverflow(by: 4)
      let (total, o2) = expected.addingReportingOverflow(layerBytes)
      guard !o1, !o2, total <= bytes.count else {
        throw NeuralNetworkError.truncatedModelFile(
          file: file, expectedBytes: o1 || o2 ? Int.max : total, foundBytes: bytes.count)
      }
      expected = total
    }
    guard bytes.count == expected else {
      throw NeuralNetworkError.corruptModelFile(
        file: file, reason: "\(bytes.count - expected) unexpected trailing bytes")
    }
    guard checksum(bytes[..<(expected - 4)]) == read(UInt32.self, from: bytes, at: expected - 4) else {
      throw NeuralNetworkError.corruptModelFile(file: file, reason: "checksum mismatch")
    }
    var offset = headerEnd
    func floats(_ count: Int) -> [Float] {
      defer { offset += 4 * count }
      return (0..<count).map { Float(bitPattern: read(UInt32.self, from: bytes, at: offset + 4 * $0)) }
    }
    let layers = zip(sizes, sizes.dropFirst()).map { inputs, outputs in
      DenseLayer(
        weights: Matrix(rows: inputs, columns: outputs, storage: floats(inputs * outputs)), bias: floats(outputs))
    }
    guard layers.allSatisfy({ $0.weights.storage.allSatisfy(\.isFinite) && $0.bias.allSatisfy(\.isFinite) }),
      header.standardizerScale.allSatisfy({ $0 != 0 && $0.isFinite }), header.standardizerMean.allSatisfy(\.isFinite)
    else { throw NeuralNetworkError.corruptModelFile(file: file, reason: "non-finite parameters") }
    let network = MLP(layers: layers, activation: header.activation, dropout: Dropout(rate: header.dropout))
    let classifier = Classifier(
      network: network, classes: ClassIndex(orderedNames: header.classes), featureNames: header.featureNames,
      standardizer: Standardizer(mean: header.standardizerMean, scale: header.standardizerScale),
      tableEncoding: header.tableEncoding)
    return (classifier, header.metadata)
  }

  private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
  }

  private static func read<T: FixedWidthInteger>(_: T.Type, from bytes: [UInt8], at offset: Int) -> T {
    (0..<MemoryLayout<T>.size).reduce(T.zero) { $0 | T(bytes[offset + $1]) << (8 * $1) }
  }

  private static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 { crc32Checksum(bytes) }

  /// `bytes` with the last four replaced by the checksum of the rest: a damaged model file that
  /// passes the checksum, so that fuzzing and mutation tests reach the checks after it.
  package static func resealed(_ bytes: [UInt8]) -> [UInt8] {
    guard bytes.count >= 4 else { return bytes }
    var sealed = Array(bytes.dropLast(4))
    append(checksum(sealed[...]), to: &sealed)
    return sealed
  }
}
