import Foundation
import LinearAlgebra
import Testing

@testable import Datasets

@Suite struct MixedTableTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
  static let penguins = root.appendingPathComponent("Datasets/penguins.csv").path
  static let letters = root.appendingPathComponent("Datasets/letter-recognition.csv").path

  func source(_ text: String, _ options: SchemaOptions = SchemaOptions(label: "y")) throws -> MixedTable {
    try MixedTable(bytes: Array(text.utf8), file: "s.csv", options: options)
  }

  func target(_ text: String, schema: TableSchema) throws -> MixedTable {
    try MixedTable(bytes: Array(text.utf8), file: "t.csv", schema: schema)
  }

  func kinds(_ table: MixedTable) -> [String: TableSchema.Kind] {
    Dictionary(uniqueKeysWithValues: table.schema.columns.map { ($0.name, $0.kind) })
  }

  /// Palmer penguins as distributed (CC0): string categories, `NA` cells, label `species`.
  @Test func penguinsSchemaIsInferred() throws {
    let table = try MixedTable(contentsOf: Self.penguins, options: SchemaOptions(label: "species"))
    #expect(table.rowCount == 344)
    #expect(
      kinds(table) == [
        "species": .label, "island": .categorical, "bill_length_mm": .numeric, "bill_depth_mm": .numeric,
        "flipper_length_mm": .numeric, "body_mass_g": .numeric, "sex": .categorical, "year": .numeric,
      ])
    let reasons = Dictionary(uniqueKeysWithValues: table.schema.columns.map { ($0.name, $0.reason) })
    #expect(reasons["island"] == "text, 3 levels")
    #expect(reasons["sex"] == "text, 2 levels, 11 missing")
    #expect(reasons["bill_length_mm"] == "numbers, 2 missing")
    #expect(reasons["year"] == "numbers")
    #expect(Set(table.labels ?? []) == ["Adelie", "Chinstrap", "Gentoo"])
    // The file's fourth data row is all NA but for island and year.
    #expect(table.features.map(\.missingCount) == [0, 2, 2, 2, 2, 11, 0])
  }

  @Test func penguinsEncodeWithImputationIndicatorsAndAMissingLevel() throws {
    let table = try MixedTable(contentsOf: Self.penguins, options: SchemaOptions(label: "species"))
    let encoder = FeatureEncoder(fittedTo: table)
    #expect(
      encoder.featureNames == [
        "island=Biscoe", "island=Dream", "island=Torgersen", "bill_length_mm", "bill_length_mm=(missing)",
        "bill_depth_mm", "bill_depth_mm=(missing)", "flipper_length_mm", "flipper_length_mm=(missing)", "body_mass_g",
        "body_mass_g=(missing)", "sex=female", "sex=male", "sex=(missing)", "year",
      ])
    let encoded = try encoder.encode(table)
    #expect(encoded.unseen.isEmpty)
    let data = try Dataset(table: table, encoded: encoded, featureNames: encoder.featureNames)
    #expect(data.count == 344 && data.featureCount == 15 && data.classes.names == ["Adelie", "Chinstrap", "Gentoo"])
    // Row 4 (Torgersen, 2007, everything else NA): medians of the 342 measured penguins
    // (flipper 197 mm, body mass 4050 g, from the file), indicators 1, sex (missing).
    let row = (0..<15).map { data.features[3, $0] }
    #expect(row[0...2] == [0, 0, 1])
    #expect(row[7] == 197 && row[8] == 1 && row[9] == 4050 && row[10] == 1)
    #expect(row[11...13] == [0, 0, 1] && row[14] == 2007)
  }

  @Test func medianImputationAndMissingIndicatorOnAKnownColumn() throws {
    let table = try source("a,b,y\n1,5,x\n2,NA,z\n10,7,x\n,8,z\n3,9,x\n")
    let encoder = FeatureEncoder(fittedTo: table)
    #expect(
      encoder.columns == [
        .numeric(name: "a", median: 2.5, indicator: true), .numeric(name: "b", median: 7.5, indicator: true),
      ])
    let encoded = try encoder.encode(table)
    #expect(encoded.features.storage == [1, 0, 5, 0, 2, 0, 7.5, 1, 10, 0, 7, 0, 2.5, 1, 8, 0, 3, 0, 9, 0])
  }

  @Test func anAllNumericTableEncodesAsTheNumericReaderReadsIt() throws {
    let table = try MixedTable(contentsOf: Self.letters, options: SchemaOptions(label: "lettr"))
    let encoder = FeatureEncoder(fittedTo: table)
    let numeric = try CSVTable(contentsOf: Self.letters, labelColumn: "lettr")
    #expect(encoder.featureNames == numeric.featureNames)
    #expect(try encoder.encode(table).features == numeric.features)
    #expect(table.labels == numeric.labels && table.rowLines == numeric.rowLines)
  }

  @Test func unseenLevelsAreCountedNeverACrash() throws {
    let rows = (0..<30).map { "\(["red", "blue", "red", "green"][$0 % 4]),\($0),\($0 % 2)" }
    let table = try source("colour,a,y\n" + rows.joined(separator: "\n") + "\n")
    let encoder = FeatureEncoder(fittedTo: table)
    #expect(encoder.featureNames == ["colour=blue", "colour=green", "colour=red", "a"])
    let later = try target("y,a,colour,extra\n1,1,pink,q\n0,2,,q\n1,3,pink,q\n0,4,red,q\n", schema: table.schema)
    let encoded = try encoder.encode(later)
    #expect(encoded.unseen == [.init(column: "colour", rows: 3, levels: ["pink", "(missing)"])])
    #expect(encoded.features.storage == [0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 1, 4])
  }

  @Test func rareLevelsArePooledAndTheLevelCountIsCapped() throws {
    let levels = (0..<40).flatMap { i in [String](repeating: "L\(i)", count: i < 35 ? 10 : 2) }
    let rows = levels.enumerated().map { "\($1),\($0 % 2)" }
    let table = try source("c,y\n" + rows.joined(separator: "\n") + "\n")
    let encoder = FeatureEncoder(fittedTo: table, options: .init(minimumLevelCount: 5, maximumLevels: 32))
    guard case .oneHot(_, let kept, let pooled, let missing) = encoder.columns[0] else {
      Issue.record("not one-hot")
      return
    }
    // 35 levels seen 10 times (32 kept: the first 32 at equal counts), 5 seen twice: pooled.
    #expect(kept.count == 32 && Set(kept) == Set((0..<32).map { "L\($0)" }) && !missing)
    #expect(pooled == (32..<40).map { "L\($0)" })
    let encoded = try encoder.encode(table)
    #expect(encoded.unseen.isEmpty)
    let otherColumn = (0..<encoded.features.rows).map { encoded.features[$0, 32] }
    #expect(otherColumn.reduce(0, +) == Float(3 * 10 + 5 * 2))
  }

  @Test func identifiersTimestampsAndBooleansAreRecognised() throws {
    let rows = (0..<25).map { i in
      "\(i),user\(i),2024-01-\(String(format: "%02d", i + 1))T10:00:00Z,\(i % 3 == 0 ? "True" : "false"),\(i % 4),\(i % 2)"
    }
    let table = try source("id,name,seen_at,active,visits,y\n" + rows.joined(separator: "\n") + "\n")
    #expect(
      kinds(table) == [
        "id": .ignored, "name": .ignored, "seen_at": .ignored, "active": .boolean, "visits": .numeric, "y": .label,
      ])
    #expect(table.schema.column(named: "name")?.reason == "every value distinct (an identifier)")
    #expect(table.schema.column(named: "seen_at")?.reason == "dates or times")
    #expect(table.schema.column(named: "id")?.reason == "named as an identifier")
    guard case .categorical(let levels, let codes) = table.features[0].values else {
      Issue.record("active is not categorical")
      return
    }
    #expect(levels == ["false", "true"] && codes.prefix(4) == [1, 0, 0, 1])
    // Later files: booleans in any case; anything else is an error naming line and column.
    #expect(throws: DatasetError.notBoolean(file: "t.csv", line: 3, column: 4, columnName: "active", text: "maybe")) {
      try target("id,name,seen_at,active,visits\n1,a,b,TRUE,2\n2,b,c,maybe,3\n", schema: table.schema)
    }
  }

  /// A categorical column codes a cell it has seen before from its bytes (`CellCodeCache`):
  /// the same levels as decoding each cell, with spaces, missing markers and numbers written
  /// several ways, and past the cache's capacity of distinct cells.
  @Test func rememberedCellsCodeAsDecodedOnes() throws {
    let variants = [
      " red", "red", "red ", "NA", "", "1.0", "01", "1", "Red", "n/a", "eight-ch", "exactly-16-bytes",
      "seventeen-bytes-x", " a category longer than sixteen ", "seventeen-bytes-y",
    ]
    let expected: [String?] = [
      "red", "red", "red", nil, nil, "1", "1", "1", "Red", nil, "eight-ch", "exactly-16-bytes", "seventeen-bytes-x",
      "a category longer than sixteen", "seventeen-bytes-y",
    ]
    let distinct = CellCodeCache.maxEntries + 500
    var cells: [String] = []
    var levels: [String?] = []
    for i in 0..<(distinct + 3 * variants.count) {
      if i < distinct && i % 2 == 0 {
        cells.append("level\(i)")
        levels.append("level\(i)")
      } else {
        cells.append(variants[i % variants.count])
        levels.append(expected[i % variants.count])
      }
    }
    let text = "c,y\n" + cells.enumerated().map { "\($0.element),\($0.offset % 2)" }.joined(separator: "\n") + "\n"
    let table = try source(text, SchemaOptions(label: "y", categorical: ["c"]))
    guard case .categorical(let names, let codes) = table.features[0].values else {
      Issue.record("c is not categorical")
      return
    }
    #expect(codes.count == levels.count)
    let read = codes.map { $0 < 0 ? nil : names[Int($0)] }
    #expect(read == levels)
  }

  @Test func optionsOverrideInference() throws {
    let rows = (0..<30).map { "\($0),\($0 % 3).0,\($0 % 5),\($0 % 2)" }
    let text = "n,code,z,y\n" + rows.joined(separator: "\n") + "\n"
    let table = try source(text, SchemaOptions(label: "y", ignore: ["z"], categorical: ["code"]))
    #expect(kinds(table) == ["n": .numeric, "code": .categorical, "z": .ignored, "y": .label])
    // Numbers as categories are written one way: 0.0 and 0 are the level 0.
    guard case .categorical(let levels, _) = table.features[1].values else {
      Issue.record("code is not categorical")
      return
    }
    #expect(levels == ["0", "1", "2"])
    let only = try source(text, SchemaOptions(label: "y", features: ["z"]))
    #expect(only.features.map(\.name) == ["z"] && only.schema.column(named: "n")?.reason == "not in --features")
    #expect(
      throws: DatasetError.unknownSchemaColumn(
        file: "s.csv", column: "w", option: "--ignore", available: ["n", "code", "z", "y"])
    ) { try source(text, SchemaOptions(label: "y", ignore: ["w"])) }
  }

  @Test func textBelowTheSampledRowsMakesAColumnCategorical() throws {
    let rows = (0..<1500).map { "\($0 == 1400 ? "n/a-code" : String($0 % 7)),\($0 % 2)" }
    let table = try source("c,y\n" + rows.joined(separator: "\n") + "\n")
    #expect(kinds(table)["c"] == .categorical)
    guard case .categorical(let levels, _) = table.features[0].values else { return }
    #expect(levels.count == 8 && levels.contains("n/a-code"))
  }

  @Test func laterFilesAreReadWithTheSourceSchema() throws {
    let table = try source("a,c,y\n1,p,x\n2,q,z\n3,p,x\n")
    let schema = try JSONDecoder().decode(TableSchema.self, from: JSONEncoder().encode(table.schema))
    #expect(schema == table.schema)
    // Columns in another order, an extra column, no label: fine.
    let later = try target("c,extra,a\nq,1,5\n,2,NA\n", schema: schema)
    #expect(later.features.map(\.name) == ["a", "c"] && later.labels == nil && later.rowLines == [2, 3])
    #expect(throws: DatasetError.malformedCell(file: "t.csv", line: 3, column: 2, columnName: "a", text: "abc")) {
      try target("c,a\np,1\nq,abc\n", schema: schema)
    }
    #expect(throws: DatasetError.missingColumn(file: "t.csv", column: "a", available: ["c", "y"])) {
      try target("c,y\np,x\n", schema: schema)
    }
    #expect(throws: DatasetError.missingLabel(file: "s.csv", line: 3, column: 2, columnName: "y")) {
      try source("a,y\n1,x\n2,NA\n")
    }
  }

  /// Cells are read a chunk of records at a time, column by column, but the error is still that
  /// of the first bad cell in the file's order (row by row, left to right), and a record that
  /// cannot be tokenized comes after the bad cells before it. The 5 000 rows span several chunks.
  @Test func theFirstBadCellInFileOrderIsTheError() throws {
    let schema = try source("a,b,c,y\n1,2,p,x\n2,3,q,z\n").schema
    func table(_ edits: [Int: String], rows: Int = 5000) -> String {
      "a,b,c,y\n" + (0..<rows).map { edits[$0] ?? "\($0),\($0 % 7),p,x" }.joined(separator: "\n") + "\n"
    }
    // Row 4 000's column b (line 4 002) comes before row 4 001's column a, though column a is read first.
    #expect(throws: DatasetError.malformedCell(file: "t.csv", line: 4002, column: 2, columnName: "b", text: "bad")) {
      try target(table([4000: "1,bad,p,x", 4001: "worse,1,p,x"]), schema: schema)
    }
    // The same row: its leftmost bad cell.
    #expect(throws: DatasetError.malformedCell(file: "t.csv", line: 4102, column: 1, columnName: "a", text: "x1")) {
      try target(table([4100: "x1,x2,p,x"]), schema: schema)
    }
    // A bad cell before a ragged record in the same chunk, and a ragged record before a bad cell.
    #expect(throws: DatasetError.malformedCell(file: "t.csv", line: 4502, column: 2, columnName: "b", text: "no")) {
      try target(table([4500: "1,no,p,x", 4600: "1,2"]), schema: schema)
    }
    #expect(throws: DatasetError.raggedRow(file: "t.csv", line: 4502, expected: 4, found: 2)) {
      try target(table([4500: "1,2", 4600: "1,no,p,x"]), schema: schema)
    }
    // A bad cell in the first chunk is found before anything after it is tokenized.
    #expect(throws: DatasetError.malformedCell(file: "t.csv", line: 12, column: 1, columnName: "a", text: "x")) {
      try target(table([10: "x,1,p,x", 4999: "1,2"]), schema: schema)
    }
    #expect(try target(table([:]), schema: schema).rowCount == 5000)
  }

  /// Records are tokenized a chunk at a time, each chunk the records complete in the reader's
  /// window: however small the window (a few bytes: chunks of one record) the table read is the
  /// same, with quoted cells across lines, blank lines, missing cells and a short number last.
  @Test func chunksCutByTheReadersWindowReadLikeTheWhole() throws {
    var generator = SplitMix64(seed: 3)
    var text = "a,c,b,y\n"
    for row in 0..<700 {
      let a = row % 13 == 0 ? "NA" : String(Double(generator.uniformIndex(below: 20_000)) / 100 - 100)
      let c = row % 17 == 0 ? "\"multi\nline, \"\"quoted\"\"\"" : ["p", "q", " r ", ""][row % 4]
      let b = row % 11 == 0 ? "\"\(row)\"" : String(row % 9)
      text += "\(a),\(c),\(b),\(row % 3 == 0 ? "x" : "z")\n"
      if row % 50 == 0 { text += "\n   \n" }
    }
    text += "7.5,p,1.5,x"
    let whole = try source(text)
    for blockSize in [2, 7, 64, 1000, ByteStream.defaultBlockSize] {
      let reader = try CSVReader(stream: ByteStream(bytes: Array(text.utf8), file: "s.csv", blockSize: blockSize))
      var rows = try MixedTableReader(reader: reader, schema: whole.schema, labelRequired: true, keepingText: ["c"])
      let read = try rows.all()
      #expect(read.texts["c"]?.count == whole.rowCount)
      #expect(read.rowLines == whole.rowLines, "block size \(blockSize)")
      #expect(read.labels == whole.labels, "block size \(blockSize)")
      #expect(read.features.map(\.name) == whole.features.map(\.name))
      for (column, expected) in zip(read.features, whole.features) {
        switch (column.values, expected.values) {
        case (.numeric(let values), .numeric(let wanted)):
          #expect(values.map(\.bitPattern) == wanted.map(\.bitPattern), "block size \(blockSize)")
        case (.categorical(let levels, let codes), .categorical(let wantedLevels, let wantedCodes)):
          #expect(
            codes.map { $0 < 0 ? "-" : levels[Int($0)] } == wantedCodes.map { $0 < 0 ? "-" : wantedLevels[Int($0)] })
        default:
          Issue.record("column \(column.name) read as another kind")
        }
      }
    }
    // An error in a later window, after rows that read well.
    let bad = text.replacingOccurrences(of: "\n7.5,p,1.5,x", with: "\n7.5,p,oops,x")
    for blockSize in [7, 1000] {
      let reader = try CSVReader(stream: ByteStream(bytes: Array(bad.utf8), file: "t.csv", blockSize: blockSize))
      var rows = try MixedTableReader(reader: reader, schema: whole.schema, labelRequired: true, keepingText: [])
      let line = bad.utf8.filter { $0 == UInt8(ascii: "\n") }.count + 1
      #expect(throws: DatasetError.malformedCell(file: "t.csv", line: line, column: 3, columnName: "b", text: "oops")) {
        try rows.all()
      }
    }
  }

  @Test func timestampsAreRecognisedStrictly() {
    for text in [
      "2024-01-31", "2024-01-31T10:00", "2024-01-31 10:00:05.123", "2024-01-31T10:00:00+02:00", "2024-01-31T10:00Z",
    ] {
      #expect(MixedTable.isTimestamp(text), "\(text)")
    }
    for text in ["2024-1-31", "20240131", "2024-01-31T", "2024-01-31T10", "2024-01-31x", "Monday"] {
      #expect(!MixedTable.isTimestamp(text), "\(text)")
    }
  }

  /// Penguins with every 50th label blanked: an error naming line and column, or with
  /// `dropUnlabelled` the other rows, with the count of those left out.
  @Test func missingLabelsAreAnErrorOrDroppedAndCounted() throws {
    var lines = try String(contentsOfFile: Self.penguins, encoding: .utf8).split(separator: "\n").map(String.init)
    var blanked = 0
    for index in stride(from: 50, to: lines.count, by: 50) {
      lines[index] = "NA" + lines[index].drop { $0 != "," }
      blanked += 1
    }
    let bytes = Array((lines.joined(separator: "\n") + "\n").utf8)
    #expect(throws: DatasetError.missingLabel(file: "p.csv", line: 51, column: 1, columnName: "species")) {
      try MixedTable(bytes: bytes, file: "p.csv", options: SchemaOptions(label: "species"))
    }
    var options = SchemaOptions(label: "species")
    options.dropUnlabelled = true
    let table = try MixedTable(bytes: bytes, file: "p.csv", options: options)
    #expect(table.droppedUnlabelledRows == blanked)
    #expect(table.rowCount == lines.count - 1 - blanked)
    #expect(!table.rowLines.contains(51))
  }
}
