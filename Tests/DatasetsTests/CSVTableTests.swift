import Foundation
import LinearAlgebra
import Testing

@testable import Datasets

@Suite struct CSVTableTests {
  func parse(_ text: String, label: String? = "y") throws -> CSVTable {
    try CSVTable(bytes: Array(text.utf8), file: "t.csv", labelColumn: label)
  }

  func dataset(_ text: String) throws -> Dataset {
    try Dataset(table: parse(text))
  }

  @Test func readsFeaturesAndStringLabels() throws {
    let table = try parse("a,y,b\n1,cat,2\n3.5,dog,-4e-1\n\n")
    #expect(table.featureNames == ["a", "b"])
    #expect(table.features.storage == [1, 2, 3.5, -0.4])
    #expect(table.labels == ["cat", "dog"])
    #expect(table.rowLines == [2, 3])
  }

  @Test func quotedCellsAndCRLF() throws {
    let table = try parse("\"a\",y\r\n\"1.5\",\"x, \"\"quoted\"\"\"\r\n2,z\r\n")
    #expect(table.labels == ["x, \"quoted\"", "z"])
    #expect(table.features.storage == [1.5, 2])
  }

  @Test func numericLabelsSortNumerically() throws {
    let data = try dataset("x,y\n1,10\n2,2\n3,1\n")
    #expect(data.classes.names == ["1", "2", "10"])
    #expect(data.labels == [2, 1, 0])
  }

  @Test func stringLabelsSortAsStrings() throws {
    let data = try dataset("x,y\n1,b\n2,a\n3,10\n")
    #expect(data.classes.names == ["10", "a", "b"])
  }

  @Test func missingLabelColumnIsNamed() {
    #expect(throws: DatasetError.missingColumn(file: "t.csv", column: "y", available: ["a", "b"])) {
      try parse("a,b\n1,2\n")
    }
  }

  @Test func nonNumericCellNamesLineAndColumn() {
    let expected = DatasetError.malformedCell(file: "t.csv", line: 3, column: 2, columnName: "b", text: "abc")
    #expect(throws: expected) { try parse("y,b\n1,2\n1,abc\n") }
    #expect(expected.description == "t.csv:3:2: column 'b': 'abc' is not a finite number")
  }

  @Test(arguments: ["", "NA", "NaN", "nan", "null"])
  func missingValuesAreRejected(marker: String) {
    #expect(throws: DatasetError.missingValue(file: "t.csv", line: 2, column: 1, columnName: "a")) {
      try parse("a,y\n\(marker),1\n")
    }
  }

  @Test func infinityIsNotANumberHere() {
    #expect(throws: DatasetError.malformedCell(file: "t.csv", line: 2, column: 1, columnName: "a", text: "inf")) {
      try parse("a,y\ninf,1\n")
    }
  }

  @Test func missingLabelIsRejected() {
    #expect(throws: DatasetError.missingValue(file: "t.csv", line: 2, column: 2, columnName: "y")) {
      try parse("a,y\n1,\n")
    }
  }

  @Test func raggedRowIsRejected() {
    #expect(throws: DatasetError.raggedRow(file: "t.csv", line: 3, expected: 2, found: 3)) {
      try parse("a,y\n1,2\n1,2,3\n")
    }
  }

  @Test func emptyAndHeaderOnlyFiles() {
    #expect(throws: DatasetError.emptyFile(file: "t.csv")) { try parse("") }
    #expect(throws: DatasetError.noDataRows(file: "t.csv")) { try parse("a,y\n") }
  }

  @Test func unterminatedQuote() {
    #expect(throws: DatasetError.unterminatedQuote(file: "t.csv", line: 2)) { try parse("a,y\n\"1,2\n") }
  }

  @Test func duplicateColumn() {
    #expect(throws: DatasetError.duplicateColumn(file: "t.csv", column: "a")) { try parse("a,a,y\n1,2,3\n") }
  }

  @Test func labelOnlyFileHasNoFeatures() {
    #expect(throws: DatasetError.noFeatureColumns(file: "t.csv")) {
      try parse("y\n1\n2\n")
    }
  }

  @Test func oneClassIsTooFew() {
    #expect(throws: DatasetError.tooFewClasses(file: "t.csv", found: ["k"])) { try dataset("a,y\n1,k\n2,k\n") }
  }

  @Test func unknownLabelAgainstKnownClasses() throws {
    let table = try parse("a,y\n1,k\n\n2,z\n")
    #expect(throws: DatasetError.unknownLabel(file: "t.csv", line: 4, label: "z", known: ["k", "m"])) {
      try Dataset(table: table, classes: ClassIndex(orderedNames: ["k", "m"]))
    }
  }

  @Test func targetWithoutLabelColumnIsAllowedWhenOptional() throws {
    let table = try CSVTable(bytes: Array("a,b\n1,2\n".utf8), file: "t.csv", labelColumn: "y", labelRequired: false)
    #expect(table.labels == nil)
    #expect(table.featureNames == ["a", "b"])
  }

  @Test func missingFileIsNamed() {
    #expect(throws: DatasetError.unreadable(file: "/nonexistent/x.csv", reason: "no such file")) {
      try CSVTable(contentsOf: "/nonexistent/x.csv", labelColumn: "y")
    }
  }

  @Test func bundledLetterRecognitionLoads() throws {
    let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../../Datasets/letter-recognition.csv").standardized.path
    let data = try Dataset(csvFile: file, labelColumn: "lettr")
    #expect(data.count == 20_000)
    #expect(data.featureCount == 16)
    #expect(data.classes.count == 26)
    #expect(data.classes.names.first == "A")
  }
}

@Suite struct CSVWriterTests {
  @Test func csvTextRoundTrips() throws {
    let data = Dataset(
      features: Matrix([[1, 2.5], [-3, 1e-3]]), labels: [1, 0], classes: ClassIndex(orderedNames: ["a,b", "c\"d"]),
      featureNames: ["x", "y z"])
    let text = data.csvText(labelColumn: "label")
    let table = try CSVTable(bytes: Array(text.utf8), file: "memory.csv", labelColumn: "label")
    #expect(table.featureNames == ["x", "y z"])
    #expect(table.labels == ["c\"d", "a,b"])
    #expect(table.features == data.features)
    #expect(data.csvText(labelColumn: "label", includeLabels: false).hasPrefix("x,y z\n1,2.5\n"))
  }
}
