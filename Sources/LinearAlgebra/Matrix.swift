/// A dense Float32 matrix stored contiguously in row-major order.
///
/// Element `(i, j)` lives at `storage[i * columns + j]`. Products go through BLAS
/// (see `Matrix+BLAS.swift`); this file holds only storage and element access.
public struct Matrix: Sendable, Equatable {
  /// Number of rows.
  public private(set) var rows: Int
  /// Number of columns.
  public private(set) var columns: Int
  /// The elements, row after row; always `rows * columns` long.
  public private(set) var storage: [Float]

  /// A `rows × columns` matrix with every element set to `value`.
  public init(rows: Int, columns: Int, repeating value: Float = 0) {
    precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative")
    self.rows = rows
    self.columns = columns
    self.storage = Array(repeating: value, count: rows * columns)
  }

  /// A `rows × columns` matrix over existing row-major `storage`.
  public init(rows: Int, columns: Int, storage: [Float]) {
    precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative")
    precondition(storage.count == rows * columns, "storage holds \(storage.count) elements, expected \(rows * columns)")
    self.rows = rows
    self.columns = columns
    self.storage = storage
  }

  /// A matrix from nested rows, all of the same length (convenient in tests and examples).
  public init(_ nestedRows: [[Float]]) {
    let columns = nestedRows.first?.count ?? 0
    precondition(nestedRows.allSatisfy { $0.count == columns }, "all rows must have the same length")
    self.init(rows: nestedRows.count, columns: columns, storage: nestedRows.flatMap { $0 })
  }

  /// The element at row `row`, column `column`.
  public subscript(row: Int, column: Int) -> Float {
    get { storage[row * columns + column] }
    set { storage[row * columns + column] = newValue }
  }

  /// The rows of `parts` one after another; all parts must have the same number of columns.
  public init(stacking parts: [Matrix]) {
    let columns = parts.first?.columns ?? 0
    precondition(parts.allSatisfy { $0.columns == columns }, "stacked matrices need equal column counts")
    self.init(rows: parts.reduce(0) { $0 + $1.rows }, columns: columns, storage: parts.flatMap(\.storage))
  }

  /// The elements of one row.
  public func row(_ index: Int) -> ArraySlice<Float> {
    storage[(index * columns)..<((index + 1) * columns)]
  }

  /// The matrix made of the given rows of `self`, in the given order.
  public func rows(at indices: some Collection<Int>) -> Matrix {
    var result = Matrix(rows: indices.count, columns: columns)
    result.copyRows(of: self, at: indices)
    return result
  }

  /// Overwrites the first `indices.count` rows of `self` with the given rows of `source`,
  /// reusing `self`'s storage (the minibatch gather of the training loop).
  public mutating func copyRows(of source: Matrix, at indices: some Collection<Int>) {
    precondition(source.columns == columns && indices.count <= rows, "row gather does not fit")
    let width = columns
    // An array's buffer, not the generic collection, drives the loop (called across modules,
    // the generic one is not specialised); narrow rows are copied element by element.
    let list = indices as? [Int] ?? Array(indices)
    source.storage.withUnsafeBufferPointer { from in
      storage.withUnsafeMutableBufferPointer { to in
        list.withUnsafeBufferPointer { rows in
          guard let fromBase = from.baseAddress, let toBase = to.baseAddress else { return }
          let sourceRows = source.rows
          for destination in 0..<rows.count {
            precondition(rows[destination] >= 0 && rows[destination] < sourceRows, "row index out of range")
            let target = toBase + destination * width
            let origin = fromBase + rows[destination] * width
            if width <= 8 {
              for column in 0..<width { target[column] = origin[column] }
            } else {
              target.update(from: origin, count: width)
            }
          }
        }
      }
    }
  }

  /// `scale · x + columnOffsets[j]` for every element `x` of column `j`: an affine map per
  /// column (e.g. temperature scaling of logits with a bias per class).
  public func scaledAndShifted(by scale: Float, columnOffsets: [Float]) -> Matrix {
    precondition(columnOffsets.count == columns, "one offset per column")
    var result = self
    let k = columns
    result.storage.withUnsafeMutableBufferPointer { values in
      for index in values.indices { values[index] = scale * values[index] + columnOffsets[index % k] }
    }
    return result
  }

  /// The transpose.
  public func transposed() -> Matrix {
    var result = Matrix(rows: columns, columns: rows)
    for i in 0..<rows {
      for j in 0..<columns { result.storage[j * rows + i] = storage[i * columns + j] }
    }
    return result
  }

  /// Calls `body` with mutable access to the row-major elements.
  public mutating func withUnsafeMutableBufferPointer<R>(
    _ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R
  ) rethrows -> R {
    try storage.withUnsafeMutableBufferPointer(body)
  }

  /// Calls `body` with read access to the row-major elements.
  public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
    try storage.withUnsafeBufferPointer(body)
  }
}

extension Matrix: CustomStringConvertible {
  /// Rows on separate lines, for debugging small matrices.
  public var description: String {
    (0..<rows).map { i in row(i).map { "\($0)" }.joined(separator: " ") }.joined(separator: "\n")
  }
}
