import ShiftKit

/// A source CSV file and a target CSV file read as one: the source's schema inferred (or a
/// model's encoding given), the target read with it, and both encoded into features alike.
struct TablePair {
  /// How both files' columns became features.
  var encoding: TableEncoding
  /// The source as read.
  var source: MixedTable
  /// The source's cells in the encoder's categories (what the column tests compare).
  var sourceCells: ColumnCells
  /// The source's features.
  var sourceFeatures: Matrix
  /// The target as read.
  var target: MixedTable
  /// The target's cells, with those of levels the source never had.
  var targetCells: ColumnCells
  /// The target's features.
  var targetFeatures: Matrix

  /// The target's cells of levels the source never had.
  var unseen: [EncodedFeatures.Unseen] { targetCells.unseen }

  /// Reads `source` with the schema inferred from it (its label column `label`, required if
  /// `labelRequired`; a model's output columns in `probabilities`, if given, kept out of the
  /// features), fits the encoding on it, and reads `target` alike (its label optional; the
  /// text of its columns `keepingText` kept).
  init(
    source: String, target: String, label: String?, labelRequired: Bool, columns: ColumnOptions,
    probabilities: ProbabilityOptions? = nil, keepingText: [String] = []
  ) throws {
    let (sourceTable, encoding) = try Self.source(
      source, label: label, labelRequired: labelRequired, columns: columns, probabilities: probabilities)
    try self.init(sourceTable: sourceTable, target: target, encoding: encoding, keepingText: keepingText)
  }

  /// Reads both files with a model's `encoding`; the labels are in the column `label` (the
  /// text of the target's columns `keepingText` kept).
  init(source: String, target: String, label: String, encoding: TableEncoding, keepingText: [String] = []) throws {
    let schema = try encoding.schema.relabelled(label, file: source)
    let relabelled = TableEncoding(schema: schema, encoder: encoding.encoder)
    let sourceTable = try MixedTable(contentsOf: source, schema: schema, labelRequired: true)
    try self.init(sourceTable: sourceTable, target: target, encoding: relabelled, keepingText: keepingText)
  }

  /// The source `source` read with the schema inferred from it (as ``init(source:target:label:labelRequired:columns:probabilities:keepingText:)``
  /// reads it) and the encoding fitted on it, for a target that is streamed.
  static func source(
    _ source: String, label: String?, labelRequired: Bool, columns: ColumnOptions,
    probabilities: ProbabilityOptions? = nil
  ) throws -> (table: MixedTable, encoding: TableEncoding) {
    var options = columns.schemaOptions(label: label).withPredictions(probabilities?.columns)
      .withPredictedClass(probabilities?.prediction)
    options.labelRequired = labelRequired
    let table = try MixedTable(contentsOf: source, options: options)
    return (table, TableEncoding(fittedTo: table))
  }

  private init(sourceTable: MixedTable, target: String, encoding: TableEncoding, keepingText: [String] = []) throws {
    self.encoding = encoding
    source = sourceTable
    sourceCells = try encoding.cells(of: sourceTable)
    sourceFeatures = encoding.encoder.expand(sourceCells.cells)
    self.target = try MixedTable(contentsOf: target, schema: encoding.schema, keepingText: keepingText)
    targetCells = try encoding.cells(of: self.target)
    targetFeatures = encoding.encoder.expand(targetCells.cells)
  }

  /// The labelled source over `classes` (default: the classes of its labels).
  func sourceData(classes: ClassIndex? = nil) throws -> Dataset {
    let classes = try classes ?? source.classIndex()
    let labels = try classes.indices(of: source.labels ?? [], file: source.file, lines: source.rowLines)
    return Dataset(features: sourceFeatures, labels: labels, classes: classes, featureNames: encoding.featureNames)
  }

  /// The target's labels among `classes`, when it has the label column.
  func targetLabels(classes: ClassIndex) throws -> [Int]? {
    try target.labels.map { try classes.indices(of: $0, file: target.file, lines: target.rowLines) }
  }

  /// Warnings for stderr: source rows dropped for a missing label, target columns not used,
  /// and levels the source never had.
  var warnings: [String] {
    (source.droppedRowsWarning.map { [$0] } ?? [])
      + (target.skippedColumns.isEmpty
        ? []
        : [
          "\(target.file): columns the source does not have are not used: \(target.skippedColumns.joined(separator: ", "))"
        ])
      + unseen.map { $0.warning(file: target.file) }
  }

  /// The schema summary for reports.
  var schemaSummary: SchemaSummary { SchemaSummary(schema: encoding.schema, features: encoding.featureNames) }
}

extension MixedTable {
  /// The warning for rows left out by --drop-unlabelled, if any were.
  var droppedRowsWarning: String? {
    droppedUnlabelledRows == 0
      ? nil : "\(file): left out \(droppedUnlabelledRows) rows without a label (--drop-unlabelled)"
  }
}

extension EncodedTableReader {
  /// Warnings for stderr once the file is read: its columns the source does not have, and the
  /// levels the source never had.
  var warnings: [String] {
    let known = Set(encoding.schema.columns.map(\.name))
    let skipped = header.filter { !known.contains($0) }
    return
      (skipped.isEmpty
      ? [] : ["\(file): columns the source does not have are not used: \(skipped.joined(separator: ", "))"])
      + unseen.map { $0.warning(file: file) }
  }
}
