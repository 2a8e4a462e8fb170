/// Products of Float32 matrices through BLAS (`sgemm`, `sgemv`).
extension Matrix {
  /// The product `op(self) · op(other)` computed by `cblas_sgemm`.
  public func multiplied(by other: Matrix, transposeSelf: Bool = false, transposeOther: Bool = false) -> Matrix {
    let m = transposeSelf ? columns : rows
    let n = transposeOther ? other.rows : other.columns
    var result = Matrix(rows: m, columns: n)
    result.assignProduct(self, other, transposeA: transposeSelf, transposeB: transposeOther)
    return result
  }

  /// Overwrites `self` (already of the right shape) with `α·op(a)·op(b) + β·self`, without allocating.
  public mutating func assignProduct(
    _ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false, alpha: Float = 1, beta: Float = 0
  ) {
    let m = transposeA ? a.columns : a.rows
    let k = transposeA ? a.rows : a.columns
    let kB = transposeB ? b.columns : b.rows
    let n = transposeB ? b.rows : b.columns
    precondition(k == kB, "inner dimensions differ: \(k) vs \(kB)")
    precondition(rows == m && columns == n, "result is \(rows)×\(columns), product is \(m)×\(n)")
    guard m > 0, n > 0 else { return }
    let (ldc, lda, ldb) = (columns, a.columns, b.columns)
    withUnsafeMutableBufferPointer { pc in
      guard let c = pc.baseAddress else { return }
      if k == 0 {
        BLAS.scale(count: pc.count, alpha: beta, x: c)
        return
      }
      a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
          guard let a = pa.baseAddress, let b = pb.baseAddress else { return }
          BLAS.gemm(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
            a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
      }
    }
  }

  /// The matrix–vector product `self · vector` (or `selfᵀ · vector` with `transposed`), one `sgemv`.
  public func multiplied(by vector: [Float], transposed: Bool = false) -> [Float] {
    precondition(vector.count == (transposed ? rows : columns), "the vector's length must match the matrix")
    var result = [Float](repeating: 0, count: transposed ? columns : rows)
    guard rows > 0, columns > 0 else { return result }
    withUnsafeBufferPointer { a in
      vector.withUnsafeBufferPointer { x in
        result.withUnsafeMutableBufferPointer { y in
          guard let a = a.baseAddress, let x = x.baseAddress, let y = y.baseAddress else { return }
          BLAS.gemv(transpose: transposed, rows: rows, columns: columns, a: a, lda: columns, x: x, y: y)
        }
      }
    }
    return result
  }

  /// The mean of each column (the mean row), as `selfᵀ · (1/n)` in one `sgemv`; zeros for no rows.
  public func columnMeans() -> [Double] {
    guard rows > 0 else { return [Double](repeating: 0, count: columns) }
    return multiplied(by: [Float](repeating: 1 / Float(rows), count: rows), transposed: true).map(Double.init)
  }

  /// The column index of the largest entry of each row (the first one on ties): the predicted
  /// class of each row of logits or probabilities.
  public func argmaxPerRow() -> [Int] {
    let k = columns
    return withUnsafeBufferPointer { values in
      guard k > 0, let base = values.baseAddress else { return [Int](repeating: 0, count: rows) }
      return (0..<rows).map { i in indexOfMaximum(base + i * k, count: k) }
    }
  }
}

/// The index of the largest of `count ≥ 1` values at `values` (the first one on ties).
@inline(__always)
package func indexOfMaximum(_ values: UnsafePointer<Float>, count: Int) -> Int {
  var best = 0
  for j in 1..<count where values[j] > values[best] { best = j }
  return best
}
