/// Errors reading or preparing data, each naming the file and where in it the problem is.
public enum DatasetError: Error, CustomStringConvertible, Equatable {
  /// The file does not exist or cannot be read.
  case unreadable(file: String, reason: String)
  /// The file cannot be written.
  case unwritable(file: String, reason: String)
  /// The file holds no bytes, or no header.
  case emptyFile(file: String)
  /// The file has a header but no data rows.
  case noDataRows(file: String)
  /// The file has no feature column besides its label column.
  case noFeatureColumns(file: String)
  /// A label column is required but the table has none.
  case noLabelColumn(file: String)
  /// The named column is not in the header.
  case missingColumn(file: String, column: String, available: [String])
  /// Two header cells have the same name.
  case duplicateColumn(file: String, column: String)
  /// A feature cell is not a finite number. `line` and `column` are 1-based.
  case malformedCell(file: String, line: Int, column: Int, columnName: String, text: String)
  /// A cell is empty or a missing-value marker (`NA`, `NaN`, `null`, …).
  case missingValue(file: String, line: Int, column: Int, columnName: String)
  /// A row's label is missing (a source may leave such rows out with `dropUnlabelled`).
  case missingLabel(file: String, line: Int, column: Int, columnName: String)
  /// A column named in a schema option is not in the file; `option` is the option as shiftcli
  /// spells it (`--label`, `--features`, `--ignore`, `--categorical`).
  case unknownSchemaColumn(file: String, column: String, option: String, available: [String])
  /// A cell of a boolean column is neither `true` nor `false`. `line` and `column` are 1-based.
  case notBoolean(file: String, line: Int, column: Int, columnName: String, text: String)
  /// A cell of a time column is not an ISO 8601 date or date-time (see ``Timestamp``).
  case notTimestamp(file: String, line: Int, column: Int, columnName: String, text: String)
  /// A stored ``TableEncoding`` (in a model file or reference) contradicts itself.
  case invalidEncoding(file: String, reason: String)
  /// A model's probabilities given as columns are unusable: out of [0, 1], not summing to 1, or
  /// not matching the classes. `line` is 1-based (1: the header); `column` when one is at fault.
  case invalidProbabilities(file: String, line: Int, column: Int?, reason: String)
  /// A row has a different number of cells than the header.
  case raggedRow(file: String, line: Int, expected: Int, found: Int)
  /// A NUL byte: a binary file, or a cell that would be cut short.
  case nulByte(file: String, line: Int, column: Int)
  /// A quoted cell is not closed before the end of the file.
  case unterminatedQuote(file: String, line: Int)
  /// The labels hold fewer than two distinct classes.
  case tooFewClasses(file: String, found: [String])
  /// A label is not among the classes a model or source data set knows.
  case unknownLabel(file: String, line: Int, label: String, known: [String])
  /// Two files that must describe the same samples or features disagree.
  case inconsistentFiles(first: String, second: String, reason: String)
  /// The file is not in IDX format (wrong magic or type), detected at `byteOffset`.
  case notIDX(file: String, byteOffset: Int, reason: String)
  /// The IDX payload ends before its header says it should.
  case truncatedIDX(file: String, byteOffset: Int, expectedBytes: Int, foundBytes: Int)
  /// The gzip stream is corrupt or cut short.
  case corruptGzip(file: String, reason: String)
  /// The file's header announces more data than the reader's limit allows.
  case tooLarge(file: String, what: String, limitBytes: Int)
  /// Arguments to a data operation are out of range (a split fraction, a fold count, …).
  case invalidArgument(String)

  /// The message for the user, naming the file, line and column or the argument where there is one.
  public var description: String {
    switch self {
    case .unreadable(let file, let reason): "\(file): cannot read: \(reason)"
    case .unwritable(let file, let reason): "\(file): cannot write: \(reason)"
    case .emptyFile(let file): "\(file): the file is empty"
    case .noDataRows(let file): "\(file): the file has a header but no data rows"
    case .noFeatureColumns(let file): "\(file): no feature columns besides the label column"
    case .noLabelColumn(let file): "\(file): the table has no label column"
    case .missingColumn(let file, let column, let available):
      "\(file): no column named '\(column)' (columns: \(available.joined(separator: ", ")))"
    case .duplicateColumn(let file, let column): "\(file):1: the column name '\(column)' appears twice"
    case .malformedCell(let file, let line, let column, let name, let text):
      "\(file):\(line):\(column): column '\(name)': '\(text)' is not a finite number"
    case .missingValue(let file, let line, let column, let name):
      "\(file):\(line):\(column): column '\(name)': missing value"
    case .missingLabel(let file, let line, let column, let name):
      "\(file):\(line):\(column): column '\(name)': missing label (--drop-unlabelled leaves such source rows out)"
    case .unknownSchemaColumn(let file, let column, let option, let available):
      "\(file): no column named '\(column)' (given as \(option); columns: \(available.joined(separator: ", ")))"
    case .notBoolean(let file, let line, let column, let name, let text):
      "\(file):\(line):\(column): column '\(name)' is true/false in the source: '\(text)' is neither"
    case .notTimestamp(let file, let line, let column, let name, let text):
      "\(file):\(line):\(column): column '\(name)': '\(text)' is not an ISO 8601 date or date-time (YYYY-MM-DD, optionally THH:MM[:SS][Z|±HH:MM])"
    case .invalidEncoding(let file, let reason): "\(file): the stored table encoding is inconsistent: \(reason)"
    case .invalidProbabilities(let file, let line, let column, let reason):
      "\(file):\(line)\(column.map { ":\($0)" } ?? ""): \(reason)"
    case .raggedRow(let file, let line, let expected, let found):
      "\(file):\(line): expected \(expected) cells as in the header, found \(found)"
    case .unterminatedQuote(let file, let line): "\(file):\(line): quoted cell is never closed"
    case .nulByte(let file, let line, let column):
      "\(file):\(line):\(column): a NUL byte (is this a binary file rather than CSV?)"
    case .tooFewClasses(let file, let found):
      "\(file): need at least two classes, found \(found.count)\(found.isEmpty ? "" : " (\(found.joined(separator: ", ")))")"
    case .unknownLabel(let file, let line, let label, let known):
      "\(file):\(line): label '\(label)' is not one of the known classes (\(known.joined(separator: ", ")))"
    case .inconsistentFiles(let first, let second, let reason): "\(first) and \(second): \(reason)"
    case .notIDX(let file, let offset, let reason): "\(file): byte \(offset): not an IDX file: \(reason)"
    case .truncatedIDX(let file, let offset, let expected, let found):
      "\(file): byte \(offset): truncated IDX data: expected \(expected) bytes, found \(found)"
    case .corruptGzip(let file, let reason): "\(file): corrupt gzip stream: \(reason)"
    case .tooLarge(let file, let what, let limit):
      "\(file): \(what) is more than the reader's limit of \(limit) bytes"
    case .invalidArgument(let message): message
    }
  }
}
