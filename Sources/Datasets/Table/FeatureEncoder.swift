import LinearAlgebra

/// How the feature columns of a ``MixedTable`` become the numbers a model reads, fitted on the
/// source and saved with the model, so that every later table is encoded exactly as the source.
///
/// - A numeric column is one feature; a missing cell takes the source's median, and when the
///   source had missing cells in the column, a second feature `name=(missing)` is 1 for them.
/// - A categorical or boolean column is one-hot encoded: one feature `name=level` per level
///   seen in the source at least ``Options/minimumLevelCount`` times (at most
///   ``Options/maximumLevels`` of them, the most frequent), `name=(other)` for the rest (the
///   pooled levels) when there are any, and `name=(missing)` when the source had missing cells.
///   A level the source never had goes to `(other)` when the column has it (else all its
///   features are 0), and is counted in ``EncodedFeatures/unseen``.
///
/// A table of numeric columns without missing cells is encoded as it is: the same features in
/// the same order.
public struct FeatureEncoder: Sendable, Equatable, Codable {
  /// One encoding per feature column of the source, in the schema's order.
  public var columns: [Column]

  /// The encoding of one column.
  public enum Column: Sendable, Equatable, Codable {
    /// A number, its missing cells imputed by `median`, with a missing indicator if `indicator`.
    case numeric(name: String, median: Float, indicator: Bool)
    /// One-hot over `levels`, plus `(other)` for the source's `pooled` levels when there are any
    /// and `(missing)` if `missing`. Of a column with more than ``FeatureEncoder/pooledListLimit``
    /// rare levels none is listed, and `pooled` is `nil`: every level not in `levels` goes to
    /// `(other)` and none counts as unseen.
    case oneHot(name: String, levels: [String], pooled: [String]?, missing: Bool)

    /// The column's header name.
    public var name: String {
      switch self {
      case .numeric(let name, _, _), .oneHot(let name, _, _, _): name
      }
    }

    /// The names of the features the column becomes.
    public var featureNames: [String] {
      switch self {
      case .numeric(let name, _, let indicator): [name] + (indicator ? ["\(name)=(missing)"] : [])
      case .oneHot(let name, let levels, let pooled, let missing):
        levels.map { "\(name)=\($0)" } + (pooled?.isEmpty == false || pooled == nil ? ["\(name)=(other)"] : [])
          + (missing ? ["\(name)=(missing)"] : [])
      }
    }

    /// How many features the column becomes (``featureNames``' count, without making the names).
    public var featureCount: Int {
      switch self {
      case .numeric(_, _, let indicator): indicator ? 2 : 1
      case .oneHot(_, let levels, _, let missing): levels.count + (hasOther ? 1 : 0) + (missing ? 1 : 0)
      }
    }

    /// Whether the column has an `(other)` feature.
    var hasOther: Bool {
      if case .oneHot(_, _, let pooled, _) = self { return pooled?.isEmpty != true }
      return false
    }
  }

  /// The limits of one-hot encoding.
  public struct Options: Sendable, Equatable {
    /// Levels seen fewer times in the source are pooled into `(other)`.
    public var minimumLevelCount: Int
    /// At most this many levels of a column get a feature of their own.
    public var maximumLevels: Int

    /// Limits; the defaults pool levels seen fewer than 5 times and keep at most 32 per column.
    public init(minimumLevelCount: Int = 5, maximumLevels: Int = 32) {
      self.minimumLevelCount = max(1, minimumLevelCount)
      self.maximumLevels = max(1, maximumLevels)
    }
  }

  /// An encoder of explicit columns (as stored in a model file).
  public init(columns: [Column]) { self.columns = columns }

  /// The encoding of `table`'s feature columns, fitted on its rows.
  public init(fittedTo table: MixedTable, options: Options = Options()) {
    columns = table.features.map { column in
      switch column.values {
      case .numeric(let numbers):
        let present = numbers.filter { !$0.isNaN }
        return .numeric(
          name: column.name, median: Float(interpolatedMedian(present)), indicator: present.count < numbers.count)
      case .categorical(let levels, let codes):
        var counts = [Int](repeating: 0, count: levels.count)
        var missing = false
        for code in codes {
          if code < 0 { missing = true } else { counts[Int(code)] += 1 }
        }
        let frequent = levels.indices.filter { counts[$0] >= options.minimumLevelCount }
          .sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : $0 < $1 }
          .prefix(options.maximumLevels)
        let kept = Set(frequent)
        let pooled = levels.indices.filter { counts[$0] > 0 && !kept.contains($0) }.map { levels[$0] }
        return .oneHot(
          name: column.name, levels: frequent.map { levels[$0] }.sorted(by: Self.levelOrder),
          pooled: pooled.count > Self.pooledListLimit ? nil : pooled.sorted(by: Self.levelOrder), missing: missing)
      }
    }
  }

  /// The most pooled levels of a column listed in the encoder (and so in a model file).
  public static let pooledListLimit = 10_000

  /// The names of the encoded features, in order.
  public var featureNames: [String] { columns.flatMap(\.featureNames) }

  /// How many features a table becomes (``featureNames``' count, without making the names).
  public var featureCount: Int { columns.reduce(0) { $0 + $1.featureCount } }

  /// Encodes `table`, whose feature columns must be those the encoder was fitted on (as a table
  /// read with the source's schema has).
  public func encode(_ table: MixedTable) throws -> EncodedFeatures {
    let (cells, unseen) = try cellMatrix(of: table)
    return EncodedFeatures(features: expand(cells), unseen: unseen)
  }

  /// The features of cells (see ``ColumnCells``): a numeric cell is its number or the median
  /// (with the indicator set), a categorical cell sets its category's feature; `(unseen)` goes
  /// to `(other)` when the column has it, and a missing cell to `(missing)` when it has that.
  public func expand(_ cells: Matrix) -> Matrix {
    precondition(cells.columns == columns.count, "cells of \(cells.columns) columns for an encoder of \(columns.count)")
    let (width, rows, cellWidth) = (featureCount, cells.rows, cells.columns)
    var result = Matrix(rows: rows, columns: width)
    cells.withUnsafeBufferPointer { cells in
      result.withUnsafeMutableBufferPointer { storage in
        var offset = 0
        for (index, encoding) in columns.enumerated() {
          switch encoding {
          case .numeric(_, let median, let indicator):
            for row in 0..<rows {
              let value = cells[row * cellWidth + index]
              storage[row * width + offset] = value.isNaN ? median : value
              if indicator && value.isNaN { storage[row * width + offset + 1] = 1 }
            }
          case .oneHot(_, let levels, _, let missing):
            let other = encoding.hasOther ? levels.count : -1
            let missingFeature = missing ? levels.count + (encoding.hasOther ? 1 : 0) : -1
            for row in 0..<rows {
              let value = cells[row * cellWidth + index]
              let feature: Int
              if value.isNaN {
                feature = missingFeature
              } else {
                let category = Int(value)
                feature = category < 0 ? -1 : category < levels.count ? category : other
              }
              if feature >= 0 { storage[row * width + offset + feature] = 1 }
            }
          }
          offset += encoding.featureCount
        }
      }
    }
    return result
  }

  /// Levels in numeric order when both are numbers, else in string order.
  static func levelOrder(_ a: String, _ b: String) -> Bool {
    if let x = Double(a), let y = Double(b), x != y { return x < y }
    return a < b
  }
}

/// A table's features as a model reads them, and what of the table the source had not seen.
public struct EncodedFeatures: Sendable {
  /// One row per table row, one column per ``FeatureEncoder/featureNames`` entry.
  public var features: Matrix
  /// Per column with cells the source never had: how many rows, and which levels
  /// (`(missing)` for missing cells in a column the source had complete).
  public var unseen: [Unseen]

  /// Cells of one column whose level the source never had.
  public struct Unseen: Sendable, Equatable, Codable {
    /// The column.
    public var column: String
    /// Rows with such a cell.
    public var rows: Int
    /// The levels, in order of first appearance in the table.
    public var levels: [String]
  }
}

/// The median of `values` (the mean of the two middle values for an even count); 0 when empty.
func interpolatedMedian(_ values: [Float]) -> Double {
  guard !values.isEmpty else { return 0 }
  let sorted = values.sorted()
  let middle = sorted.count / 2
  return sorted.count % 2 == 1 ? Double(sorted[middle]) : (Double(sorted[middle - 1]) + Double(sorted[middle])) / 2
}
