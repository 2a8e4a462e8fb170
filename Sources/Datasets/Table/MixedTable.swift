import Foundation

/// A CSV table of mixed columns, typed by a ``TableSchema``: numeric and categorical features
/// with missing cells allowed, a label column, and columns that are not features.
///
/// Read a source with ``init(contentsOf:options:)``, which infers the schema, and every later
/// file with ``init(contentsOf:schema:labelRequired:)``, which reads it as the source was read:
/// columns matched by name (extra columns are skipped), each cell checked against its column's
/// kind. Missing cells are those ``CSVTable`` rejects (empty, `NA`, `N/A`, `NaN`, `null`,
/// `None`, `?`, any case); in a label column they are an error. Labels that are numbers are
/// written one way (`1.0` is the class `1`).
public struct MixedTable: Sendable {
  /// Path the table was read from (used in error messages).
  public var file: String
  /// What each column is (for a later file: the source's schema).
  public var schema: TableSchema
  /// The feature columns, in the schema's order.
  public var features: [FeatureColumn]
  /// The raw label of each row, when the table has the label column.
  public var labels: [String]?
  /// The 1-based line in `file` on which each row starts.
  public var rowLines: [Int]
  /// Columns of the file that its schema does not have (a later file's extra columns), skipped.
  public var skippedColumns: [String] = []
  /// The file's header names, in file order.
  public var header: [String] = []
  /// Rows left out for a missing label (``SchemaOptions/dropUnlabelled``).
  public var droppedUnlabelledRows = 0
  /// The predicted classes of a ``TableSchema/Kind/predictedClass`` column, as read (numbers
  /// written one way); nil without such a column.
  public var predictedClasses: [String]? = nil
  /// The prediction columns (a model's class probabilities), in the schema's order; a missing
  /// cell is NaN.
  public var predictions: [FeatureColumn] = []
  /// The trimmed text of the columns asked for by name when reading (a timestamp or an id
  /// column, which are not features), one entry per row.
  public var texts: [String: [String]] = [:]

  /// Number of rows.
  public var rowCount: Int { rowLines.count }

  /// The 1-based column of `name` in the file (for error messages).
  public func position(of name: String) -> Int? { header.firstIndex(of: name).map { $0 + 1 } }

  /// Rows read to guess which columns are numeric before the whole file is read.
  static let sampleRows = 1000
  /// The reason of a column whose kind its values decide (replaced once they have).
  static let undecided = "inferred"
  /// Below this many values, a column whose values are all distinct is still a feature.
  static let identifierMinimumRows = 20

  /// Reads the source `file` and infers its schema (see ``SchemaOptions``).
  public init(contentsOf file: String, options: SchemaOptions) throws {
    try self.init(bytes: try InputFile.read(file), file: file, options: options)
  }

  /// Reads `file` with the columns of `schema`; its label column is optional unless
  /// `labelRequired`. The text of the columns `keepingText` (which the file must have) is kept
  /// in ``texts``.
  public init(
    contentsOf file: String, schema: TableSchema, labelRequired: Bool = false, keepingText: [String] = []
  ) throws {
    var reader = try MixedTableReader(
      contentsOf: file, schema: schema, labelRequired: labelRequired, keepingText: keepingText)
    self = try reader.all()
  }

  /// Parses CSV `bytes` as if read from the source `file`, inferring the schema.
  ///
  /// Inference: a column is numeric when every cell is a number or missing, boolean when every
  /// cell is `true`/`false` (any case) or missing, and categorical otherwise. Left out of the
  /// features are columns named as identifiers or timestamps (`id`, `identifier`, `uuid`,
  /// `timestamp`, `datetime`, `…_id`, `…_timestamp`, pandas' `Unnamed: 0`), text columns whose
  /// every value is an ISO date or time, text columns of at least 20 values that are all
  /// distinct, and columns without a value. The options override all of it.
  public init(bytes: [UInt8], file: String, options: SchemaOptions) throws {
    var reader = try CSVReader(bytes: bytes, file: file)
    let names = try reader.header()
    var columns = try Self.declaredColumns(names: names, file: file, options: options)
    // The columns whose kind the values decide, and those of them the user named as features
    // (never left out for what their values look like).
    let undecided = columns.indices.filter { columns[$0].reason == Self.undecided }
    let named = Set(options.features ?? [])
    // Guess from the first rows, read the file, and read it once more if a column guessed
    // numeric turned out to hold text further down.
    let drop = options.dropUnlabelled
    /// The data rows read by `plan`, from the first.
    func read(_ plan: [TableSchema.Kind], rowLimit: Int = .max) throws -> Contents {
      var records = try CSVReader(bytes: bytes, file: file)
      _ = try records.header()
      return try Self.read(&records, names: names, plan: plan, rowLimit: rowLimit, dropUnlabelled: drop)
    }
    let sample = try Self.read(
      &reader, names: names, plan: columns.map(\.kind), rowLimit: Self.sampleRows, dropUnlabelled: drop)
    for position in undecided {
      columns[position].kind = sample.notNumeric.contains(position) ? .categorical : .numeric
    }
    var table = try read(columns.map(\.kind))
    if !table.notNumeric.isEmpty {
      for position in table.notNumeric { columns[position].kind = .categorical }
      table = try read(columns.map(\.kind))
    }
    for position in columns.indices where columns[position].kind.isFeature {
      guard let values = table.columns[position] else { continue }
      let inferred = undecided.contains(position) && !named.contains(names[position])
      if let reason = Self.reasonToLeaveOut(values, inferred: inferred) {
        columns[position].kind = .ignored
        columns[position].reason = reason
        table.columns[position] = nil
        continue
      }
      if undecided.contains(position), case .categorical(let levels, let codes) = values,
        levels.allSatisfy({ Self.booleanLevels.contains($0.lowercased()) })
      {
        columns[position].kind = .boolean
        table.columns[position] = Self.asBoolean(levels: levels, codes: codes)
      }
      if undecided.contains(position) { columns[position].reason = Self.inferenceReason(table.columns[position]) }
    }
    guard columns.contains(where: { $0.kind.isFeature }) else { throw DatasetError.noFeatureColumns(file: file) }
    self.init(file: file, schema: TableSchema(columns: columns), names: names, table: table)
  }

  /// Parses CSV `bytes` (plain or gzip-compressed) as if read from `file`, with the columns of
  /// `schema` (and the text of the columns `keepingText`).
  public init(
    bytes: [UInt8], file: String, schema: TableSchema, labelRequired: Bool = false, keepingText: [String] = []
  ) throws {
    var reader = try MixedTableReader(
      reader: try CSVReader(bytes: bytes, file: file), schema: schema, labelRequired: labelRequired,
      keepingText: keepingText)
    self = try reader.all()
  }

  /// A later file's rows as read by ``MixedTableReader``: `names` its header, `position` of each
  /// name in it, `keepingText` the names whose text `table` kept.
  init(
    file: String, schema: TableSchema, names: [String], position: [String: Int], keepingText: [String], table: Contents
  ) {
    self.file = file
    texts = Dictionary(zip(keepingText, table.texts), uniquingKeysWith: { first, _ in first })
    self.schema = schema
    features = schema.featureColumns.map { column in
      // Every feature column is present (the reader checked) and was read by its kind.
      FeatureColumn(name: column.name, values: table.columns[position[column.name] ?? 0] ?? .numeric([]))
    }
    labels = table.labels
    predictedClasses = table.predictedClasses
    rowLines = table.lines
    predictions = schema.columns.filter { $0.kind == .prediction }.compactMap { column in
      position[column.name].flatMap { table.columns[$0] }.map { FeatureColumn(name: column.name, values: $0) }
    }
    let known = Set(schema.columns.map(\.name))
    skippedColumns = names.filter { !known.contains($0) }
    header = names
  }

  private init(file: String, schema: TableSchema, names: [String], table: Contents) {
    self.file = file
    self.schema = schema
    droppedUnlabelledRows = table.droppedUnlabelled
    features = schema.columns.indices.compactMap { position in
      schema.columns[position].kind.isFeature
        ? table.columns[position].map { FeatureColumn(name: names[position], values: $0) } : nil
    }
    predictions = schema.columns.indices.compactMap { position in
      schema.columns[position].kind == .prediction
        ? table.columns[position].map { FeatureColumn(name: names[position], values: $0) } : nil
    }
    labels = table.labels
    predictedClasses = table.predictedClasses
    rowLines = table.lines
    header = names
  }

  /// The table's rows at `indices`, in that order.
  public func rows(at indices: [Int]) -> MixedTable {
    var subset = self
    subset.features = features.map { $0.rows(at: indices) }
    subset.labels = labels.map { labels in indices.map { labels[$0] } }
    subset.rowLines = indices.map { rowLines[$0] }
    subset.predictions = predictions.map { $0.rows(at: indices) }
    subset.predictedClasses = predictedClasses.map { classes in indices.map { classes[$0] } }
    subset.texts = texts.mapValues { texts in indices.map { texts[$0] } }
    return subset
  }
}

// MARK: - Reading

extension MixedTable {
  /// The columns as read: one entry per header position (`nil` for columns not read).
  struct Contents {
    var columns: [FeatureColumn.Values?]
    var labels: [String]?
    var predictedClasses: [String]?
    var lines: [Int]
    /// Positions planned numeric whose cells included text (when not enforcing the plan).
    var notNumeric: Set<Int>
    /// Rows skipped for a missing label.
    var droppedUnlabelled = 0
    /// The trimmed text of each kept column.
    var texts: [[String]] = []
  }

  /// The columns as far as the options and names decide them; the rest have the reason
  /// ``undecided`` and are decided by their values.
  fileprivate static func declaredColumns(names: [String], file: String, options: SchemaOptions) throws
    -> [TableSchema.Column]
  {
    let known = Set(names)
    func check(_ list: [String], _ role: String) throws {
      if let unknown = list.first(where: { !known.contains($0) }) {
        throw DatasetError.unknownSchemaColumn(file: file, column: unknown, option: role, available: names)
      }
    }
    if let label = options.label, options.labelRequired || known.contains(label) { try check([label], "--label") }
    try check(options.features ?? [], "--features")
    try check(options.ignore, "--ignore")
    try check(options.categorical, "--categorical")
    try check(options.predictions, "a prediction column")
    try check(options.predictedClass.map { [$0] } ?? [], "--prediction")
    let features = options.features.map(Set.init)
    return names.map { name in
      if name == options.label { return .init(name: name, kind: .label, reason: "the label") }
      if name == options.predictedClass {
        return .init(name: name, kind: .predictedClass, reason: "a model's predicted class")
      }
      if options.predictions.contains(name)
        || options.predictionPrefix.map({ name.hasPrefix($0) && name.count > $0.count }) == true
      {
        return .init(name: name, kind: .prediction, reason: "a model's class probability")
      }
      if options.ignore.contains(name) { return .init(name: name, kind: .ignored, reason: "--ignore") }
      if options.categorical.contains(name) { return .init(name: name, kind: .categorical, reason: "--categorical") }
      if let features, !features.contains(name) {
        return .init(name: name, kind: .ignored, reason: "not in --features")
      }
      if features == nil, let reason = reasonToLeaveOut(named: name) {
        return .init(name: name, kind: .ignored, reason: reason)
      }
      return .init(name: name, kind: .numeric, reason: undecided)
    }
  }

  /// Records tokenized before their cells are read (at most: a chunk holds the records complete
  /// in the reader's window): numbers record by record, other cells column by column.
  static let chunkRows = 1024

  /// Reads the data rows (up to `rowLimit`) by `plan`, one kind per header position, and the
  /// text of the positions `keepingText`. When `enforcing`, a cell that does not fit its
  /// column's kind is an error; otherwise numeric columns holding text are reported in
  /// `notNumeric`. With `allowingNone`, no rows left is an empty result, not an error.
  static func read(
    _ reader: inout CSVReader, names: [String], plan: [TableSchema.Kind], rowLimit: Int = .max,
    enforcing: Bool = false, dropUnlabelled: Bool = false, keepingText kept: [Int] = [], allowingNone: Bool = false
  ) throws -> Contents {
    let file = reader.file
    var numbers = plan.map { $0 == .numeric || $0 == .prediction ? [Float]() : nil }
    var categories = plan.map { $0 == .categorical || $0 == .boolean ? CategoryCoder() : nil }
    for position in plan.indices where plan[position] == .boolean {
      categories[position] = CategoryCoder(levels: ["false", "true"])
    }
    let read = plan.enumerated().filter { $0.element != .ignored }
    let labelPosition = plan.firstIndex(of: .label)
    let predictedPosition = plan.firstIndex(of: .predictedClass)
    var labels: [String] = []
    var predicted: [String] = []
    var dropped = 0
    var lines: [Int] = []
    var notNumeric = Set<Int>()
    var texts = [[String]](repeating: [], count: kept.count)
    // Records are tokenized a chunk at a time and lent in place (``CSVReader/RecordChunk``); their
    // numbers are read record by record (each record's bytes once, in order), their other cells
    // column by column (one kind of cell after another, not a dispatch per cell). A cell that
    // does not fit its column is the error of the earliest such cell in the file's order, as if
    // read row by row; a record that fails to tokenize comes after the cells before it.
    let width = names.count
    var rows: [Int] = []
    // The numeric columns' values in a chunk, column after column, before they are appended.
    let numericPositions = plan.indices.filter { plan[$0] == .numeric || plan[$0] == .prediction }
    let nonNumeric = read.filter { $0.element != .numeric && $0.element != .prediction }
    // Sized by the chunk's rows, not by ``chunkRows``: a chunk of a wide table holds fewer
    // records (those complete in the reader's window), so this stays within the window's size.
    var numericValues = UnsafeMutableBufferPointer<Float>.allocate(capacity: 0)
    defer { numericValues.deallocate() }
    func readChunk(_ chunk: CSVReader.RecordChunk) throws {
      // The chunk's records that are rows (not dropped for a missing label), in order.
      rows.removeAll(keepingCapacity: true)
      for record in 0..<chunk.count {
        if dropUnlabelled, let labelPosition, isMissing(chunk.trimmedString(record, labelPosition)) {
          dropped += 1
          continue
        }
        rows.append(record)
      }
      for (slot, position) in kept.enumerated() {
        texts[slot] += rows.map { chunk.trimmedString($0, position) }
      }
      var failure: (row: Int, position: Int, error: any Error)? = nil
      /// Whether a column's failure at `row` comes before the one found so far (and is kept).
      func fail(_ row: Int, _ position: Int, _ error: any Error) {
        if failure.map({ (row, position) < ($0.row, $0.position) }) ?? true { failure = (row, position, error) }
      }
      func text(_ row: Int, _ position: Int) -> String { chunk.trimmedString(rows[row], position) }
      if numericValues.count < rows.count * numericPositions.count {
        numericValues.deallocate()
        numericValues = .allocate(capacity: rows.count * numericPositions.count)
      }
      try rows.withUnsafeBufferPointer { rows in
        // The numeric columns record by record, each record's bytes read once, in order.
        let stride = rows.count
        let read = chunk.numbers(
          columns: numericPositions, of: rows, into: numericValues, stride: stride
        ) { row, slot in
          let position = numericPositions[slot]
          guard enforcing || plan[position] == .prediction else {
            notNumeric.insert(position)
            return false
          }
          fail(
            row, position,
            DatasetError.malformedCell(
              file: file, line: chunk.lines[rows[row]], column: position + 1, columnName: names[position],
              text: text(row, position)))
          return true
        }
        for (slot, position) in numericPositions.enumerated() {
          let start = slot * stride
          numbers[position]?.append(contentsOf: numericValues[start..<(start + read)])
        }
        for (position, kind) in nonNumeric {
          // Rows after a failure found so far need not be read (that failure comes first), but
          // its own row is: a cell to its left may fail too.
          let end = failure.map { $0.row + 1 } ?? rows.count
          switch kind {
          case .categorical, .boolean:
            guard var coder = categories[position] else { continue }
            categories[position] = nil
            cells: for row in 0..<end {
              let (bytes, slack) = chunk.cell(rows[row], position)
              if coder.appendRemembered(bytes, slack: slack) { continue }
              let value = text(row, position)
              let missing = isMissing(value)
              if kind == .boolean {
                let lower = value.lowercased()
                guard missing || booleanLevels.contains(lower) else {
                  fail(
                    row, position,
                    DatasetError.notBoolean(
                      file: file, line: chunk.lines[rows[row]], column: position + 1, columnName: names[position],
                      text: value))
                  break cells
                }
                _ = coder.append(missing ? nil : lower)
              } else {
                guard coder.append(missing ? nil : canonicalLevel(value)) else {
                  fail(
                    row, position,
                    DatasetError.tooLarge(
                      file: file, what: "column '\(names[position])' with \(Int32.max) distinct values",
                      limitBytes: InputFile.limit))
                  break cells
                }
              }
              coder.rememberLast(bytes)
            }
            categories[position] = coder
          case .label, .predictedClass:
            cells: for row in 0..<end {
              let value = text(row, position)
              guard !isMissing(value) else {
                // A source read by its options may drop such rows; a later file read by a schema may not.
                let line = chunk.lines[rows[row]]
                fail(
                  row, position,
                  kind == .label && !enforcing
                    ? DatasetError.missingLabel(
                      file: file, line: line, column: position + 1, columnName: names[position])
                    : DatasetError.missingValue(
                      file: file, line: line, column: position + 1, columnName: names[position]))
                break cells
              }
              if kind == .label {
                labels.append(canonicalLevel(value))
              } else {
                predicted.append(canonicalLevel(value))
              }
            }
          case .numeric, .prediction, .ignored:
            break  // numbers were read above; the rest is not read
          }
        }
        if let failure { throw failure.error }
        lines += rows.map { chunk.lines[$0] }
      }
    }
    while lines.count < rowLimit {
      let limit = min(Self.chunkRows, rowLimit - lines.count)
      guard try reader.withRecords(upTo: limit, width: width, readChunk) != nil else { break }
    }
    guard !lines.isEmpty || allowingNone else { throw DatasetError.noDataRows(file: file) }
    let columns: [FeatureColumn.Values?] = plan.indices.map { position in
      if let values = numbers[position] { return .numeric(values) }
      if let coder = categories[position] { return .categorical(levels: coder.levels, codes: coder.codes) }
      return nil
    }
    return Contents(
      columns: columns, labels: labelPosition == nil ? nil : labels,
      predictedClasses: predictedPosition == nil ? nil : predicted, lines: lines, notNumeric: notNumeric,
      droppedUnlabelled: dropped, texts: texts)
  }
}

// MARK: - Inference

extension MixedTable {
  /// The texts of a boolean column.
  static let booleanLevels: Set<String> = ["false", "true"]

  /// Whether a (trimmed) cell is a missing value.
  static func isMissing(_ text: String) -> Bool {
    text.utf8.count <= 4 && CSVTable.missingMarkers.contains(text.lowercased())
  }

  /// A category's text, with numbers written one way (`1.0`, `01` and `1` are the level `1`).
  static func canonicalLevel(_ text: String) -> String {
    guard let first = text.utf8.first,
      first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || first == UInt8(ascii: ".")
        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first),
      let value = Double(text), value.isFinite
    else { return text }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return String(value)
  }

  /// Why a column named `name` is not a feature, if its name says it is an identifier or a time.
  static func reasonToLeaveOut(named name: String) -> String? {
    let lower = name.lowercased()
    if ["id", "identifier", "uuid", "guid"].contains(lower) || lower.hasSuffix("_id") || lower.hasPrefix("unnamed:") {
      return "named as an identifier"
    }
    if ["timestamp", "datetime"].contains(lower) || lower.hasSuffix("_timestamp") {
      return "named as a timestamp"
    }
    return nil
  }

  /// Why a column with these values is not a feature, if it is not: no values at all, or (for
  /// an inferred text column) dates and times, or a distinct value in every row.
  static func reasonToLeaveOut(_ values: FeatureColumn.Values, inferred: Bool) -> String? {
    switch values {
    case .numeric(let numbers):
      return numbers.allSatisfy(\.isNaN) ? "no values" : nil
    case .categorical(let levels, let codes):
      if levels.isEmpty { return "no values" }
      guard inferred else { return nil }
      if levels.allSatisfy(isTimestamp) { return "dates or times" }
      let present = codes.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) }
      if present >= identifierMinimumRows && levels.count == present { return "every value distinct (an identifier)" }
      return nil
    }
  }

  /// What the values of an inferred feature column are, in a few words.
  static func inferenceReason(_ values: FeatureColumn.Values?) -> String {
    switch values {
    case .numeric(let numbers):
      let missing = numbers.reduce(0) { $0 + ($1.isNaN ? 1 : 0) }
      return missing == 0 ? "numbers" : "numbers, \(missing) missing"
    case .categorical(let levels, let codes):
      let missing = codes.reduce(0) { $0 + ($1 < 0 ? 1 : 0) }
      let what = levels == ["false", "true"] ? "true/false" : "text, \(levels.count) levels"
      return missing == 0 ? what : "\(what), \(missing) missing"
    case nil:
      return undecided
    }
  }

  /// The codes of a text column whose levels are `true`/`false` in any case, recoded to the
  /// levels `false`, `true`.
  static func asBoolean(levels: [String], codes: [Int32]) -> FeatureColumn.Values {
    let recode = levels.map { Int32($0.lowercased() == "true" ? 1 : 0) }
    return .categorical(levels: ["false", "true"], codes: codes.map { $0 < 0 ? -1 : recode[Int($0)] })
  }

  /// Whether `text` is an ISO 8601 date or date-time (see ``Timestamp``).
  static func isTimestamp(_ text: String) -> Bool { Timestamp(iso8601: text) != nil }
}

/// Codes for the distinct texts of a column, in order of first appearance.
private struct CategoryCoder {
  private var index: [String: Int32] = [:]
  private(set) var levels: [String] = []
  private(set) var codes: [Int32] = []
  private var cache = CellCodeCache()

  init(levels: [String] = []) {
    for level in levels { _ = code(of: level) }
  }

  /// Appends the code of `text` (−1 for `nil`); false, appending nothing, when the column
  /// already has as many levels as an `Int32` code can tell apart.
  mutating func append(_ text: String?) -> Bool {
    guard let text else {
      codes.append(-1)
      return true
    }
    guard let code = code(of: text) else { return false }
    codes.append(code)
    return true
  }

  /// Appends the code remembered for the raw cell `bytes` (see ``CellCodeCache``; `slack`
  /// bytes after them may be read); false, appending nothing, when there is none.
  mutating func appendRemembered(_ bytes: UnsafeBufferPointer<UInt8>, slack: Int) -> Bool {
    guard let code = cache.code(of: bytes, slack: slack) else { return false }
    codes.append(code)
    return true
  }

  /// Remembers the code last appended as the raw cell `bytes`' code.
  mutating func rememberLast(_ bytes: UnsafeBufferPointer<UInt8>) {
    if let code = codes.last { cache.remember(bytes, code: code) }
  }

  private mutating func code(of text: String) -> Int32? {
    if let code = index[text] { return code }
    guard levels.count < Int32.max else { return nil }
    let code = Int32(levels.count)
    index[text] = code
    levels.append(text)
    return code
  }
}
