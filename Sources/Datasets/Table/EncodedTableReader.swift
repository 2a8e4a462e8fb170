import LinearAlgebra

/// A later file read in batches and encoded as the source was (``TableEncoding``): one pass,
/// memory bounded by the batch, however large the file. What every one-pass command reads its
/// target or analysis data with.
public struct EncodedTableReader {
  /// One batch of rows.
  public struct Batch: Sendable {
    /// The rows as read.
    public var table: MixedTable
    /// Their cells in the encoder's categories.
    public var cells: ColumnCells
    /// The encoder that makes the cells features.
    public var encoder: FeatureEncoder
    /// The 0-based index in the file's data rows of the batch's first row.
    public var firstRow: Int

    /// Their features (encoded on each use: a summary that keeps only some rows asks for
    /// ``features(ofRows:)`` instead).
    public var features: Matrix { encoder.expand(cells.cells) }

    /// The features of the batch's rows `rows` (0-based in the batch), in that order.
    public func features(ofRows rows: [Int]) -> Matrix {
      rows.count == cells.rowCount && rows.elementsEqual(0..<rows.count)
        ? features : encoder.expand(cells.cells.rows(at: rows))
    }
  }

  /// How the file is read and encoded.
  public let encoding: TableEncoding
  /// Rows per batch.
  public let batchRows: Int
  /// Rows read so far.
  public private(set) var rowsRead = 0
  /// The cells of levels the source never had, in the batches read so far.
  public private(set) var unseen: [EncodedFeatures.Unseen] = []
  private var reader: MixedTableReader

  /// Rows per batch by default: 16 384 (a few MB of features for tens of columns).
  public static let defaultBatchRows = 16_384

  /// Opens `file` to be read with `encoding` (its label column required if `labelRequired`,
  /// not read if `skippingLabel`, the text of the columns `keepingText` kept), `batchRows` rows
  /// at a time; a file without data rows is an error unless `allowingNoRows` (then it is no
  /// batches).
  public init(
    contentsOf file: String, encoding: TableEncoding, labelRequired: Bool = false, skippingLabel: Bool = false,
    keepingText: [String] = [], batchRows: Int = EncodedTableReader.defaultBatchRows, allowingNoRows: Bool = false
  ) throws {
    self.encoding = encoding
    self.batchRows = max(batchRows, 1)
    reader = try MixedTableReader(
      contentsOf: file, schema: encoding.schema, labelRequired: labelRequired, skippingLabel: skippingLabel,
      keepingText: keepingText)
    reader.allowsNoRows = allowingNoRows
  }

  /// The file being read.
  public var file: String { reader.file }
  /// The file's header names, in file order.
  public var header: [String] { reader.header }

  /// The next batch, or nil after the last (a file without data rows throws on the first call).
  public mutating func next() throws -> Batch? {
    guard let table = try reader.next(rows: batchRows) else { return nil }
    let cells = try encoding.cells(of: table)
    unseen = EncodedFeatures.Unseen.merged(unseen, cells.unseen)
    let batch = Batch(table: table, cells: cells, encoder: encoding.encoder, firstRow: rowsRead)
    rowsRead += table.rowCount
    return batch
  }
}

extension EncodedFeatures.Unseen {
  /// The unseen cells of two parts of one table: rows added and levels joined, column by column
  /// in order of first appearance (`(missing)` stays last).
  public static func merged(_ first: [Self], _ second: [Self]) -> [Self] {
    var result = first
    for entry in second {
      guard let index = result.firstIndex(where: { $0.column == entry.column }) else {
        result.append(entry)
        continue
      }
      let missing = "(missing)"
      var levels = result[index].levels.filter { $0 != missing }
      for level in entry.levels where level != missing && !levels.contains(level) { levels.append(level) }
      if result[index].levels.contains(missing) || entry.levels.contains(missing) { levels.append(missing) }
      // Wrapping, not trapping: a crafted profile may hold any count (this one is only reported).
      result[index].rows = result[index].rows &+ entry.rows
      result[index].levels = levels
    }
    return result
  }
}
