import Foundation

/// A streaming CSV tokenizer: one record at a time from a ``ByteStream``, holding no more of the
/// file than the record being read and one block, and tracking line numbers for errors.
///
/// Format: cells separated by commas; a cell may be quoted with `"` (after leading spaces), a
/// doubled `""` inside being a literal quote, and a quoted cell may span lines. Lines end with
/// LF, CRLF or a lone CR; blank lines are skipped; a UTF-8 byte-order mark is skipped; a NUL
/// byte is an error. The record's cells are read in place as bytes (``withCell(_:_:)``,
/// ``number(at:)``), so that a number never becomes a `String`.
struct CSVReader {
  /// The file's name in errors.
  let file: String
  private let stream: ByteStream
  /// The window of the file being tokenized: `buffer[position..<end]` is not read yet.
  private var buffer: [UInt8] = []
  private var position = 0
  private var streamEnded = false
  /// The 1-based line at `position`.
  private var line = 1
  /// The current record's cells: byte ranges in `buffer`, or (quoted cells) in `unquoted`.
  private var cells: [Cell] = []
  private var unquoted: [UInt8] = []
  /// The current record's bytes in `buffer` (its line end included).
  private var recordBytes = 0..<0
  /// The 1-based line on which the current record starts.
  private(set) var recordLine = 0

  fileprivate struct Cell {
    var start: Int
    var end: Int
    var quoted: Bool
  }

  /// Records copied out of the reader, to be read cell by cell later (a chunk that
  /// `MixedTable.read` reads column by column): their bytes, and each cell's range in them.
  struct RecordBatch {
    /// The records' bytes, and their quoted cells' unquoted bytes.
    private(set) var bytes: [UInt8] = []
    /// Each cell's range in `bytes`, record after record.
    private(set) var cells: [Range<Int>] = []

    /// The memory the batch holds, in bytes.
    var memory: Int { bytes.count + cells.count * MemoryLayout<Range<Int>>.stride }

    /// Forgets the records (keeping the capacity).
    mutating func removeAll() {
      bytes.removeAll(keepingCapacity: true)
      cells.removeAll(keepingCapacity: true)
    }

    fileprivate mutating func append(
      record: UnsafeBufferPointer<UInt8>, from start: Int, unquoted: [UInt8], cells recordCells: [Cell]
    ) {
      let (base, quotedBase) = (bytes.count - start, bytes.count + record.count)
      bytes.append(contentsOf: record)
      bytes.append(contentsOf: unquoted)
      for cell in recordCells {
        let offset = cell.quoted ? quotedBase : base
        cells.append((cell.start + offset)..<(cell.end + offset))
      }
    }
  }

  /// The longest record read: a quarter of this machine's memory (a file of one endless line
  /// would otherwise take it all).
  static var recordLimit: Int { InputFile.limit }

  private static let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\"")
  private static let newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r"), nul = UInt8(0)
  private static let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")

  /// Reads `stream` (which names the file).
  init(stream: ByteStream) throws {
    self.stream = stream
    file = stream.file
    buffer.reserveCapacity(stream.blockSize * 2)
    while buffer.count < 3 && !streamEnded { try refill() }
    if buffer.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
  }

  /// Opens `file` (plain or gzip-compressed, a regular file or a pipe).
  init(contentsOf file: String) throws {
    try self.init(stream: try ByteStream(contentsOf: file))
  }

  /// Reads `bytes` (plain or gzip-compressed) as if from `file`.
  init(bytes: [UInt8], file: String) throws {
    try self.init(stream: try ByteStream(bytes: bytes, file: file))
  }

  /// Cells in the current record.
  var cellCount: Int { cells.count }

  /// Copies the current record (its bytes and its cells' ranges) into `batch`.
  func appendRecord(to batch: inout RecordBatch) {
    buffer.withUnsafeBufferPointer { all in
      batch.append(
        record: UnsafeBufferPointer(rebasing: all[recordBytes]), from: recordBytes.lowerBound, unquoted: unquoted,
        cells: cells)
    }
  }

  /// Calls `body` with the bytes of cell `index` of the current record (untrimmed).
  func withCell<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
    let cell = cells[index]
    // Each buffer read in place (a copy of either array into a local would cost two atomic
    // reference-count operations per cell).
    if cell.quoted {
      return try unquoted.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[cell.start..<cell.end])) }
    }
    return try buffer.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[cell.start..<cell.end])) }
  }

  /// Cell `index` of the current record as text (untrimmed).
  func string(at index: Int) -> String {
    withCell(index) { String(decoding: $0, as: UTF8.self) }
  }

  /// Cell `index` of the current record without leading and trailing whitespace.
  func trimmedString(at index: Int) -> String {
    string(at: index).trimmedCell
  }

  /// The current record's cells as text (untrimmed).
  var strings: [String] { cells.indices.map(string(at:)) }

  /// What a numeric cell holds.
  enum Number: Equatable {
    /// A finite number.
    case value(Float)
    /// A missing-value marker (see ``CSVTable/missingMarkers``).
    case missing
    /// Anything else (the cell's trimmed text is in the error).
    case malformed
  }

  /// Cell `index` of the current record read as a number: trimmed, a missing marker, a finite
  /// `Float` as `Float(_:)` reads it (same value, same rejections), or malformed.
  func number(at index: Int) -> Number {
    withCell(index, Self.number(in:))
  }

  /// A cell's `bytes` (untrimmed) read as ``number(at:)`` reads them.
  static func number(in bytes: UnsafeBufferPointer<UInt8>) -> Number {
    var start = 0
    var end = bytes.count
    while start < end, bytes[start] == space || bytes[start] == tab { start += 1 }
    while end > start, bytes[end - 1] == space || bytes[end - 1] == tab { end -= 1 }
    let trimmed = UnsafeBufferPointer(rebasing: bytes[start..<end])
    if let value = fastDecimal(trimmed) { return .value(value) }
    if isMissingMarker(trimmed) { return .missing }
    // Anything unusual (exponents, long mantissas, Unicode spaces) goes the general way.
    let text = String(decoding: bytes, as: UTF8.self).trimmedCell
    if MixedTable.isMissing(text) { return .missing }
    guard let value = Float(text), value.isFinite else { return .malformed }
    return .value(value)
  }

  /// Whether `bytes` (trimmed) are one of ``CSVTable/missingMarkers`` in any ASCII case,
  /// decided on the bytes (a missing cell in a numeric column is common: no `String` for it).
  private static func isMissingMarker(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard bytes.count <= 4 else { return false }
    var folded: UInt32 = 0
    for byte in bytes {
      let lower = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
      folded = folded << 8 | UInt32(lower)
    }
    return missingMarkerCodes.contains(folded)
  }

  /// ``CSVTable/missingMarkers`` packed as `isMissingMarker` packs a cell's bytes.
  private static let missingMarkerCodes: Set<UInt32> = Set(
    CSVTable.missingMarkers.map { marker in marker.utf8.reduce(UInt32(0)) { $0 << 8 | UInt32($1) } })

  /// `[+-]?digits[.digits]` with at most 7 significant digits and 10 decimals, read exactly:
  /// the integer and the power of ten are both exact in a `Float`, so the one division rounds
  /// correctly and gives what `Float(_:)` gives (Clinger's fast path). Nil for anything else.
  private static func fastDecimal(_ bytes: UnsafeBufferPointer<UInt8>) -> Float? {
    guard let base = bytes.baseAddress else { return nil }
    let count = bytes.count
    var index = 0
    var negative = false
    if count > 0, base[0] == UInt8(ascii: "-") || base[0] == UInt8(ascii: "+") {
      negative = base[0] == UInt8(ascii: "-")
      index = 1
    }
    // At most 7 significant digits is a mantissa below 10⁷ (leading zeros add nothing), checked
    // at each digit, so the accumulator never overflows.
    var mantissa: UInt32 = 0
    let integerStart = index
    while index < count {
      let digit = base[index] &- UInt8(ascii: "0")
      guard digit < 10 else { break }
      mantissa = mantissa * 10 + UInt32(digit)
      guard mantissa < 10_000_000 else { return nil }
      index += 1
    }
    var digits = index - integerStart
    var decimals = 0
    if index < count, base[index] == UInt8(ascii: ".") {
      index += 1
      let fractionStart = index
      while index < count {
        let digit = base[index] &- UInt8(ascii: "0")
        guard digit < 10 else { break }
        mantissa = mantissa * 10 + UInt32(digit)
        guard mantissa < 10_000_000 else { return nil }
        index += 1
      }
      decimals = index - fractionStart
      digits += decimals
    }
    guard index == count, digits > 0, decimals <= 10 else { return nil }
    let value = Float(mantissa) / powerOfTen(decimals)
    return negative ? -value : value
  }

  /// 10ⁿ for n in 0…10, exact in a `Float`.
  @inline(__always)
  private static func powerOfTen(_ n: Int) -> Float {
    switch n {
    case 0: 1
    case 1: 10
    case 2: 100
    case 3: 1e3
    case 4: 1e4
    case 5: 1e5
    case 6: 1e6
    case 7: 1e7
    case 8: 1e8
    case 9: 1e9
    default: 1e10
    }
  }

  /// The first record's cells as column names: trimmed, and each named once.
  mutating func header() throws -> [String] {
    guard try nextRecord() else { throw DatasetError.emptyFile(file: file) }
    let names = strings.map { $0.trimmingCharacters(in: .whitespaces) }
    var seen = Set<String>()
    for name in names where !seen.insert(name).inserted {
      throw DatasetError.duplicateColumn(file: file, column: name)
    }
    return names
  }

  /// Throws unless the current record has `count` cells (the header's).
  func checkWidth(_ count: Int) throws {
    guard cells.count == count else {
      throw DatasetError.raggedRow(file: file, line: recordLine, expected: count, found: cells.count)
    }
  }

  /// Reads the next non-blank record; false at the end of the input.
  mutating func nextRecord() throws -> Bool {
    while true {
      guard try tokenizeRecord() else { return false }
      // A blank line: one cell of whitespace.
      if cells.count == 1 && string(at: 0).allSatisfy(\.isWhitespace) { continue }
      return true
    }
  }

  /// Tokenizes one record (blank or not) into `cells`; false at the end of the input.
  private mutating func tokenizeRecord() throws -> Bool {
    while true {
      if position == buffer.count {
        guard !streamEnded else { return false }
        try refill()
        continue
      }
      if let next = try scanRecord(from: position) {
        recordLine = line
        line += next.lines
        recordBytes = position..<next.end
        position = next.end
        return true
      }
      // The record runs past the window: keep its start, read more, and scan it again.
      guard !streamEnded else { preconditionFailure("a record at the end of the input always completes") }
      guard buffer.count - position < Self.recordLimit else {
        throw DatasetError.tooLarge(
          file: file, what: "a record of more than \(Self.recordLimit) bytes", limitBytes: Self.recordLimit)
      }
      try refill()
    }
  }

  /// Drops the bytes before `position` and reads the next block after the rest.
  private mutating func refill() throws {
    if position > 0 {
      buffer.removeSubrange(0..<position)
      position = 0
    }
    let read = try stream.read(into: &buffer, upTo: stream.blockSize)
    if read == 0 { streamEnded = true }
  }

  /// Scans the record starting at `start` into `cells`: where it ends and how many line breaks
  /// it holds, or nil when it runs past the bytes read so far and more may come.
  private mutating func scanRecord(from start: Int) throws -> (end: Int, lines: Int)? {
    cells.removeAll(keepingCapacity: true)
    unquoted.removeAll(keepingCapacity: true)
    let ended = streamEnded
    let startLine = line
    var cellStart = start
    var lines = 0
    let window = buffer  // shared, not copied: `cells` and `unquoted` change while it is read
    let result: (end: Int, lines: Int)?? = try window.withUnsafeBufferPointer { bytes in
      var index = start
      let count = bytes.count
      let base = UnsafeRawPointer(bytes.baseAddress)
      while true {
        // An unquoted stretch: up to a comma, a line end, a quote or a NUL.
        while index < count {
          // Eight bytes at a time while none is at most a comma: a byte below 0x2D sets its top
          // bit in `hits` (the lowest such byte exactly; non-ASCII bytes never).
          if let base, index + 8 <= count {
            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            let hits = (word &- 0x2D2D_2D2D_2D2D_2D2D) & ~word & 0x8080_8080_8080_8080
            if hits == 0 {
              index += 8
              continue
            }
            index += hits.trailingZeroBitCount >> 3
          }
          let byte = bytes[index]
          // Every byte that stops the stretch is at most a comma (0x2C): digits, letters, '.'
          // and '-' are decided by this one comparison.
          if byte <= Self.comma,
            byte == Self.comma || byte == Self.newline || byte == Self.carriageReturn || byte == Self.quote
              || byte == Self.nul
          {
            break
          }
          index += 1
        }
        guard index < count else {
          if !ended { return .some(nil) }
          cells.append(Cell(start: cellStart, end: index, quoted: false))
          return (index, lines)
        }
        let byte = bytes[index]
        switch byte {
        case Self.comma:
          cells.append(Cell(start: cellStart, end: index, quoted: false))
          index += 1
          cellStart = index
        case Self.newline:
          cells.append(Cell(start: cellStart, end: index, quoted: false))
          return (index + 1, lines + 1)
        case Self.carriageReturn:
          guard index + 1 < count || ended else { return .some(nil) }
          cells.append(Cell(start: cellStart, end: index, quoted: false))
          // CRLF ends at the LF; a lone CR is a line end of its own.
          let crlf = index + 1 < count && bytes[index + 1] == Self.newline
          return (index + (crlf ? 2 : 1), lines + 1)
        case Self.nul:
          throw DatasetError.nulByte(file: file, line: startLine + lines, column: cells.count + 1)
        default:  // a quote
          guard bytes[cellStart..<index].allSatisfy({ $0 == Self.space }) else {
            index += 1  // a quote inside an unquoted cell is a literal
            continue
          }
          // A quoted cell: unescape it into `unquoted`, with whatever follows its closing quote.
          switch try scanQuoted(bytes, from: index + 1, line: startLine + lines, ended: ended) {
          case nil: return .some(nil)
          case .some(let quoted):
            lines += quoted.lines
            index = quoted.end
            cellStart = index
            if let terminator = quoted.terminator {
              if terminator.endsRecord { return (terminator.next, lines + 1) }
              cellStart = terminator.next
              index = terminator.next
            } else {
              return (index, lines)  // the input's end
            }
          }
        }
      }
    }
    return result ?? nil
  }

  /// What ends a quoted cell's trailing stretch.
  private struct Terminator {
    /// Where the next cell or record starts.
    var next: Int
    /// Whether it was a line end (not a comma).
    var endsRecord: Bool
  }

  /// Reads a quoted cell whose opening quote is just before `start`, and the unquoted bytes
  /// after its closing quote up to the next comma or line end, appending the cell to `cells`
  /// (its bytes in `unquoted`). Nil when the bytes run out before the input does.
  private mutating func scanQuoted(
    _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, line startLine: Int, ended: Bool
  ) throws -> (end: Int, lines: Int, terminator: Terminator?)? {
    let cellStart = unquoted.count
    var index = start
    var lines = 0
    var quoted = true
    let count = bytes.count
    while index < count {
      let byte = bytes[index]
      if byte == Self.nul {
        throw DatasetError.nulByte(file: file, line: startLine + lines, column: cells.count + 1)
      }
      if quoted {
        if byte == Self.quote {
          guard index + 1 < count || ended else { return nil }
          if index + 1 < count && bytes[index + 1] == Self.quote {
            unquoted.append(Self.quote)
            index += 2
          } else {
            quoted = false
            index += 1
          }
          continue
        }
        if byte == Self.newline {
          lines += 1
        } else if byte == Self.carriageReturn {
          guard index + 1 < count || ended else { return nil }
          if index + 1 == count || bytes[index + 1] != Self.newline { lines += 1 }
        }
        unquoted.append(byte)
        index += 1
        continue
      }
      // After the closing quote: bytes up to a comma or a line end belong to the cell.
      switch byte {
      case Self.comma:
        cells.append(Cell(start: cellStart, end: unquoted.count, quoted: true))
        return (index, lines, Terminator(next: index + 1, endsRecord: false))
      case Self.newline:
        cells.append(Cell(start: cellStart, end: unquoted.count, quoted: true))
        return (index, lines, Terminator(next: index + 1, endsRecord: true))
      case Self.carriageReturn:
        guard index + 1 < count || ended else { return nil }
        let crlf = index + 1 < count && bytes[index + 1] == Self.newline
        cells.append(Cell(start: cellStart, end: unquoted.count, quoted: true))
        return (index, lines, Terminator(next: index + (crlf ? 2 : 1), endsRecord: true))
      case Self.quote where unquoted[cellStart...].allSatisfy({ $0 == Self.space }):
        // A quote at the start of the cell's remaining text opens a new quoted stretch.
        unquoted.removeSubrange(cellStart...)
        quoted = true
        index += 1
        continue
      default:
        unquoted.append(byte)
        index += 1
        continue
      }
    }
    guard ended else { return nil }
    if quoted { throw DatasetError.unterminatedQuote(file: file, line: line) }
    cells.append(Cell(start: cellStart, end: unquoted.count, quoted: true))
    return (index, lines, nil)
  }
}
