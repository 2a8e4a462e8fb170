/// A dense Float64 matrix stored contiguously in row-major order: the precision of statistics
/// and solvers (logistic regression, calibration, the label-shift systems).
///
/// Element `(i, j)` lives at `storage[i * columns + j]`. Products go through BLAS
/// (`DoubleMatrix+BLAS.swift`), decompositions through GSL (`DoubleMatrix+GSL.swift`).
public struct DoubleMatrix: Sendable, Equatable {
  /// Number of rows.
  public private(set) var rows: Int
  /// Number of columns.
  public private(set) var columns: Int
  /// The elements, row after row; always `rows * columns` long.
  public private(set) var storage: [Double]

  /// A `rows × columns` matrix with every element set to `value`.
  public init(rows: Int, columns: Int, repeating value: Double = 0) {
    precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative")
    self.rows = rows
    self.columns = columns
    self.storage = Array(repeating: value, count: rows * columns)
  }

  /// A `rows × columns` matrix over existing row-major `storage`.
  public init(rows: Int, columns: Int, storage: [Double]) {
    precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative")
    precondition(storage.count == rows * columns, "storage holds \(storage.count) elements, expected \(rows * columns)")
    self.rows = rows
    self.columns = columns
    self.storage = storage
  }

  /// The Float32 matrix `matrix` widened to double precision, with `appendingColumn` (when
  /// given) as an extra last column: a design matrix with an intercept column of ones.
  public init(_ matrix: Matrix, appendingColumn value: Double? = nil) {
    let width = matrix.columns + (value == nil ? 0 : 1)
    self.init(rows: matrix.rows, columns: width, repeating: value ?? 0)
    let d = matrix.columns
    matrix.withUnsafeBufferPointer { x in
      for i in 0..<matrix.rows {
        for j in 0..<d { storage[i * width + j] = Double(x[i * d + j]) }
      }
    }
  }

  /// The element at row `row`, column `column`.
  public subscript(row: Int, column: Int) -> Double {
    get { storage[row * columns + column] }
    set { storage[row * columns + column] = newValue }
  }

  /// The matrix with row `i` multiplied by `factors[i]`.
  public func scalingRows(by factors: [Double]) -> DoubleMatrix {
    precondition(factors.count == rows, "one factor per row")
    var result = self
    let width = columns
    result.storage.withUnsafeMutableBufferPointer { values in
      for i in 0..<rows {
        for j in 0..<width { values[i * width + j] = factors[i] * values[i * width + j] }
      }
    }
    return result
  }
}
