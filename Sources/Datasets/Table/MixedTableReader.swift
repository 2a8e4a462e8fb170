/// A later file read with a source's ``TableSchema`` in batches of rows, one pass and bounded
/// memory however large the file: each batch is a ``MixedTable`` of at most the rows asked for
/// (its row lines are the file's), checked as ``MixedTable/init(contentsOf:schema:labelRequired:keepingText:)``
/// checks the whole file. A `.csv.gz` file is inflated on the way.
///
/// A batch's categorical codes are its own (levels in order of appearance in the batch): map
/// them by name, as ``TableEncoding/cells(of:)`` does.
public struct MixedTableReader {
  /// The file being read.
  public var file: String { records.file }
  /// The schema the file is read with.
  public let schema: TableSchema
  /// The file's header names, in file order.
  public let header: [String]
  private var records: CSVReader
  private let plan: [TableSchema.Kind]
  private let position: [String: Int]
  private let keepingText: [String]
  private let kept: [Int]
  private var rowsRead = 0
  /// Whether a file without data rows is read as no batches (a shard may be empty), not an error.
  public var allowsNoRows = false

  /// Opens `file` with the columns of `schema`; its label column is optional unless
  /// `labelRequired`, and not read at all if `skippingLabel` (a file whose labels are not
  /// used); the text of the columns `keepingText` (which the file must have) is kept.
  public init(
    contentsOf file: String, schema: TableSchema, labelRequired: Bool = false, skippingLabel: Bool = false,
    keepingText: [String] = []
  ) throws {
    try self.init(
      reader: try CSVReader(contentsOf: file), schema: schema, labelRequired: labelRequired,
      skippingLabel: skippingLabel, keepingText: keepingText)
  }

  init(
    reader: CSVReader, schema: TableSchema, labelRequired: Bool, skippingLabel: Bool = false, keepingText: [String]
  ) throws {
    precondition(!(labelRequired && skippingLabel), "a label column both required and skipped")
    records = reader
    let file = reader.file
    let names = try records.header()
    var plan = [TableSchema.Kind](repeating: .ignored, count: names.count)
    var position: [String: Int] = [:]
    for (index, name) in names.enumerated() { position[name] = index }
    for column in schema.columns {
      if let index = position[column.name] {
        plan[index] = column.kind == .label && skippingLabel ? .ignored : column.kind
      } else if column.kind.isFeature || column.kind == .prediction || column.kind == .predictedClass
        || (column.kind == .label && labelRequired)
      {
        throw DatasetError.missingColumn(file: file, column: column.name, available: names)
      }
    }
    kept = try keepingText.map { name in
      guard let index = position[name] else {
        throw DatasetError.missingColumn(file: file, column: name, available: names)
      }
      return index
    }
    self.schema = schema
    self.header = names
    self.plan = plan
    self.position = position
    self.keepingText = keepingText
  }

  /// The next batch of at most `rows` rows (at least 1), or nil after the last; a file without
  /// data rows is an error on the first call, unless `allowsNoRows`.
  public mutating func next(rows: Int) throws -> MixedTable? {
    let contents = try MixedTable.read(
      &records, names: header, plan: plan, rowLimit: max(rows, 1), enforcing: true, keepingText: kept,
      allowingNone: rowsRead > 0 || allowsNoRows)
    guard !contents.lines.isEmpty else { return nil }
    rowsRead += contents.lines.count
    return MixedTable(
      file: file, schema: schema, names: header, position: position, keepingText: keepingText, table: contents)
  }

  /// Every remaining row as one table.
  public mutating func all() throws -> MixedTable {
    // The first call returns nil only when a file without rows is allowed.
    guard let table = try next(rows: .max) else { throw DatasetError.noDataRows(file: file) }
    return table
  }
}
