import LinearAlgebra

/// A table's feature columns as the source's encoder sees them, one cell per row and column:
/// what column-wise drift tests compare. A numeric cell is its number (NaN when missing); a
/// categorical cell is the index of its category (NaN when missing), whose categories are the
/// encoder's levels, then `(other)` for the pooled levels when the column has it, then
/// `(unseen)` for levels the source never had.
public struct ColumnCells: Sendable, Equatable {
  /// One description per column, in the encoder's order.
  public var columns: [Column]
  /// Rows × columns.
  public var cells: Matrix
  /// Per column with cells the source never had: how many rows, and which levels.
  public var unseen: [EncodedFeatures.Unseen]

  /// One column.
  public struct Column: Sendable, Equatable {
    /// The header name.
    public var name: String
    /// numeric, categorical or boolean.
    public var kind: TableSchema.Kind
    /// The categories a cell's index points into (empty for a numeric column).
    public var categories: [String]

    /// A column of `kind` over `categories`.
    public init(name: String, kind: TableSchema.Kind, categories: [String] = []) {
      self.name = name
      self.kind = kind
      self.categories = categories
    }
  }

  /// The name of the category of levels the source never had (always the last category).
  public static let unseenCategory = "(unseen)"

  /// Cells of explicit columns.
  public init(columns: [Column], cells: Matrix, unseen: [EncodedFeatures.Unseen] = []) {
    precondition(cells.columns == columns.count, "one cell column per column")
    self.columns = columns
    self.cells = cells
    self.unseen = unseen
  }

  /// An all-numeric table without missing cells: every feature is a numeric column.
  public init(numeric features: Matrix, names: [String]) {
    precondition(features.columns == names.count, "one name per feature")
    self.init(columns: names.map { Column(name: $0, kind: .numeric) }, cells: features)
  }

  /// Number of rows.
  public var rowCount: Int { cells.rows }

  /// The cells of column `index`.
  public func values(ofColumn index: Int) -> [Float] { (0..<cells.rows).map { cells[$0, index] } }

  /// The rows at `indices`, in that order, with the cells the source never had among them
  /// recounted: the `(unseen)` category of a categorical column, and a missing cell where the
  /// source had none (the entry's level `(missing)`). The levels of an entry stay those of the
  /// whole table (which row held which unseen level is not kept).
  public func rows(at indices: [Int]) -> ColumnCells {
    let subset = cells.rows(at: indices)
    let unseen = self.unseen.compactMap { entry -> EncodedFeatures.Unseen? in
      guard let column = columns.firstIndex(where: { $0.name == entry.column }) else { return nil }
      let unseenCode = columns[column].kind == .numeric ? nil : Float(columns[column].categories.count - 1)
      let countsMissing = entry.levels.contains("(missing)")
      let rows = (0..<subset.rows).reduce(0) { count, row in
        let cell = subset[row, column]
        return count + ((cell.isNaN && countsMissing) || (unseenCode.map { cell == $0 } ?? false) ? 1 : 0)
      }
      return rows == 0 ? nil : EncodedFeatures.Unseen(column: entry.column, rows: rows, levels: entry.levels)
    }
    return ColumnCells(columns: columns, cells: subset, unseen: unseen)
  }
}

extension TableEncoding {
  /// The columns of the cells of a table read with this encoding (see ``ColumnCells``).
  public var cellColumns: [ColumnCells.Column] {
    encoder.cellColumns(kinds: schema.featureColumns.map(\.kind))
  }

  /// The cells of `table` (read with this encoding's schema), with the cells the source never
  /// had (see ``EncodedFeatures/unseen``).
  public func cells(of table: MixedTable) throws -> ColumnCells {
    let (cells, unseen) = try encoder.cellMatrix(of: table)
    return ColumnCells(columns: cellColumns, cells: cells, unseen: unseen)
  }

  /// The cells of rows this encoding encoded, recovered from their features: exact for the rows
  /// of the table it was fitted on (a missing cell is marked by its indicator; a pooled level is
  /// `(other)`); a numeric column's missing cell without an indicator reads as the median.
  public func cells(ofEncoded features: Matrix) throws -> ColumnCells {
    ColumnCells(columns: cellColumns, cells: try encoder.cellMatrix(ofEncoded: features))
  }
}

extension FeatureEncoder {
  /// The categories of each column's cells (see ``ColumnCells``), the columns of the given kinds.
  func cellColumns(kinds: [TableSchema.Kind]) -> [ColumnCells.Column] {
    zip(columns, kinds).map { column, kind in
      switch column {
      case .numeric(let name, _, _): ColumnCells.Column(name: name, kind: .numeric)
      case .oneHot(let name, let levels, _, _):
        ColumnCells.Column(
          name: name, kind: kind,
          categories: levels + (column.hasOther ? ["(other)"] : []) + [ColumnCells.unseenCategory])
      }
    }
  }

  /// The cells of `table`, whose feature columns must be those the encoder was fitted on, with
  /// the cells the source never had.
  func cellMatrix(of table: MixedTable) throws -> (cells: Matrix, unseen: [EncodedFeatures.Unseen]) {
    guard table.features.map(\.name) == columns.map(\.name) else {
      throw DatasetError.invalidArgument(
        "\(table.file): feature columns \(table.features.map(\.name)) differ from the encoder's \(columns.map(\.name))")
    }
    let rows = table.rowCount
    let width = columns.count
    var storage = [Float](repeating: 0, count: rows * width)
    var unseen: [EncodedFeatures.Unseen] = []
    for (index, (encoding, column)) in zip(columns, table.features).enumerated() {
      switch (encoding, column.values) {
      case (.numeric(_, _, let indicator), .numeric(let numbers)):
        var missing = 0
        for (row, value) in numbers.enumerated() {
          storage[row * width + index] = value
          if value.isNaN { missing += 1 }
        }
        if !indicator && missing > 0 { unseen.append(.init(column: column.name, rows: missing, levels: ["(missing)"])) }
      case (.oneHot(_, let levels, let pooled, let hasMissing), .categorical(let tableLevels, let codes)):
        let position = Dictionary(levels.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let known = pooled.map(Set.init)
        let other = encoding.hasOther ? levels.count : nil
        let unseenIndex = levels.count + (encoding.hasOther ? 1 : 0)
        // Each table level's category: its own, (other) when pooled (or when the source's pooled
        // levels are not listed), else (unseen).
        let category = tableLevels.map { level -> Int in
          if let own = position[level] { return own }
          if let other, known?.contains(level) ?? true { return other }
          return unseenIndex
        }
        var unseenCounts = [Int](repeating: 0, count: tableLevels.count)
        var missing = 0
        for (row, code) in codes.enumerated() {
          guard code >= 0 else {
            storage[row * width + index] = .nan
            missing += 1
            continue
          }
          let target = category[Int(code)]
          storage[row * width + index] = Float(target)
          if target == unseenIndex { unseenCounts[Int(code)] += 1 }
        }
        let names = tableLevels.indices.filter { unseenCounts[$0] > 0 }.map { tableLevels[$0] }
        let missingUnseen = hasMissing ? 0 : missing
        let count = unseenCounts.reduce(0, +) + missingUnseen
        if count > 0 {
          unseen.append(
            .init(column: column.name, rows: count, levels: names + (missingUnseen > 0 ? ["(missing)"] : [])))
        }
      default:
        throw DatasetError.invalidArgument(
          "\(table.file): column '\(column.name)' is not of the kind the encoder was fitted on")
      }
    }
    return (Matrix(rows: rows, columns: width, storage: storage), unseen)
  }

  /// The cells of encoded rows (see ``TableEncoding/cells(ofEncoded:)``).
  func cellMatrix(ofEncoded features: Matrix) throws -> Matrix {
    guard features.columns == featureNames.count else {
      throw DatasetError.invalidArgument(
        "\(features.columns) encoded features, but the encoder makes \(featureNames.count)")
    }
    let width = columns.count
    var storage = [Float](repeating: 0, count: features.rows * width)
    var offset = 0
    for (index, column) in columns.enumerated() {
      let count = column.featureNames.count
      for row in 0..<features.rows {
        let cell: Float
        switch column {
        case .numeric(_, _, let indicator):
          cell = indicator && features[row, offset + 1] == 1 ? .nan : features[row, offset]
        case .oneHot(_, let levels, _, let missing):
          let hot = (0..<count).first { features[row, offset + $0] == 1 }
          let missingFeature = missing ? count - 1 : nil
          switch hot {
          case nil: cell = Float(levels.count + (column.hasOther ? 1 : 0))  // nothing hot: unseen
          case missingFeature: cell = .nan
          case let feature?: cell = Float(feature)
          }
        }
        storage[row * width + index] = cell
      }
      offset += count
    }
    return Matrix(rows: features.rows, columns: width, storage: storage)
  }
}
