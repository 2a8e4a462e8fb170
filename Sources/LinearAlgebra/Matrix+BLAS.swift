internal import CGSL

/// Thin, C-free wrappers over the CBLAS routines the project uses (OpenBLAS underneath).
public enum BLAS {
  /// `C ← α·op(A)·op(B) + β·C` in single precision, row-major, where `op(X)` is `X` or `Xᵀ`.
  ///
  /// `m × k` is the shape of `op(A)`, `k × n` that of `op(B)`; leading dimensions are the
  /// row strides of the stored (untransposed) arrays.
  @inline(__always)
  public static func gemm(
    transposeA: Bool = false, transposeB: Bool = false,
    m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    cblas_sgemm(
      CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
      Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
  }

  /// `y ← α·op(A)·x + β·y` in single precision for a row-major `rows × columns` matrix `A`.
  @inline(__always)
  public static func gemv(
    transpose: Bool = false, rows: Int, columns: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>, beta: Float = 0, y: UnsafeMutablePointer<Float>
  ) {
    cblas_sgemv(
      CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, Int32(rows), Int32(columns), alpha, a, Int32(lda),
      x, 1, beta, y, 1)
  }

  /// `y ← α·x + y` over `count` contiguous elements.
  @inline(__always)
  public static func axpy(count: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
    cblas_saxpy(Int32(count), alpha, x, 1, y, 1)
  }

  /// `x ← α·x` over `count` contiguous elements.
  @inline(__always)
  public static func scale(count: Int, alpha: Float, x: UnsafeMutablePointer<Float>) {
    cblas_sscal(Int32(count), alpha, x, 1)
  }

  /// Number of threads OpenBLAS uses for a call.
  public static var threadCount: Int {
    get { Int(openblas_get_num_threads()) }
    set { openblas_set_num_threads(Int32(max(1, newValue))) }
  }
}

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
    if k == 0 {
      withUnsafeMutableBufferPointer { c in BLAS.scale(count: c.count, alpha: beta, x: c.baseAddress!) }
      return
    }
    a.withUnsafeBufferPointer { pa in
      b.withUnsafeBufferPointer { pb in
        withUnsafeMutableBufferPointer { pc in
          BLAS.gemm(
            transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
            a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb, beta: beta, c: pc.baseAddress!, ldc: ldc)
        }
      }
    }
  }
}
