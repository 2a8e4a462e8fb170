extension Dataset {
  /// A labelled data set from a mixed table and its encoded features (``FeatureEncoder/encode(_:)``).
  ///
  /// Classes are those of the table's labels (at least two), unless `classes` is given, as when
  /// the table is scored by a saved model: then every label must be one of them.
  public init(table: MixedTable, encoded: EncodedFeatures, featureNames: [String], classes: ClassIndex? = nil) throws {
    guard let raw = table.labels else { throw DatasetError.noLabelColumn(file: table.file) }
    let index = classes ?? ClassIndex(labels: raw)
    if classes == nil && index.count < 2 {
      throw DatasetError.tooFewClasses(file: table.file, found: index.names)
    }
    let labels = try index.indices(of: raw, file: table.file, lines: table.rowLines)
    self.init(features: encoded.features, labels: labels, classes: index, featureNames: featureNames)
  }
}
