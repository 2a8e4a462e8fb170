import Datasets
import Foundation
import LinearAlgebra
import ShiftDetection
import Summaries

/// A shard of data summarised in one pass, mergeable with the profiles of the other shards:
/// what the detector (and, with a model, label-shift estimation) needs of a target, so that a
/// distributed engine profiles the partitions and one process tests the merged profile.
///
/// It holds the encoding the shard was read with (profiles merge only under the same one), the
/// ``DetectionTarget`` (per column a quantile sketch or category counts, missing and unseen
/// cells, a hash-chosen sample of encoded rows), and with a model's outputs their
/// ``PredictionSummary`` (exact counts and sums, a hash-chosen sample of logits). A profile of
/// labelled rows the model did not train on (a reference's) also holds their ``HoldoutSummary``
/// (confusion counts, per-class probability sums, a hash-chosen sample of logits and labels),
/// the source side of label-shift estimation. Every count is exact after merging and every
/// sample is the one of the whole data; quantiles are within the sketches' stated bound. Saved
/// as versioned JSON (`format: shiftkit-profile`).
public struct ShiftProfile: Sendable, Equatable {
  /// The version this build writes and reads: version 3 added labelled profiles and keys the
  /// domain sample by the rows' cells (version 2 keyed it by their features, so that its
  /// samples do not merge with version 3's).
  public static let formatVersion = 3
  /// How the shard's columns were read and encoded.
  public var encoding: TableEncoding
  /// The rows as the detector reads a target (their positions in the file read are forgotten
  /// when the profile is saved: see ``DetectionTarget/withoutRowPositions()``).
  public private(set) var target: DetectionTarget
  /// The classes of the model's outputs, in class order (nil without a model).
  public var classNames: [String]?
  /// The model's outputs on the rows (nil without a model).
  public private(set) var predictions: PredictionSummary?
  /// The columns the model's probabilities were read from, in class order (one, the positive
  /// class's, for a binary model given by it); nil without a model, or unknown. A source read
  /// beside the profile must give its probabilities in the same columns.
  public var probabilityColumns: [String]?
  /// The model's outputs with the rows' labels, for a profile of labelled rows the model did
  /// not train on (nil otherwise).
  public private(set) var holdout: HoldoutSummary?

  /// An empty profile of data read with `encoding`; with `classNames`, of a model's outputs
  /// too (read from `probabilityColumns`), and if `labelled`, of their labels. The capacities
  /// are those of ``DetectionTarget`` and ``PredictionSummary`` (`predictionRows` also bounds
  /// the labelled sample).
  public init(
    encoding: TableEncoding, classNames: [String]? = nil, probabilityColumns: [String]? = nil,
    labelled: Bool = false, domainRows: Int = DetectionTarget.defaultDomainRows,
    sketchCapacity: Int = QuantileSketch.defaultCapacity,
    predictionRows: Int = PredictionSummary.defaultSampleCapacity
  ) {
    self.encoding = encoding
    target = DetectionTarget(
      columns: encoding.cellColumns, featureCount: encoding.featureNames.count, domainRows: domainRows,
      sketchCapacity: sketchCapacity)
    self.classNames = classNames
    self.probabilityColumns = classNames == nil ? nil : probabilityColumns
    predictions = classNames.map { PredictionSummary(classCount: $0.count, sampleCapacity: predictionRows) }
    precondition(!labelled || classNames != nil, "a labelled profile is of a model's outputs")
    holdout =
      labelled ? classNames.map { HoldoutSummary(classCount: $0.count, sampleCapacity: predictionRows) } : nil
  }

  /// Rows profiled.
  public var rows: Int { target.rows }

  /// Adds a batch read with the profile's encoding, with the model's `logits` on its rows when
  /// the profile has a model (the logarithms of its probabilities, for a model that gives
  /// those), and the rows' class indices `labels` when it is labelled.
  public mutating func add(_ batch: EncodedTableReader.Batch, logits: Matrix? = nil, labels: [Int]? = nil) throws {
    guard (logits == nil) == (predictions == nil) else {
      throw WorkflowError.invalidInput(
        predictions == nil ? "a profile without a model was given outputs" : "a profile of a model's outputs needs them"
      )
    }
    guard (labels == nil) == (holdout == nil) else {
      throw WorkflowError.invalidInput(
        holdout == nil ? "an unlabelled profile was given labels" : "a labelled profile needs the rows' labels")
    }
    if let logits {
      guard logits.rows == batch.table.rowCount, logits.columns == predictions?.classCount else {
        throw WorkflowError.invalidInput("the model's outputs do not fit the batch")
      }
      if let labels {
        guard labels.count == logits.rows, labels.allSatisfy({ (0..<logits.columns).contains($0) }) else {
          throw WorkflowError.invalidInput("the labels do not fit the batch or the model's classes")
        }
        holdout?.add(logits: logits, labels: labels, firstOrdinal: batch.firstRow)
      }
      predictions?.add(logits: logits, firstOrdinal: batch.firstRow)
    }
    target.add(cells: batch.cells, firstRow: batch.firstRow) { batch.features(ofRows: $0) }
  }

  /// The profile of both shards. Throws ``SummaryError/mismatch(_:)`` unless they were read with
  /// the same encoding, model classes and capacities.
  public func merged(with other: ShiftProfile) throws -> ShiftProfile {
    guard encoding == other.encoding else { throw SummaryError.mismatch("profiles of different schemas or encodings") }
    guard classNames == other.classNames, probabilityColumns == other.probabilityColumns else {
      throw SummaryError.mismatch("profiles of different models' classes or columns (or one without a model)")
    }
    guard (holdout == nil) == (other.holdout == nil) else {
      throw SummaryError.mismatch("a labelled and an unlabelled profile")
    }
    var result = self
    result.target = try target.merged(with: other.target)
    if let predictions, let others = other.predictions { result.predictions = try predictions.merged(with: others) }
    if let holdout, let others = other.holdout { result.holdout = try holdout.merged(with: others) }
    return result
  }

  /// The profile as JSON (the file ``save(to:)`` writes).
  public func encoded() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return try encoder.encode(
      Saved(
        format: "shiftkit-profile", version: Self.formatVersion, encoding: encoding,
        target: target.withoutRowPositions(), classNames: classNames, probabilityColumns: probabilityColumns,
        predictions: predictions?.withoutRowPositions(), holdout: holdout?.withoutRowPositions()))
  }

  /// Writes the profile to `path` atomically, gzip-compressed when `path` ends in `.gz`
  /// (about a quarter of the size).
  public func save(to path: String) throws {
    let json = try encoded()
    try AtomicFile.write(path.hasSuffix(".gz") ? try Gzip.compressed(json) : json, to: path)
  }

  /// Reads a profile written by ``save(to:)``, plain or gzip-compressed.
  public static func load(from path: String) throws -> ShiftProfile {
    try decode(Data(try InputFile.readInflated(path, kind: "profile")), file: path)
  }

  /// Decodes and validates a profile as if read from `file`: its format and version, its
  /// encoding, and counts and samples that agree with each other and with the encoding.
  public static func decode(_ data: Data, file: String) throws -> ShiftProfile {
    func damaged(_ reason: String) -> WorkflowError { .invalidInput("\(file): not a usable shift profile: \(reason)") }
    struct Header: Decodable {
      var format: String
      var version: Int
    }
    guard let header = try? JSONDecoder().decode(Header.self, from: data) else {
      throw damaged("not a profile written by `shiftcli profile` (or cut short)")
    }
    guard header.format == "shiftkit-profile" else { throw damaged("its format is '\(header.format)'") }
    guard header.version == formatVersion else {
      throw damaged(
        "format version \(header.version), this build reads \(formatVersion)"
          + (header.version < formatVersion ? " (profile the shard again)" : ""))
    }
    let saved: Saved
    do {
      saved = try JSONDecoder().decode(Saved.self, from: data)
    } catch {
      throw damaged("its contents do not add up (\(error))")
    }
    try saved.encoding.validate(file: file)
    let columns = saved.encoding.cellColumns
    guard saved.target.columns.count == columns.count,
      zip(saved.target.columns, columns).allSatisfy({ summary, column in
        switch summary {
        case .numeric: column.kind == .numeric
        case .categorical(let counts, _): column.kind != .numeric && counts.count == column.categories.count
        }
      }),
      saved.target.sample.width == saved.encoding.featureNames.count,
      saved.target.columns.allSatisfy({ $0.present + $0.missing == saved.target.rows })
    else { throw damaged("its columns are not those of its encoding") }
    guard (saved.classNames == nil) == (saved.predictions == nil),
      saved.classNames.map({ Set($0).count == $0.count }) ?? true,
      saved.probabilityColumns.map({ !$0.isEmpty && $0.count <= (saved.classNames?.count ?? 0) }) ?? true,
      saved.predictions.map({ $0.classCount == saved.classNames?.count && $0.rows == saved.target.rows }) ?? true
    else { throw damaged("its model outputs are not of its rows and classes") }
    guard
      saved.holdout.map({
        saved.predictions != nil && $0.classCount == saved.classNames?.count && $0.rows == saved.target.rows
          && $0.sample.capacity == saved.predictions?.sample.capacity
      }) ?? true
    else { throw damaged("its labelled outputs are not of its rows and classes") }
    return ShiftProfile(
      encoding: saved.encoding, target: saved.target, classNames: saved.classNames,
      probabilityColumns: saved.probabilityColumns, predictions: saved.predictions, holdout: saved.holdout)
  }

  private init(
    encoding: TableEncoding, target: DetectionTarget, classNames: [String]?, probabilityColumns: [String]?,
    predictions: PredictionSummary?, holdout: HoldoutSummary?
  ) {
    self.encoding = encoding
    self.target = target
    self.classNames = classNames
    self.probabilityColumns = probabilityColumns
    self.predictions = predictions
    self.holdout = holdout
  }

  /// Throws unless `columns` (a source's probability columns in class order) are the ones the
  /// profile's outputs were read from (`file` names the profile).
  public func checkProbabilityColumns(_ columns: [String], file: String) throws {
    guard let probabilityColumns, probabilityColumns != columns else { return }
    throw WorkflowError.invalidInput(
      "\(file): its model's probabilities were read from \(probabilityColumns.joined(separator: ", ")) (in class order), not \(columns.joined(separator: ", ")): give the source's columns in that order"
    )
  }

  /// The file's layout.
  private struct Saved: Codable {
    var format: String
    var version: Int
    var encoding: TableEncoding
    var target: DetectionTarget
    var classNames: [String]?
    var probabilityColumns: [String]?
    var predictions: PredictionSummary?
    var holdout: HoldoutSummary?
  }
}
