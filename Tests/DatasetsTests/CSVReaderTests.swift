import Foundation
import LinearAlgebra
import Testing

@testable import Datasets

@Suite struct CSVReaderTests {
  /// Every record of `bytes` (cells and start lines), read `blockSize` bytes at a time.
  func records(_ bytes: [UInt8], blockSize: Int = ByteStream.defaultBlockSize) throws -> [([String], Int)] {
    var reader = try CSVReader(stream: ByteStream(bytes: bytes, file: "t.csv", blockSize: blockSize))
    var result: [([String], Int)] = []
    while try reader.nextRecord() { result.append((reader.strings, reader.recordLine)) }
    return result
  }

  /// What reading `bytes` throws, `blockSize` bytes at a time (nil if nothing).
  func failure(_ bytes: [UInt8], blockSize: Int) -> DatasetError? {
    do {
      _ = try records(bytes, blockSize: blockSize)
      return nil
    } catch {
      return error as? DatasetError
    }
  }

  static let tricky =
    "\u{FEFF}a,\"b\"\r\n1,\"x, \"\"quoted\"\"\"\r\n\n  \"sp\"ace,\"multi\nline\"\r2,\"\"\"\"\n\"\" \"re\"open,last"

  @Test func trickyRecordsAreReadAsWritten() throws {
    let read = try records(Array(Self.tricky.utf8))
    #expect(
      read.map(\.0) == [
        ["a", "b"], ["1", "x, \"quoted\""], ["space", "multi\nline"], ["2", "\""], ["reopen", "last"],
      ])
    #expect(read.map(\.1) == [1, 2, 4, 6, 7])
  }

  /// A record cut anywhere by a block boundary reads the same: every block size from 2 bytes up.
  @Test func blockBoundariesDoNotChangeTheRecords() throws {
    let bytes = Array(Self.tricky.utf8)
    let whole = try records(bytes)
    for blockSize in 2...bytes.count + 1 {
      let read = try records(bytes, blockSize: blockSize)
      #expect(read.map(\.0) == whole.map(\.0), "block size \(blockSize)")
      #expect(read.map(\.1) == whole.map(\.1), "block size \(blockSize)")
    }
  }

  @Test func errorsNameTheSameLineWhateverTheBlockSize() throws {
    let unterminated = Array("a,b\n1,2\n3,\"open\n\nstill".utf8)
    let nul = Array("a,b\n1,\"x\ny\"\n2,\u{0}\n".utf8)
    for blockSize in [2, 3, 5, 8, 64] {
      #expect(failure(unterminated, blockSize: blockSize) == .unterminatedQuote(file: "t.csv", line: 3))
      #expect(failure(nul, blockSize: blockSize) == .nulByte(file: "t.csv", line: 4, column: 2))
    }
  }

  /// The fast number paths give exactly what `Float(_:)` gives, on random decimals of every
  /// shape they take and some they hand on: a cell read alone, and one read a word at a time
  /// with other bytes after it (digits, a dot, a comma).
  @Test func numbersReadAsFloatReadsThem() throws {
    var generator = SplitMix64(seed: 7)
    var texts: [String] = [
      "0", "-0", "+1", ".5", "5.", "-.25", "007", "1e3", "1.5E-2", "inf", "nan", "NA", "", " 2 ", "1.2.3", "-", ".",
      "+.", "-.", "..", "1..", "12345678", "1234567", "9999999.", ".9999999", "0000000.1", "1,5", "1 5", "١", "1/2",
      "12:3", "\t7", "7\t", "-+1", "+-1", "0x1", "1.5e", "1234.5678", "NULL", "None", "none", "n/a", "N/A", "?", "N/a",
      "nUlL", "NaN", "NAN", "-NA", "NA?", "??",
    ]
    for _ in 0..<20_000 {
      let digits = 1 + generator.uniformIndex(below: 10)
      var text = generator.uniformUnit() < 0.3 ? "-" : ""
      let point = generator.uniformIndex(below: digits + 1)
      for index in 0..<digits {
        if index == point && index > 0 { text += "." }
        text += String(generator.uniformIndex(below: 10))
      }
      texts.append(text)
    }
    let csv = "x,k\n" + texts.map { "\"\($0)\",1" }.joined(separator: "\n") + "\n"
    var reader = try CSVReader(bytes: Array(csv.utf8), file: "t.csv")
    _ = try reader.header()
    for text in texts {
      #expect(try reader.nextRecord())
      let trimmed = text.trimmingCharacters(in: .whitespaces)
      let expected: CSVReader.Number =
        MixedTable.isMissing(trimmed)
        ? .missing : Float(trimmed).map { $0.isFinite ? .value($0) : .malformed } ?? .malformed
      for trailing in ["", "9", ".", ",", "99999999", "........"] {
        let bytes = Array(text.utf8) + Array(trailing.utf8)
        let read =
          trailing.isEmpty
          ? reader.number(at: 0)
          : bytes.withUnsafeBufferPointer {
            CSVReader.number(in: UnsafeBufferPointer(rebasing: $0[0..<text.utf8.count]), slack: trailing.utf8.count)
          }
        if case .value(let value) = expected, case .value(let got) = read {
          #expect(value.bitPattern == got.bitPattern, "\(text) + \(trailing)")
        } else {
          #expect(read == expected, "\(text) + \(trailing)")
        }
      }
    }
  }

  /// A gzip file (two members) streams as its plain text does, in small blocks too.
  @Test func gzipFilesStreamLikeTheirText() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("csv-gz-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    var text = "a,b,y\n"
    for row in 0..<3000 { text += "\(row),\(Double(row) / 7),\"c\(row % 5)\"\n" }
    let half = text.index(text.startIndex, offsetBy: text.count / 2)
    var members = Data()
    for (index, part) in [String(text[..<half]), String(text[half...])].enumerated() {
      let plain = directory.appendingPathComponent("part\(index).csv")
      try Data(part.utf8).write(to: plain)
      let gzip = Process()
      gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
      gzip.arguments = ["-k", plain.path]
      try gzip.run()
      gzip.waitUntilExit()
      members.append(try Data(contentsOf: URL(fileURLWithPath: plain.path + ".gz")))
    }
    let compressed = directory.appendingPathComponent("all.csv.gz").path
    try members.write(to: URL(fileURLWithPath: compressed))
    let expected = try records(Array(text.utf8))
    for blockSize in [7, 4096, ByteStream.defaultBlockSize] {
      var reader = try CSVReader(stream: ByteStream(contentsOf: compressed, blockSize: blockSize))
      var read: [[String]] = []
      while try reader.nextRecord() { read.append(reader.strings) }
      #expect(read == expected.map(\.0), "block size \(blockSize)")
    }
    let table = try CSVTable(contentsOf: compressed, labelColumn: "y")
    #expect(table.features.rows == 3000)
    #expect(table.rowLines.last == 3001)
    // Cut short: an error naming the file, not a shorter table.
    let cut = directory.appendingPathComponent("cut.csv.gz").path
    try members.prefix(members.count - 20).write(to: URL(fileURLWithPath: cut))
    #expect(throws: DatasetError.corruptGzip(file: cut, reason: "unexpected end of file")) {
      try CSVTable(contentsOf: cut, labelColumn: "y")
    }
  }

  /// Batches of a mixed table, put together, are the whole table.
  @Test func mixedTableBatchesAreTheWholeTable() throws {
    var text = "id,x,colour,flag,y\n"
    var generator = SplitMix64(seed: 3)
    for row in 0..<257 {
      let x = generator.uniformUnit() < 0.1 ? "NA" : String(format: "%.3f", generator.standardNormal())
      text += "\(row),\(x),\(["red", "blue", "green"][row % 3]),\(row % 2 == 0 ? "true" : "false"),\(row % 4)\n"
    }
    let bytes = Array(text.utf8)
    let source = try MixedTable(bytes: bytes, file: "t.csv", options: SchemaOptions(label: "y"))
    let whole = try MixedTable(bytes: bytes, file: "t.csv", schema: source.schema)
    var reader = try MixedTableReader(
      reader: CSVReader(bytes: bytes, file: "t.csv"), schema: source.schema, labelRequired: false, keepingText: ["id"])
    var lines: [Int] = []
    var labels: [String] = []
    var ids: [String] = []
    var numbers: [Float] = []
    var colours: [String] = []
    while let batch = try reader.next(rows: 50) {
      #expect(batch.rowCount <= 50)
      lines += batch.rowLines
      labels += batch.labels ?? []
      ids += batch.texts["id"] ?? []
      for column in batch.features {
        switch (column.name, column.values) {
        case ("x", .numeric(let values)): numbers += values
        case ("colour", .categorical(let levels, let codes)): colours += codes.map { levels[Int($0)] }
        default: break
        }
      }
    }
    #expect(lines == whole.rowLines)
    #expect(labels == whole.labels)
    #expect(ids == (0..<257).map(String.init))
    guard case .numeric(let wholeNumbers) = whole.features.first(where: { $0.name == "x" })?.values,
      case .categorical(let levels, let codes) = whole.features.first(where: { $0.name == "colour" })?.values
    else {
      Issue.record("the whole table lacks its columns")
      return
    }
    #expect(numbers.map(\.bitPattern) == wholeNumbers.map(\.bitPattern))
    #expect(colours == codes.map { levels[Int($0)] })
  }
}
