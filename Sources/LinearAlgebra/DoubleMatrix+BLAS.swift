/// Products of double-precision matrices through BLAS (`dgemv`, `dsyrk`).
extension DoubleMatrix {
  /// The matrix–vector product `self · vector` (or `selfᵀ · vector` with `transposed`), one `dgemv`.
  public func multiplied(by vector: [Double], transposed: Bool = false) -> [Double] {
    var result = [Double](repeating: 0, count: transposed ? columns : rows)
    multiply(vector, transposed: transposed, into: &result)
    return result
  }

  /// Writes `self · vector` (or `selfᵀ · vector`) into `result`, which must have the product's
  /// length: the allocation-free form for iterations (EM) that multiply thousands of times.
  public func multiply(_ vector: [Double], transposed: Bool = false, into result: inout [Double]) {
    precondition(vector.count == (transposed ? rows : columns), "the vector's length must match the matrix")
    precondition(result.count == (transposed ? columns : rows), "the result's length must match the matrix")
    guard rows > 0, columns > 0 else {
      for index in result.indices { result[index] = 0 }
      return
    }
    storage.withUnsafeBufferPointer { a in
      vector.withUnsafeBufferPointer { x in
        result.withUnsafeMutableBufferPointer { y in
          guard let a = a.baseAddress, let x = x.baseAddress, let y = y.baseAddress else { return }
          BLAS.gemv(transpose: transposed, rows: rows, columns: columns, a: a, x: x, y: y)
        }
      }
    }
  }

  /// The Gram matrix `selfᵀ · self` (`columns × columns`, symmetric), from one `dsyrk`.
  public func gramMatrix() -> DoubleMatrix {
    let size = columns
    var gram = [Double](repeating: 0, count: size * size)
    guard rows > 0, size > 0 else { return DoubleMatrix(rows: size, columns: size, storage: gram) }
    storage.withUnsafeBufferPointer { a in
      gram.withUnsafeMutableBufferPointer { c in
        guard let a = a.baseAddress, let c = c.baseAddress else { return }
        BLAS.gramUpperTriangle(of: a, rows: rows, columns: size, into: c)
      }
    }
    for j in 0..<size {
      for k in 0..<j { gram[j * size + k] = gram[k * size + j] }
    }
    return DoubleMatrix(rows: size, columns: size, storage: gram)
  }
}
