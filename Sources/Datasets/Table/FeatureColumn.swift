/// The values of one feature column of a ``MixedTable``: numbers with NaN for missing cells,
/// or category codes into the column's levels with −1 for missing cells.
public struct FeatureColumn: Sendable, Equatable {
  /// The header name.
  public var name: String
  /// The values.
  public var values: Values

  /// The two representations.
  public enum Values: Sendable, Equatable {
    /// One number per row; `Float.nan` marks a missing cell.
    case numeric([Float])
    /// One code per row into `levels` (the distinct texts in order of first appearance); −1
    /// marks a missing cell.
    case categorical(levels: [String], codes: [Int32])
  }

  /// A column of `values`.
  public init(name: String, values: Values) {
    self.name = name
    self.values = values
  }

  /// Number of rows.
  public var count: Int {
    switch values {
    case .numeric(let numbers): numbers.count
    case .categorical(_, let codes): codes.count
    }
  }

  /// Number of missing cells.
  public var missingCount: Int {
    switch values {
    case .numeric(let numbers): numbers.reduce(0) { $0 + ($1.isNaN ? 1 : 0) }
    case .categorical(_, let codes): codes.reduce(0) { $0 + ($1 < 0 ? 1 : 0) }
    }
  }

  /// The share of missing cells (0 for an empty column).
  public var missingRate: Double { count == 0 ? 0 : Double(missingCount) / Double(count) }

  /// The column's rows at `indices`, in that order.
  public func rows(at indices: some Collection<Int>) -> FeatureColumn {
    switch values {
    case .numeric(let numbers): FeatureColumn(name: name, values: .numeric(indices.map { numbers[$0] }))
    case .categorical(let levels, let codes):
      FeatureColumn(name: name, values: .categorical(levels: levels, codes: indices.map { codes[$0] }))
    }
  }
}
