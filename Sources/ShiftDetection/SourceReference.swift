import Datasets
import Foundation
import LinearAlgebra
import Summaries

/// What shift detection needs to know about a source, saved once and reused for many targets so
/// a large source is not re-read: the feature names, the source's size, a seeded random sample
/// of its rows (all of them when the source is small), how its columns were encoded, and a
/// model's outputs on the sampled rows when they were given. Two-sample tests against a sample
/// of n rows lose little power once n is several times the target's size.
public struct SourceReference: Sendable, Codable, Equatable {
  /// The file format's version: 3 since the sample is packed (``Summaries/PackedNumbers``);
  /// versions 1 and 2 (rows of JSON numbers) are still read, into this form.
  public var version = 3
  /// Where the reference was made from.
  public var source: String
  /// The source's feature columns, in order.
  public var featureNames: [String]
  /// Rows in the full source.
  public var sourceRows: Int
  /// The sampled rows, row-major (encoded features for a table with an encoding).
  public var sample: [[Float]]
  /// Since version 2: how the source table's columns became the features (its schema and
  /// encoder), so targets are read and encoded as the source was.
  public var tableEncoding: TableEncoding?

  /// Since version 2, optional: the user's model's outputs on the sampled rows, so later
  /// targets' outputs (the same columns) are compared with them.
  public var modelOutputs: ModelOutputSample?

  /// A model's outputs on a reference's sampled rows.
  public struct ModelOutputSample: Sendable, Codable, Equatable {
    /// The classes, in class order.
    public var classNames: [String]
    /// The probability columns of the files, one per class in class order (one column, the
    /// positive class's, for a binary model given by its positive probability).
    public var probabilityColumns: [String]
    /// The predicted-class column, when the model's own predictions were given.
    public var predictionColumn: String?
    /// The class probabilities of each sampled row (one entry per class).
    public var probabilities: [[Float]]
    /// The predicted class of each sampled row.
    public var predictedClasses: [Int]
  }

  /// The default sample size.
  public static let defaultSampleSize = 5000

  /// A reference of at most `sampleSize` random rows of `features` (encoded by `tableEncoding`,
  /// if given, whose features must be `featureNames`).
  ///
  /// With `outputs` (a model's class probabilities and predicted classes on the source rows, the
  /// classes named `classNames`, read from `probabilityColumns` and `predictionColumn`), their
  /// sampled rows are kept too.
  public init(
    source: String, featureNames: [String], features: Matrix, sampleSize: Int = defaultSampleSize,
    tableEncoding: TableEncoding? = nil,
    outputs: (
      classNames: [String], probabilityColumns: [String], predictionColumn: String?, probabilities: Matrix,
      predictedClasses: [Int]
    )? = nil,
    using generator: inout some RandomNumberGenerator
  ) {
    self.init(
      source: source, featureNames: featureNames, features: features,
      rows: Self.sampledRows(features.rows, sampleSize: sampleSize, using: &generator), tableEncoding: tableEncoding,
      outputs: outputs)
  }

  /// The rows of `rowCount` that a reference of `sampleSize` keeps: a seeded random sample (all
  /// rows when there are no more), in row order.
  public static func sampledRows(
    _ rowCount: Int, sampleSize: Int, using generator: inout some RandomNumberGenerator
  ) -> [Int] {
    randomPermutation(rowCount, using: &generator).prefix(max(sampleSize, 1)).sorted()
  }

  /// A reference of the given `rows` of `features` (e.g. ``sampledRows(_:sampleSize:using:)``,
  /// when the caller needs to know which rows were kept); otherwise as
  /// ``init(source:featureNames:features:sampleSize:tableEncoding:outputs:using:)``.
  public init(
    source: String, featureNames: [String], features: Matrix, rows: [Int], tableEncoding: TableEncoding? = nil,
    outputs: (
      classNames: [String], probabilityColumns: [String], predictionColumn: String?, probabilities: Matrix,
      predictedClasses: [Int]
    )? = nil
  ) {
    precondition(tableEncoding.map { $0.featureNames == featureNames } ?? true, "the encoding's features")
    precondition(rows.allSatisfy { (0..<features.rows).contains($0) }, "rows of the features")
    self.tableEncoding = tableEncoding
    self.source = source
    self.featureNames = featureNames
    sourceRows = features.rows
    sample = rows.map { Array(features.row($0)) }
    modelOutputs = outputs.map { outputs in
      ModelOutputSample(
        classNames: outputs.classNames, probabilityColumns: outputs.probabilityColumns,
        predictionColumn: outputs.predictionColumn, probabilities: rows.map { Array(outputs.probabilities.row($0)) },
        predictedClasses: rows.map { outputs.predictedClasses[$0] })
    }
  }

  enum CodingKeys: String, CodingKey {
    case version, source, featureNames, sourceRows, sample, tableEncoding, modelOutputs
  }

  /// Decodes any version: the sample as rows of numbers (1, 2) or packed (3).
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    version = try container.decode(Int.self, forKey: .version)
    source = try container.decode(String.self, forKey: .source)
    featureNames = try container.decode([String].self, forKey: .featureNames)
    sourceRows = try container.decode(Int.self, forKey: .sourceRows)
    tableEncoding = try container.decodeIfPresent(TableEncoding.self, forKey: .tableEncoding)
    modelOutputs = try container.decodeIfPresent(ModelOutputSample.self, forKey: .modelOutputs)
    guard (1...3).contains(version) else {
      throw DecodingError.dataCorruptedError(
        forKey: .version, in: container, debugDescription: "format version \(version), this build reads 1 to 3")
    }
    if version == 3 {
      let values = try container.decodePacked([Float].self, forKey: .sample)
      let width = featureNames.count
      guard width > 0, values.count % width == 0 else {
        throw DecodingError.dataCorruptedError(
          forKey: .sample, in: container, debugDescription: "a sample that is not whole rows of the features")
      }
      sample = stride(from: 0, to: values.count, by: width).map { Array(values[$0..<($0 + width)]) }
    } else {
      sample = try container.decode([[Float]].self, forKey: .sample)
    }
    version = 3  // read into this build's form, which is what it writes back
  }

  /// Encodes the reference at version 3, its sample packed.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(3, forKey: .version)
    try container.encode(source, forKey: .source)
    try container.encode(featureNames, forKey: .featureNames)
    try container.encode(sourceRows, forKey: .sourceRows)
    try container.encodePacked(sample.flatMap { $0 }, forKey: .sample)
    try container.encodeIfPresent(tableEncoding, forKey: .tableEncoding)
    try container.encodeIfPresent(modelOutputs, forKey: .modelOutputs)
  }

  /// The sampled rows as a matrix.
  public var sampleMatrix: Matrix {
    Matrix(rows: sample.count, columns: featureNames.count, storage: sample.flatMap { $0 })
  }

  /// Writes the reference as JSON (atomically).
  public func save(to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    try AtomicFile.write(try encoder.encode(self), to: path)
  }

  /// Reads a reference written by ``save(to:)``.
  public static func load(from path: String) throws -> SourceReference {
    return try decode(Data(try InputFile.read(path)), file: path)
  }

  /// Decodes and validates reference JSON as if read from `file`: the version, unique feature
  /// names, a non-empty sample of rows as wide as the names and of finite values, and a source
  /// at least as large as its sample.
  public static func decode(_ data: Data, file: String) throws -> SourceReference {
    func damaged(_ reason: String) -> ShiftDetectionError {
      .invalidReference(file: file, reason: "unsupported or damaged source reference: \(reason)")
    }
    struct Header: Decodable { var version: Int }
    if let header = try? JSONDecoder().decode(Header.self, from: data), !(1...3).contains(header.version) {
      throw damaged("format version \(header.version), this build reads 1 to 3")
    }
    let reference: SourceReference
    do {
      reference = try JSONDecoder().decode(SourceReference.self, from: data)
    } catch {
      throw ShiftDetectionError.invalidReference(
        file: file, reason: "not a source reference written by `shiftcli detect --save-reference`")
    }
    if let encoding = reference.tableEncoding {
      do {
        try encoding.validate(file: file)
      } catch DatasetError.invalidEncoding(_, let reason) {
        throw damaged("table encoding: \(reason)")
      }
      guard encoding.featureNames == reference.featureNames else {
        throw damaged("the table encoding's features are not the reference's")
      }
    }
    guard !reference.featureNames.isEmpty, Set(reference.featureNames).count == reference.featureNames.count else {
      throw damaged("the feature names are missing or repeat")
    }
    guard !reference.sample.isEmpty else { throw damaged("no sampled rows") }
    guard reference.sample.allSatisfy({ $0.count == reference.featureNames.count && $0.allSatisfy(\.isFinite) }) else {
      throw damaged("a sampled row does not have one finite value per feature")
    }
    guard reference.sourceRows >= reference.sample.count else {
      throw damaged("\(reference.sourceRows) source rows cannot hold a sample of \(reference.sample.count)")
    }
    if let outputs = reference.modelOutputs {
      let k = outputs.classNames.count
      guard k >= 2, Set(outputs.classNames).count == k, outputs.probabilities.count == reference.sample.count,
        outputs.predictedClasses.count == reference.sample.count,
        outputs.probabilities.allSatisfy({ $0.count == k && $0.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 } }),
        outputs.predictedClasses.allSatisfy({ (0..<k).contains($0) }),
        outputs.probabilityColumns.count == k || (k == 2 && outputs.probabilityColumns.count == 1)
      else { throw damaged("the model outputs do not fit the sample and the classes") }
    }
    return reference
  }
}
