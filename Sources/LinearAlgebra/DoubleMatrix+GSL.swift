internal import CGSL

/// The singular value decomposition `A = U·diag(σ)·Vᵀ` of an `m × n` matrix with `m ≥ n`.
public struct SingularValueDecomposition: Sendable, Equatable {
  /// `m × n`, orthonormal columns.
  public var u: DoubleMatrix
  /// The singular values σ, descending.
  public var singularValues: [Double]
  /// `n × n`, orthogonal.
  public var v: DoubleMatrix
}

/// Decompositions and solves of double-precision matrices through GSL. Each works on a copy of
/// the storage (GSL decomposes in place), handed to GSL by `gsl_matrix_view_array`.
extension DoubleMatrix {
  /// The solution of the square system `self·x = b` by LU decomposition with partial pivoting
  /// (`gsl_linalg_LU_decomp`), or nil when the matrix is singular or the solution not finite.
  public func luSolve(_ b: [Double]) -> [Double]? {
    precondition(rows == columns && b.count == rows, "a square system with one right-hand side entry per row")
    GSL.ensureErrorHandlerOff()
    let n = rows
    guard n > 0 else { return [] }
    let permutation = gsl_permutation_alloc(n)
    defer { gsl_permutation_free(permutation) }
    var sign: Int32 = 0
    let solution = solving(b) { matrix, rhs, x in
      gsl_linalg_LU_decomp(matrix, permutation, &sign) == GSL_SUCCESS
        && gsl_linalg_LU_solve(matrix, permutation, rhs, x) == GSL_SUCCESS
    }
    return solution
  }

  /// The solution of `self·x = b` for a symmetric positive-definite matrix by Cholesky
  /// decomposition (`gsl_linalg_cholesky_decomp1`), or nil when the matrix is not (numerically)
  /// positive definite or the solution not finite.
  public func choleskySolve(_ b: [Double]) -> [Double]? {
    precondition(rows == columns && b.count == rows, "a square system with one right-hand side entry per row")
    GSL.ensureErrorHandlerOff()
    guard rows > 0 else { return [] }
    return solving(b) { matrix, rhs, x in
      gsl_linalg_cholesky_decomp1(matrix) == GSL_SUCCESS && gsl_linalg_cholesky_solve(matrix, rhs, x) == GSL_SUCCESS
    }
  }

  /// The singular value decomposition (GSL's Golub–Reinsch `gsl_linalg_SV_decomp`);
  /// needs `rows ≥ columns`. Nil if GSL reports an error.
  public func singularValueDecomposition() -> SingularValueDecomposition? {
    precondition(rows >= columns, "GSL's SVD needs rows ≥ columns")
    GSL.ensureErrorHandlerOff()
    let (m, n) = (rows, columns)
    guard n > 0 else {
      return SingularValueDecomposition(u: self, singularValues: [], v: DoubleMatrix(rows: 0, columns: 0))
    }
    var u = storage
    var v = [Double](repeating: 0, count: n * n)
    var s = [Double](repeating: 0, count: n)
    var work = [Double](repeating: 0, count: n)
    let status = u.withUnsafeMutableBufferPointer { uBuffer in
      v.withUnsafeMutableBufferPointer { vBuffer in
        s.withUnsafeMutableBufferPointer { sBuffer in
          work.withUnsafeMutableBufferPointer { workBuffer in
            var uView = gsl_matrix_view_array(uBuffer.baseAddress, m, n)
            var vView = gsl_matrix_view_array(vBuffer.baseAddress, n, n)
            var sView = gsl_vector_view_array(sBuffer.baseAddress, n)
            var workView = gsl_vector_view_array(workBuffer.baseAddress, n)
            return gsl_linalg_SV_decomp(&uView.matrix, &vView.matrix, &sView.vector, &workView.vector)
          }
        }
      }
    }
    guard status == GSL_SUCCESS else { return nil }
    return SingularValueDecomposition(
      u: DoubleMatrix(rows: m, columns: n, storage: u), singularValues: s,
      v: DoubleMatrix(rows: n, columns: n, storage: v))
  }

  /// The 2-norm condition number σ_max/σ_min of a square matrix from GSL's SVD (∞ when singular
  /// or when the SVD fails).
  public var conditionNumber: Double {
    guard let svd = singularValueDecomposition(), let largest = svd.singularValues.first,
      let smallest = svd.singularValues.last
    else { return .infinity }
    return smallest > 0 ? largest / smallest : .infinity
  }

  /// The Tikhonov-regularised least-squares solution `argmin ‖A·x − b‖² + λ²‖x‖²` of a square or
  /// tall system, from the SVD: `x = Σ σᵢ/(σᵢ² + λ²)·(uᵢ·b)·vᵢ`. Nil when the SVD fails or the
  /// solution is not finite.
  public func regularizedLeastSquares(_ b: [Double], lambda: Double) -> [Double]? {
    precondition(b.count == rows, "one right-hand side entry per row")
    guard let svd = singularValueDecomposition() else { return nil }
    let (m, n) = (rows, columns)
    var x = [Double](repeating: 0, count: n)
    for i in 0..<n {
      let sigma = svd.singularValues[i]
      let denominator = sigma * sigma + lambda * lambda
      guard denominator > 0 else { continue }
      var projection = 0.0
      for r in 0..<m { projection += svd.u[r, i] * b[r] }
      let factor = sigma / denominator * projection
      for j in 0..<n { x[j] += factor * svd.v[j, i] }
    }
    return x.allSatisfy(\.isFinite) ? x : nil
  }

  /// Runs `decomposeAndSolve` on GSL views of a copy of the matrix, of `b` and of the solution
  /// vector; returns the solution when it reports success and every entry is finite.
  private func solving(
    _ b: [Double],
    _ decomposeAndSolve: (
      UnsafeMutablePointer<gsl_matrix>, UnsafePointer<gsl_vector>, UnsafeMutablePointer<gsl_vector>
    ) -> Bool
  ) -> [Double]? {
    let n = rows
    var matrix = storage
    var rhs = b
    var x = [Double](repeating: 0, count: n)
    let solved = matrix.withUnsafeMutableBufferPointer { a in
      rhs.withUnsafeMutableBufferPointer { r in
        x.withUnsafeMutableBufferPointer { s in
          var matrixView = gsl_matrix_view_array(a.baseAddress, n, n)
          var rhsView = gsl_vector_view_array(r.baseAddress, n)
          var solutionView = gsl_vector_view_array(s.baseAddress, n)
          return decomposeAndSolve(&matrixView.matrix, &rhsView.vector, &solutionView.vector)
        }
      }
    }
    return solved && x.allSatisfy(\.isFinite) ? x : nil
  }
}
