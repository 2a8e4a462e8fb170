/// Everything needed to turn a raw table into a model's features: the source's schema and the
/// encoder fitted on the source's (training) rows. Saved with models, so that every later file
/// is read and encoded exactly as the training data was.
public struct TableEncoding: Sendable, Equatable, Codable {
  /// How each column is read.
  public var schema: TableSchema
  /// How the feature columns become features.
  public var encoder: FeatureEncoder

  /// An encoding of explicit parts (as stored in a model file); see ``validate(file:)``.
  public init(schema: TableSchema, encoder: FeatureEncoder) {
    self.schema = schema
    self.encoder = encoder
  }

  /// The encoding of `table`: its schema, and an encoder fitted on its rows.
  public init(fittedTo table: MixedTable, options: FeatureEncoder.Options = FeatureEncoder.Options()) {
    schema = table.schema
    encoder = FeatureEncoder(fittedTo: table, options: options)
  }

  /// The names of the features, in order.
  public var featureNames: [String] { encoder.featureNames }

  /// Reads `file` with the schema and encodes it; its label column is required if `labelRequired`.
  public func read(_ file: String, labelRequired: Bool = false) throws -> (table: MixedTable, encoded: EncodedFeatures)
  {
    let table = try MixedTable(contentsOf: file, schema: schema, labelRequired: labelRequired)
    return (table, try encoder.encode(table))
  }

  /// `table` (read with this schema) as a labelled data set over `classes`, with the cells of
  /// levels the source never had.
  public func dataset(_ table: MixedTable, classes: ClassIndex) throws -> (
    data: Dataset, unseen: [EncodedFeatures.Unseen]
  ) {
    let encoded = try encoder.encode(table)
    return (try Dataset(table: table, encoded: encoded, featureNames: featureNames, classes: classes), encoded.unseen)
  }

  /// Throws, naming `file`, unless the parts agree: the encoder's columns are the schema's
  /// feature columns in order, with levels named once and finite medians.
  public func validate(file: String) throws {
    func corrupt(_ reason: String) -> DatasetError { .invalidEncoding(file: file, reason: reason) }
    guard encoder.columns.map(\.name) == schema.featureColumns.map(\.name) else {
      throw corrupt("its encoder's columns are not the schema's feature columns")
    }
    guard Set(schema.columns.map(\.name)).count == schema.columns.count else { throw corrupt("a column appears twice") }
    for (column, kind) in zip(encoder.columns, schema.featureColumns.map(\.kind)) {
      switch column {
      case .numeric(_, let median, _):
        guard kind == .numeric, median.isFinite else { throw corrupt("column '\(column.name)'") }
      case .oneHot(_, let levels, let pooled, _):
        let all = levels + (pooled ?? [])
        guard kind != .numeric, Set(all).count == all.count else { throw corrupt("column '\(column.name)'") }
      }
    }
  }
}

extension MixedTable {
  /// The classes of the table's labels (at least two).
  public func classIndex() throws -> ClassIndex {
    guard let labels else { throw DatasetError.noLabelColumn(file: file) }
    let index = ClassIndex(labels: labels)
    guard index.count >= 2 else { throw DatasetError.tooFewClasses(file: file, found: index.names) }
    return index
  }
}
