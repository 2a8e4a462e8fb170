import Foundation
import LinearAlgebra

/// A CSV file of numeric features with an optional label column (labels may be any strings).
///
/// Format: a header row of column names, then one row per example, cells separated by commas;
/// cells may be quoted with `"` (a doubled `""` inside is a literal quote). Blank lines are
/// skipped. Missing values (an empty cell, `NA`, `N/A`, `NaN`, `null`, `None`, any case) are
/// rejected, not imputed: the error names the line and column so the user decides what to do.
public struct CSVTable: Sendable {
  /// Path the table was read from (used in error messages).
  public var file: String
  /// Names of the feature columns, in file order, without the label column.
  public var featureNames: [String]
  /// One row per example.
  public var features: Matrix
  /// The raw label of each row, when a label column was read.
  public var labels: [String]?
  /// The 1-based line in `file` on which each row starts (for error messages).
  public var rowLines: [Int]

  /// Marks that count as a missing value, compared case-insensitively.
  static let missingMarkers: Set<String> = ["", "na", "n/a", "nan", "null", "none", "?"]

  /// Reads `file`. With `labelColumn` set, that column is kept as strings; if the column is absent
  /// the read fails when `labelRequired`, and otherwise proceeds with `labels == nil`. A file
  /// with no column but the label is an error unless `featuresRequired` is false (a labels file).
  public init(contentsOf file: String, labelColumn: String?, labelRequired: Bool = true, featuresRequired: Bool = true)
    throws
  {
    var reader = try CSVReader(contentsOf: file)
    try self.init(
      reader: &reader, labelColumn: labelColumn, labelRequired: labelRequired, featuresRequired: featuresRequired)
  }

  /// Parses CSV `bytes` (plain or gzip-compressed) as if read from `file`.
  public init(
    bytes: [UInt8], file: String, labelColumn: String?, labelRequired: Bool = true, featuresRequired: Bool = true
  ) throws {
    var reader = try CSVReader(bytes: bytes, file: file)
    try self.init(
      reader: &reader, labelColumn: labelColumn, labelRequired: labelRequired, featuresRequired: featuresRequired)
  }

  /// Reads the CSV bytes of `stream` (which names the file).
  public init(
    stream: ByteStream, labelColumn: String?, labelRequired: Bool = true, featuresRequired: Bool = true
  ) throws {
    var reader = try CSVReader(stream: stream)
    try self.init(
      reader: &reader, labelColumn: labelColumn, labelRequired: labelRequired, featuresRequired: featuresRequired)
  }

  private init(reader: inout CSVReader, labelColumn: String?, labelRequired: Bool, featuresRequired: Bool) throws {
    let file = reader.file
    self.file = file
    let names = try reader.header()
    var labelPosition: Int? = nil
    if let labelColumn {
      labelPosition = names.firstIndex(of: labelColumn)
      if labelPosition == nil && labelRequired {
        throw DatasetError.missingColumn(file: file, column: labelColumn, available: names)
      }
    }
    let featurePositions = names.indices.filter { $0 != labelPosition }
    guard !featurePositions.isEmpty || !featuresRequired else {
      throw DatasetError.noFeatureColumns(file: file)
    }
    featureNames = featurePositions.map { names[$0] }
    var values: [Float] = []
    var rawLabels: [String] = []
    var lines: [Int] = []
    while try reader.nextRecord() {
      try reader.checkWidth(names.count)
      let line = reader.recordLine
      for position in featurePositions {
        switch reader.number(at: position) {
        case .value(let value): values.append(value)
        case .missing:
          throw DatasetError.missingValue(file: file, line: line, column: position + 1, columnName: names[position])
        case .malformed:
          throw DatasetError.malformedCell(
            file: file, line: line, column: position + 1, columnName: names[position],
            text: reader.trimmedString(at: position))
        }
      }
      if let labelPosition {
        let label = reader.trimmedString(at: labelPosition)
        if MixedTable.isMissing(label) {
          throw DatasetError.missingValue(
            file: file, line: line, column: labelPosition + 1, columnName: names[labelPosition])
        }
        rawLabels.append(label)
      }
      lines.append(line)
    }
    guard !lines.isEmpty else { throw DatasetError.noDataRows(file: file) }
    rowLines = lines
    features = Matrix(rows: lines.count, columns: featurePositions.count, storage: values)
    labels = labelPosition == nil ? nil : rawLabels
  }
}

extension Dataset {
  /// A labelled data set from a CSV file (see ``CSVTable`` for the format).
  ///
  /// Classes are those found in the file (at least two are required), unless `classes` is given,
  /// as when evaluating a saved model: then every label must be one of them.
  public init(csvFile file: String, labelColumn: String, classes: ClassIndex? = nil) throws {
    let table = try CSVTable(contentsOf: file, labelColumn: labelColumn)
    try self.init(table: table, classes: classes)
  }

  /// A labelled data set from a parsed table that has labels.
  public init(table: CSVTable, classes: ClassIndex? = nil) throws {
    guard let raw = table.labels else {
      throw DatasetError.noLabelColumn(file: table.file)
    }
    let index = classes ?? ClassIndex(labels: raw)
    if classes == nil && index.count < 2 {
      throw DatasetError.tooFewClasses(file: table.file, found: index.names)
    }
    let labels = try index.indices(of: raw, file: table.file, lines: table.rowLines)
    self.init(features: table.features, labels: labels, classes: index, featureNames: table.featureNames)
  }
}

extension CSVTable {
  /// The table with its feature columns reordered to `names` (matched by header name), so a
  /// file whose columns come in another order lines up with a model or another file. Throws
  /// naming the first missing column, or the columns `reference` does not have.
  public func aligned(to names: [String], reference: String) throws -> CSVTable {
    if names == featureNames { return self }
    var position: [String: Int] = [:]
    for (index, name) in featureNames.enumerated() { position[name] = index }
    let extra = Set(featureNames).subtracting(names)
    guard extra.isEmpty else {
      throw DatasetError.inconsistentFiles(
        first: reference, second: file,
        reason:
          "feature columns differ: \(file) has \(extra.sorted().joined(separator: ", ")), which \(reference) lacks")
    }
    let order = try names.map { name in
      guard let index = position[name] else {
        throw DatasetError.missingColumn(file: file, column: name, available: featureNames)
      }
      return index
    }
    var aligned = self
    aligned.featureNames = names
    aligned.features = Matrix(rows: features.rows, columns: names.count)
    for i in 0..<features.rows {
      for (j, source) in order.enumerated() { aligned.features[i, j] = features[i, source] }
    }
    return aligned
  }
}

extension String {
  /// The cell without leading and trailing whitespace (`CharacterSet.whitespaces`). Most cells
  /// have none, and are returned as they are without Foundation's trimming (a tenth of the
  /// time of reading a large file).
  var trimmedCell: String {
    let bytes = utf8
    guard let first = bytes.first, let last = bytes.last else { return self }
    // ASCII but space and tab at both ends: nothing to trim. Anything else (a space, a tab, a
    // non-ASCII character that may be a Unicode space) goes through Foundation.
    func plain(_ byte: UInt8) -> Bool { byte < 0x80 && byte != 0x20 && byte != 0x09 }
    return plain(first) && plain(last) ? self : trimmingCharacters(in: .whitespaces)
  }
}
