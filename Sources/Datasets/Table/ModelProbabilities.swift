import LinearAlgebra

/// Where a table holds a model's class probabilities: the columns of a classifier the user
/// already has (a production model, any language), given with the data instead of a model file.
public enum ProbabilityColumns: Sendable, Equatable {
  /// One column per class, in class order (the order `shiftcli schema` lists the classes in).
  case columns([String])
  /// The columns whose names start with the prefix; the rest of each name is its class
  /// (`y_pred_proba_Adelie` is the probability of `Adelie`).
  case prefix(String)
  /// A binary model's probability of the positive class: the second class in class order (`1`
  /// for 0/1 labels, `true` for booleans); the other class gets one minus it.
  case positive(String)

  /// The largest amount by which a row's probabilities may miss summing to 1 (rounding in the
  /// file: a model's probabilities written to 3 decimals miss by up to 0.005 over 10 classes).
  public static let sumTolerance = 0.01

  /// The probability columns among a file's `names`.
  public func columns(among names: [String], file: String) throws -> [String] {
    switch self {
    case .columns(let columns): return columns
    case .positive(let column): return [column]
    case .prefix(let prefix):
      let matching = names.filter { $0.hasPrefix(prefix) && $0.count > prefix.count }
      guard matching.count >= 2 else {
        throw DatasetError.invalidProbabilities(
          file: file, line: 1, column: nil,
          reason: "\(matching.count) columns start with '\(prefix)'; a model's probabilities need one per class")
      }
      return matching
    }
  }

  /// The classes these columns give probabilities for, matched with the classes of the labels
  /// (`labelClasses`; numbers compared as numbers): every label class needs its column, and
  /// every column a class among the labels.
  public func classes(labelClasses: ClassIndex, columns: [String], file: String) throws -> ClassIndex {
    switch self {
    case .positive:
      guard labelClasses.count == 2 else {
        throw DatasetError.invalidProbabilities(
          file: file, line: 1, column: nil,
          reason: "one probability column is for a binary model, but the labels have \(labelClasses.count) classes")
      }
      return labelClasses
    case .columns:
      guard columns.count == labelClasses.count else {
        throw DatasetError.invalidProbabilities(
          file: file, line: 1, column: nil,
          reason:
            "\(columns.count) probability columns for \(labelClasses.count) classes (\(labelClasses.names.joined(separator: ", ")))"
        )
      }
      return labelClasses
    case .prefix(let prefix):
      let named = try self.columns(among: columns, file: file).map {
        MixedTable.canonicalLevel(String($0.dropFirst(prefix.count)))
      }
      if let missing = labelClasses.names.first(where: { !named.contains($0) }) {
        throw DatasetError.invalidProbabilities(
          file: file, line: 1, column: nil, reason: "the label class '\(missing)' has no column \(prefix)\(missing)")
      }
      if let extra = named.first(where: { labelClasses.index(of: $0) == nil }) {
        throw DatasetError.invalidProbabilities(
          file: file, line: 1, column: nil,
          reason: "column \(prefix)\(extra) is for the class '\(extra)', which no label of the source has")
      }
      return labelClasses
    }
  }

  /// The table's probability columns in class order (one column for ``positive(_:)``).
  public func columnsInClassOrder(of table: MixedTable, classes: ClassIndex) throws -> [String] {
    let columns = try self.columns(among: table.predictions.map(\.name), file: table.file)
    let order: [String]
    switch self {
    case .prefix(let prefix):
      let named = Dictionary(
        columns.map { (MixedTable.canonicalLevel(String($0.dropFirst(prefix.count))), $0) },
        uniquingKeysWith: { first, _ in first })
      order = classes.names.map { named[$0] ?? "" }
    case .columns(let columns): order = columns
    case .positive(let column): order = [column]
    }
    guard order.count == 1 ? classes.count == 2 : order.count == classes.count else {
      throw DatasetError.invalidProbabilities(
        file: table.file, line: 1, column: nil,
        reason: "\(order.count) probability columns for \(classes.count) classes")
    }
    return order
  }

  /// The probabilities of `table` (read with these columns as prediction columns) as a matrix
  /// whose column `j` is the probability of `classes.names[j]`. Each cell must be a number in
  /// [0, 1] and each row must sum to 1 within ``sumTolerance``; the error names file, line and
  /// column.
  public func matrix(of table: MixedTable, classes: ClassIndex) throws -> Matrix {
    var byName: [String: [Float]] = [:]
    for column in table.predictions {
      if case .numeric(let values) = column.values { byName[column.name] = values }
    }
    let order = try columnsInClassOrder(of: table, classes: classes)
    let values = try order.map { name in
      guard let values = byName[name] else {
        throw DatasetError.missingColumn(file: table.file, column: name, available: byName.keys.sorted())
      }
      return values
    }
    let rows = table.rowCount
    let k = classes.count
    var storage = [Float](repeating: 0, count: rows * k)
    for row in 0..<rows {
      var sum = 0.0
      for (j, column) in values.enumerated() {
        let p = column[row]
        guard p.isFinite, p >= 0, p <= 1 else {
          throw DatasetError.invalidProbabilities(
            file: table.file, line: table.rowLines[row], column: table.position(of: order[j]),
            reason: p.isNaN
              ? "column '\(order[j])': a missing probability" : "column '\(order[j])': \(p) is not in [0, 1]")
        }
        sum += Double(p)
        if values.count == 1 {
          storage[row * k + 1] = p
          storage[row * k] = 1 - p
        } else {
          storage[row * k + j] = p
        }
      }
      if values.count > 1 && abs(sum - 1) > Self.sumTolerance {
        throw DatasetError.invalidProbabilities(
          file: table.file, line: table.rowLines[row], column: nil,
          reason: String(format: "the probabilities sum to %.4g, not 1 (within %g)", sum, Self.sumTolerance))
      }
    }
    return Matrix(rows: rows, columns: k, storage: storage)
  }
}
