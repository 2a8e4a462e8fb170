/// One column of a stream of cells, summarised in one pass and mergeable: a numeric column's
/// values in a ``QuantileSketch``, a categorical column's count per category; missing cells
/// (NaN) counted in both. What the column-wise drift tests compare a source with.
public enum ColumnSummary: Sendable, Equatable, Codable {
  /// A numeric column: its values (and missing cells) in a sketch.
  case numeric(QuantileSketch)
  /// A categorical column: the rows of each category index, and the missing cells.
  case categorical(counts: [Int], missing: Int)

  /// An empty numeric column whose sketch keeps `capacity` values exactly.
  public static func numeric(capacity: Int) -> ColumnSummary { .numeric(QuantileSketch(capacity: capacity)) }

  /// An empty categorical column of `categories` categories.
  public static func categorical(categories: Int) -> ColumnSummary {
    .categorical(counts: [Int](repeating: 0, count: categories), missing: 0)
  }

  /// Adds one cell: a number, or a category's index (a float, as ``ColumnCells`` holds it);
  /// NaN is missing, and an index outside the categories is ignored.
  public mutating func add(_ cell: Float) {
    switch self {
    case .numeric(var sketch):
      sketch.add(cell)
      self = .numeric(sketch)
    case .categorical(var counts, let missing):
      if cell.isNaN {
        self = .categorical(counts: counts, missing: missing + 1)
      } else if cell >= 0, cell < Float(counts.count) {
        counts[Int(cell)] += 1
        self = .categorical(counts: counts, missing: missing)
      }
    }
  }

  /// Adds every `width`-th cell of `cells` from `offset` on (one column of a row-major batch),
  /// as ``add(_:)`` does one by one; the summary's storage is updated in place, not copied.
  public mutating func add(column cells: UnsafeBufferPointer<Float>, offset: Int, width: Int) {
    precondition(width > 0 && offset >= 0 && offset < max(width, 1), "a column of the batch")
    switch self {
    case .numeric(var sketch):
      self = .categorical(counts: [], missing: 0)  // lets go of the payload: `sketch` is unique
      sketch.add(column: cells, offset: offset, width: width)
      self = .numeric(sketch)
    case .categorical(var counts, var missing):
      self = .categorical(counts: [], missing: 0)
      let categories = Float(counts.count)
      for index in stride(from: offset, to: cells.count, by: width) {
        let cell = cells[index]
        if cell.isNaN {
          missing += 1
        } else if cell >= 0, cell < categories {
          counts[Int(cell)] += 1
        }
      }
      self = .categorical(counts: counts, missing: missing)
    }
  }

  /// Rows with a value (present cells).
  public var present: Int {
    switch self {
    case .numeric(let sketch): sketch.count
    case .categorical(let counts, _): counts.reduce(0, +)
    }
  }

  /// Missing cells.
  public var missing: Int {
    switch self {
    case .numeric(let sketch): sketch.missing
    case .categorical(_, let missing): missing
    }
  }

  /// The summary of both streams. Throws unless both are of one kind and size.
  public func merged(with other: ColumnSummary) throws -> ColumnSummary {
    switch (self, other) {
    case (.numeric(let a), .numeric(let b)):
      return .numeric(try a.merged(with: b))
    case (.categorical(let a, let m), .categorical(let b, let n)) where a.count == b.count:
      return .categorical(counts: try zip(a, b).map { try addingCounts($0, $1) }, missing: try addingCounts(m, n))
    default:
      throw SummaryError.mismatch("columns of different kinds or categories")
    }
  }
}
