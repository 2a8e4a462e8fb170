import Datasets

/// How a stream of rows is cut into the chunks a ``Monitor`` judges one at a time.
public enum Chunking: Sendable, Equatable, CustomStringConvertible {
  /// Consecutive blocks of this many rows in file order (the last may be shorter).
  case rows(Int)
  /// This many blocks of consecutive rows in file order, their sizes differing by at most one.
  case count(Int)
  /// One chunk per calendar period of a time column, from the earliest period to the latest:
  /// rows need not be sorted, and a period without rows is an empty chunk.
  case period(column: String, TimePeriod)

  /// How the chunks are cut, in words.
  public var description: String {
    switch self {
    case .rows(let size): "chunks of \(size) rows"
    case .count(let count): "\(count) chunks of equal size"
    case .period(let column, let period): "one chunk per \(period.rawValue) of '\(column)'"
    }
  }

  /// The most chunks a time column may span (a typo in a year would otherwise ask for millions).
  public static let maximumPeriods = 100_000

  /// The chunks of `rowCount` rows; `timestamps` (one per row) are needed for ``period(column:_:)``.
  public func chunks(rowCount: Int, timestamps: [Timestamp]? = nil) throws -> [Chunk] {
    switch self {
    case .rows(let size):
      guard size >= 1 else { throw WorkflowError.invalidInput("a chunk needs at least one row, got \(size)") }
      return stride(from: 0, to: rowCount, by: size).enumerated().map { index, start in
        Chunk(rowRange: start..<min(start + size, rowCount), index: index)
      }
    case .count(let count):
      guard count >= 1 else { throw WorkflowError.invalidInput("at least one chunk is needed, got \(count)") }
      guard count <= max(rowCount, 1) else {
        throw WorkflowError.invalidInput("\(rowCount) rows cannot make \(count) chunks")
      }
      return (0..<count).map { index in
        Chunk(rowRange: rowCount * index / count..<rowCount * (index + 1) / count, index: index)
      }
    case .period(_, let period):
      guard let timestamps, timestamps.count == rowCount else {
        throw WorkflowError.invalidInput("chunking by time needs one timestamp per row")
      }
      let indices = timestamps.map(period.index(of:))
      guard let first = indices.min(), let last = indices.max() else { return [] }
      guard last - first < Self.maximumPeriods else {
        throw WorkflowError.invalidInput(
          "the times span \(last - first + 1) \(period.rawValue)s (from \(period.dates(ofIndex: first).start) to \(period.dates(ofIndex: last).end)), more than \(Self.maximumPeriods) chunks"
        )
      }
      var members = [[Int]](repeating: [], count: last - first + 1)
      for (row, index) in indices.enumerated() { members[index - first].append(row) }
      return members.enumerated().map { offset, rows in
        let dates = period.dates(ofIndex: first + offset)
        return Chunk(index: offset, start: dates.start, end: dates.end, rows: rows)
      }
    }
  }

  /// The timestamps of `table`'s column `column` (read with ``MixedTable/texts``); a cell that
  /// is missing or not a date is an error naming file, line and column.
  public static func timestamps(of table: MixedTable, column: String) throws -> [Timestamp] {
    guard let texts = table.texts[column] else {
      throw DatasetError.missingColumn(file: table.file, column: column, available: table.header)
    }
    let position = table.position(of: column) ?? 0
    return try texts.enumerated().map { row, text in
      guard let timestamp = Timestamp(iso8601: text) else {
        throw DatasetError.notTimestamp(
          file: table.file, line: table.rowLines[row], column: position, columnName: column, text: text)
      }
      return timestamp
    }
  }
}

/// One chunk of a stream: which rows, and the span they cover.
public struct Chunk: Sendable, Equatable, Codable {
  /// 0-based, in stream order.
  public var index: Int
  /// Where the chunk starts: its first date (time chunks) or its first row, 1-based.
  public var start: String
  /// Where it ends: its last date, or its last row.
  public var end: String
  /// The 0-based indices of its rows.
  public var rows: [Int]

  /// A chunk of explicit rows.
  public init(index: Int, start: String, end: String, rows: [Int]) {
    self.index = index
    self.start = start
    self.end = end
    self.rows = rows
  }

  /// The rows `range` as a chunk, named by their 1-based row numbers.
  init(rowRange range: Range<Int>, index: Int) {
    self.init(index: index, start: String(range.lowerBound + 1), end: String(range.upperBound), rows: Array(range))
  }
}
