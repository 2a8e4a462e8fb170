import Foundation

/// A streaming CSV tokenizer: one record at a time from a ``ByteStream``, holding no more of the
/// file than the record being read and one block, and tracking line numbers for errors.
///
/// Format: cells separated by commas; a cell may be quoted with `"` (after leading spaces), a
/// doubled `""` inside being a literal quote, and a quoted cell may span lines. Lines end with
/// LF, CRLF or a lone CR; blank lines are skipped; a UTF-8 byte-order mark is skipped; a NUL
/// byte is an error. The record's cells are read in place as bytes (``withCell(_:_:)``,
/// ``number(at:)``), so that a number never becomes a `String`; ``withRecords(upTo:width:_:)``
/// tokenizes many records at once and lends their cells in place, for reading column by column.
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
  /// The current record's cells (or a chunk's, record after record): byte ranges in `buffer`,
  /// or (quoted cells) in `unquoted`.
  private let cells = CellList()
  private var unquoted: [UInt8] = []
  /// The 1-based line on which the current record starts.
  private(set) var recordLine = 0
  /// The 1-based line on which each record of the chunk being read starts.
  private var chunkLines: [Int] = []
  /// The index in `cells` of the first cell of the record being scanned.
  private var recordFirstCell = 0

  fileprivate struct Cell {
    var start: Int
    var end: Int
    var quoted: Bool
  }

  /// Records tokenized together (``withRecords(upTo:width:_:)``), their cells' bytes lent in
  /// place: valid only while the chunk is being read.
  struct RecordChunk {
    /// Records in the chunk.
    let count: Int
    /// Cells per record.
    let width: Int
    /// The 1-based line on which each record starts.
    let lines: UnsafeBufferPointer<Int>
    fileprivate let window: UnsafeBufferPointer<UInt8>
    fileprivate let unquoted: UnsafeBufferPointer<UInt8>
    fileprivate let cells: UnsafeBufferPointer<Cell>

    /// The bytes of cell `column` of record `record` (untrimmed), and how many bytes after
    /// them may be read too (``CSVReader/number(in:slack:)`` reads short numbers a word at a time).
    @inline(__always)
    func cell(_ record: Int, _ column: Int) -> (bytes: UnsafeBufferPointer<UInt8>, slack: Int) {
      let cell = cells[record &* width &+ column]
      let buffer = cell.quoted ? unquoted : window
      return (UnsafeBufferPointer(rebasing: buffer[cell.start..<cell.end]), buffer.count &- cell.end)
    }

    /// Cell `column` of record `record` as text, without leading and trailing whitespace.
    func trimmedString(_ record: Int, _ column: Int) -> String {
      String(decoding: cell(record, column).bytes, as: UTF8.self).trimmedCell
    }

    /// Reads cells `columns` of each record of `records` as ``CSVReader/number(in:slack:)``
    /// reads them, record by record (each record's bytes once, in order), into `values`: the
    /// number of column `columns[slot]` of `records[index]` at `slot * stride + index`, a
    /// missing cell NaN. A malformed cell is NaN too, and `malformed(index, slot)` is called for
    /// it; when that returns true, reading stops there (the record's cells before it read).
    /// Returns how many records were read whole.
    func numbers(
      columns: [Int], of records: UnsafeBufferPointer<Int>, into values: UnsafeMutableBufferPointer<Float>,
      stride: Int, malformed: (_ index: Int, _ slot: Int) -> Bool
    ) -> Int {
      precondition(stride >= records.count && values.count >= stride * columns.count, "room for the values")
      return columns.withUnsafeBufferPointer { columns in numbers(columns, records, values, stride, malformed) }
    }

    private func numbers(
      _ columns: UnsafeBufferPointer<Int>, _ records: UnsafeBufferPointer<Int>,
      _ values: UnsafeMutableBufferPointer<Float>, _ stride: Int, _ malformed: (_ index: Int, _ slot: Int) -> Bool
    ) -> Int {
      for (index, record) in records.enumerated() {
        let first = record &* width
        for (slot, column) in columns.enumerated() {
          let cell = cells[first &+ column]
          let buffer = cell.quoted ? unquoted : window
          let bytes = UnsafeBufferPointer(rebasing: buffer[cell.start..<cell.end])
          let value: Float
          switch CSVReader.number(in: bytes, slack: buffer.count &- cell.end) {
          case .value(let number): value = number
          case .missing: value = .nan
          case .malformed:
            values[slot &* stride &+ index] = .nan
            if malformed(index, slot) { return index }
            continue
          }
          values[slot &* stride &+ index] = value
        }
      }
      return records.count
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
  var strings: [String] { (0..<cells.count).map(string(at:)) }

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
    withCell(index) { Self.number(in: $0) }
  }

  /// A cell's `bytes` (untrimmed) read as ``number(at:)`` reads them; `slack` bytes after
  /// the cell may be read too (they belong to the same buffer), which lets a short number be
  /// read a word at a time (``wordDecimal(_:slack:)``, ``isUsualMissingMarker(_:slack:)``),
  /// the rest in ``generalNumber(in:)``.
  @inline(__always)
  static func number(in bytes: UnsafeBufferPointer<UInt8>, slack: Int = 0) -> Number {
    if let value = wordDecimal(bytes, slack: slack) { return .value(value) }
    if isUsualMissingMarker(bytes, slack: slack) { return .missing }
    return generalNumber(in: bytes)
  }

  /// ``number(in:slack:)`` of any cell: trimmed, then a decimal, a missing marker or what
  /// `Float(_:)` reads.
  @inline(never)
  fileprivate static func generalNumber(in bytes: UnsafeBufferPointer<UInt8>) -> Number {
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

  /// A cell of `[+-]?` and at most 8 characters `digits[.digits]` (at least one digit) whose
  /// digits make less than 10⁷, read as ``fastDecimal(_:)`` reads it but as one word (8 bytes
  /// from after the sign, `slack` bytes past the cell being readable); nil for any other cell.
  @inline(__always)
  fileprivate static func wordDecimal(_ bytes: UnsafeBufferPointer<UInt8>, slack: Int) -> Float? {
    guard let base = bytes.baseAddress, bytes.count &+ slack >= 9 else { return nil }
    // The sign without a branch (half the numbers may be negative, in no order a branch
    // predictor learns): 1 when the first byte is '-' (or '+').
    let first = UInt32(base[0])
    let minus: UInt32 = ((first ^ 0x2D) &- 1) &>> 31
    let plus: UInt32 = ((first ^ 0x2B) &- 1) &>> 31
    let sign = Int(minus | plus)
    let count = bytes.count &- sign
    guard count >= 1, count <= 8 else { return nil }
    let word = UInt64(littleEndian: UnsafeRawPointer(base + sign).loadUnaligned(as: UInt64.self))
    // The cell's bytes, the first lowest; past them 0 (never a '.').
    let text = count == 8 ? word : word & ~(UInt64.max &<< (UInt64(count) &<< 3))
    // The lowest '.', the lowest zero byte of `text ^ "........"` (exact at the lowest one),
    // taken out: the digits close up.
    let dots = text ^ 0x2E2E_2E2E_2E2E_2E2E
    let zeros = (dots &- 0x0101_0101_0101_0101) & ~dots & 0x8080_8080_8080_8080
    var digits = text
    var digitCount = count
    var decimals = 0
    if zeros != 0 {
      let point = zeros.trailingZeroBitCount &>> 3
      let pointBits = UInt64(point) &<< 3
      digits = (text & ~(UInt64.max &<< pointBits)) | (((text &>> pointBits) &>> 8) &<< pointBits)
      digitCount = count &- 1
      decimals = count &- 1 &- point
      guard digitCount > 0 else { return nil }
    }
    // Leading '0's pad the digits to eight, each then checked to be a digit.
    let padding = UInt64(8 &- digitCount) &<< 3
    let padded = (digits &<< padding) | (0x3030_3030_3030_3030 & ~(UInt64.max &<< padding))
    guard ((padded &+ 0x4646_4646_4646_4646) | (padded &- 0x3030_3030_3030_3030)) & 0x8080_8080_8080_8080 == 0
    else { return nil }
    let mantissa = eightDigits(padded)
    guard mantissa < 10_000_000 else { return nil }
    let value = Float(mantissa) / powerOfTen(decimals)
    return Float(bitPattern: value.bitPattern | minus &<< 31)
  }

  /// Whether a cell is one of the usual spellings of a missing value (empty, `NA`, `na`, `NaN`,
  /// `nan`, `N/A`, `n/a`, `null`, `NULL`, `None`, `none`, `?`), compared as one word (`slack`
  /// bytes past the cell being readable); false for anything else, which
  /// ``generalNumber(in:)`` then decides.
  @inline(__always)
  fileprivate static func isUsualMissingMarker(_ bytes: UnsafeBufferPointer<UInt8>, slack: Int) -> Bool {
    let count = bytes.count
    if count == 0 { return true }
    guard count <= 4, count &+ slack >= 8, let base = bytes.baseAddress else { return false }
    let word =
      UInt64(littleEndian: UnsafeRawPointer(base).loadUnaligned(as: UInt64.self))
      & ~(UInt64.max &<< (UInt64(count) &<< 3))
    switch word {
    // Little-endian: the first character is the lowest byte ("NA" is 0x41_4E).
    case 0x41_4E, 0x61_6E, 0x4E_61_4E, 0x6E_61_6E, 0x41_2F_4E, 0x61_2F_6E, 0x6C_6C_75_6E, 0x4C_4C_55_4E,
      0x65_6E_6F_4E, 0x65_6E_6F_6E, 0x3F:
      return true
    default:
      return false
    }
  }

  /// The value of eight ASCII digits, the first in the lowest byte (Lemire's SWAR method).
  @inline(__always)
  private static func eightDigits(_ word: UInt64) -> UInt64 {
    var value = ((word & 0x0F0F_0F0F_0F0F_0F0F) &* 2561) &>> 8
    value = ((value & 0x00FF_00FF_00FF_00FF) &* 6_553_601) &>> 16
    return ((value & 0x0000_FFFF_0000_FFFF) &* 42_949_672_960_001) &>> 32
  }

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
      cells.removeAll()
      unquoted.removeAll(keepingCapacity: true)
      guard try tokenizeRecord(refilling: true) else { return false }
      if isBlank(from: 0) { continue }
      return true
    }
  }

  /// Tokenizes the next records, at most `limit` (at least 1; blank lines skipped), each of
  /// `width` cells, and calls `body` with them in place: the records complete in the bytes read
  /// so far (more are read only when none is). A record that fails (a NUL byte, an unterminated
  /// quote, another number of cells, …) ends the chunk: `body` reads the records before it, then
  /// the record's error is thrown. Returns nil, not calling `body`, at the end of the input.
  mutating func withRecords<R>(upTo limit: Int, width: Int, _ body: (RecordChunk) throws -> R) throws -> R? {
    cells.removeAll()
    unquoted.removeAll(keepingCapacity: true)
    chunkLines.removeAll(keepingCapacity: true)
    var failure: (any Error)? = nil
    do {
      while chunkLines.count < limit {
        let first = cells.count
        // More bytes are read only for the chunk's first record, before any cell is lent.
        guard try tokenizeRecord(refilling: chunkLines.isEmpty) else { break }
        if isBlank(from: first) {
          cells.truncate(to: first)
          continue
        }
        guard cells.count - first == width else {
          let found = cells.count - first
          cells.truncate(to: first)
          throw DatasetError.raggedRow(file: file, line: recordLine, expected: width, found: found)
        }
        chunkLines.append(recordLine)
      }
    } catch {
      failure = error
    }
    guard !chunkLines.isEmpty else {
      if let failure { throw failure }
      return nil
    }
    let result = try buffer.withUnsafeBufferPointer { window in
      try unquoted.withUnsafeBufferPointer { unquoted in
        try chunkLines.withUnsafeBufferPointer { lines in
          try body(
            RecordChunk(
              count: lines.count, width: width, lines: lines, window: window, unquoted: unquoted, cells: cells.buffer))
        }
      }
    }
    if let failure { throw failure }
    return result
  }

  /// Whether the record whose cells start at `first` is a blank line: one cell of whitespace.
  private func isBlank(from first: Int) -> Bool {
    cells.count - first == 1 && string(at: first).allSatisfy(\.isWhitespace)
  }

  /// Tokenizes one record (blank or not), appending its cells to `cells`; false at the end of
  /// the input, or, unless `refilling`, when the record runs past the bytes read so far.
  private mutating func tokenizeRecord(refilling: Bool) throws -> Bool {
    while true {
      if position == buffer.count {
        guard !streamEnded, refilling else { return false }
        try refill()
        continue
      }
      if let next = try scanRecord(from: position) {
        recordLine = line
        line += next.lines
        position = next.end
        return true
      }
      // The record runs past the window: keep its start, read more, and scan it again.
      guard !streamEnded else { preconditionFailure("a record at the end of the input always completes") }
      guard refilling else { return false }
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

  /// Scans the record starting at `start`, appending its cells to `cells` (and its quoted
  /// cells' bytes to `unquoted`): where it ends and how many line breaks it holds, or nil (its
  /// cells taken back) when it runs past the bytes read so far and more may come.
  private mutating func scanRecord(from start: Int) throws -> (end: Int, lines: Int)? {
    let (firstCell, firstUnquoted) = (cells.count, unquoted.count)
    recordFirstCell = firstCell
    // The buffer is shared, not copied: `cells` and `unquoted` change while it is read.
    let window = buffer
    do {
      if let scanned = try scanRecord(window, from: start, line: line, ended: streamEnded) ?? nil { return scanned }
    } catch {
      cells.truncate(to: firstCell)
      unquoted.removeSubrange(firstUnquoted...)
      throw error
    }
    // The record runs past the bytes read so far: its cells are taken back.
    cells.truncate(to: firstCell)
    unquoted.removeSubrange(firstUnquoted...)
    return nil
  }

  /// ``scanRecord(from:)`` in `window` (the buffer, not copied: `cells` and `unquoted` change
  /// while it is read): `.some(nil)` when the record runs past it and more may come.
  private mutating func scanRecord(
    _ window: [UInt8], from start: Int, line startLine: Int, ended: Bool
  ) throws -> (end: Int, lines: Int)?? {
    var cellStart = start
    var lines = 0
    return try window.withUnsafeBufferPointer { bytes in
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
          throw DatasetError.nulByte(file: file, line: startLine + lines, column: cells.count - recordFirstCell + 1)
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
        throw DatasetError.nulByte(file: file, line: startLine + lines, column: cells.count - recordFirstCell + 1)
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

/// The cells tokenized so far (of a record, or of a chunk's records): a growable buffer that
/// the tokenizer appends to with no uniqueness check per cell (the reader owns it alone).
private final class CellList {
  private var base: UnsafeMutablePointer<CSVReader.Cell>
  private var capacity = 256
  /// Cells held.
  private(set) var count = 0

  init() { base = .allocate(capacity: capacity) }

  deinit { base.deallocate() }

  /// Cell `index` (below ``count``).
  subscript(index: Int) -> CSVReader.Cell {
    precondition(index >= 0 && index < count, "a cell held")
    return base[index]
  }

  /// The cells held, valid until the next change.
  var buffer: UnsafeBufferPointer<CSVReader.Cell> { UnsafeBufferPointer(start: base, count: count) }

  @inline(__always)
  func append(_ cell: CSVReader.Cell) {
    if count == capacity { grow() }
    base[count] = cell
    count &+= 1
  }

  /// Forgets the cells from `index` on.
  func truncate(to index: Int) {
    precondition(index >= 0 && index <= count, "a count held")
    count = index
  }

  /// Forgets every cell (keeping the capacity).
  func removeAll() { count = 0 }

  private func grow() {
    let larger = UnsafeMutablePointer<CSVReader.Cell>.allocate(capacity: capacity * 2)
    larger.moveInitialize(from: base, count: count)
    base.deallocate()
    base = larger
    capacity *= 2
  }
}
