import Foundation

/// Labels that arrive later than their rows, in a CSV file of their own: one row per key (an
/// id column) with its label, joined to a table's rows by the same key.
public struct KeyedLabels: Sendable {
  /// The file read.
  public var file: String
  /// Each key's label, with numbers written one way (as ``MixedTable`` writes labels).
  public var labels: [String: String]
  /// The 1-based line of each key's row (for error messages).
  public var lines: [String: Int]

  /// Reads the columns `key` and `label` of `file` (other columns are ignored). A missing cell,
  /// or a key given twice, is an error naming line and column.
  public init(contentsOf file: String, key: String, label: String) throws {
    var reader = try CSVReader(contentsOf: file)
    try self.init(reader: &reader, key: key, label: label)
  }

  /// Parses CSV `bytes` as if read from `file` (see ``init(contentsOf:key:label:)``).
  public init(bytes: [UInt8], file: String, key: String, label: String) throws {
    var reader = try CSVReader(bytes: bytes, file: file)
    try self.init(reader: &reader, key: key, label: label)
  }

  private init(reader: inout CSVReader, key: String, label: String) throws {
    let file = reader.file
    let names = try reader.header()
    guard let keyPosition = names.firstIndex(of: key) else {
      throw DatasetError.missingColumn(file: file, column: key, available: names)
    }
    guard let labelPosition = names.firstIndex(of: label) else {
      throw DatasetError.missingColumn(file: file, column: label, available: names)
    }
    self.file = file
    labels = [:]
    lines = [:]
    while try reader.nextRecord() {
      try reader.checkWidth(names.count)
      let line = reader.recordLine
      let keyText = reader.trimmedString(at: keyPosition)
      let labelText = reader.trimmedString(at: labelPosition)
      for (text, position) in [(keyText, keyPosition), (labelText, labelPosition)] where MixedTable.isMissing(text) {
        throw DatasetError.missingValue(file: file, line: line, column: position + 1, columnName: names[position])
      }
      guard labels.updateValue(MixedTable.canonicalLevel(labelText), forKey: keyText) == nil else {
        throw DatasetError.invalidArgument(
          "\(file):\(line):\(keyPosition + 1): the key '\(keyText)' of column '\(key)' appears twice")
      }
      lines[keyText] = line
    }
  }
}
