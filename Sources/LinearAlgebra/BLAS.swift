internal import CGSL

/// The CBLAS routines the package uses (OpenBLAS underneath), on raw row-major buffers.
///
/// Visible to the package's modules only: the network's training loop calls it on its own
/// preallocated buffers; everything else goes through ``Matrix`` and ``DoubleMatrix``.
package enum BLAS {
  /// `C ← α·op(A)·op(B) + β·C` in single precision, row-major, where `op(X)` is `X` or `Xᵀ`.
  ///
  /// `m × k` is the shape of `op(A)`, `k × n` that of `op(B)`; leading dimensions are the
  /// row strides of the stored (untransposed) arrays.
  @inline(__always)
  package static func gemm(
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
  package static func gemv(
    transpose: Bool = false, rows: Int, columns: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, x: UnsafePointer<Float>, beta: Float = 0, y: UnsafeMutablePointer<Float>
  ) {
    cblas_sgemv(
      CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, Int32(rows), Int32(columns), alpha, a, Int32(lda),
      x, 1, beta, y, 1)
  }

  /// `x ← α·x` over `count` contiguous elements.
  @inline(__always)
  package static func scale(count: Int, alpha: Float, x: UnsafeMutablePointer<Float>) {
    cblas_sscal(Int32(count), alpha, x, 1)
  }

  /// `y ← op(A)·x` in double precision for a row-major `rows × columns` matrix `A`.
  @inline(__always)
  static func gemv(
    transpose: Bool = false, rows: Int, columns: Int, a: UnsafePointer<Double>, x: UnsafePointer<Double>,
    y: UnsafeMutablePointer<Double>
  ) {
    cblas_dgemv(
      CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, Int32(rows), Int32(columns), 1, a, Int32(columns),
      x, 1, 0, y, 1)
  }

  /// The upper triangle of `C ← Aᵀ·A` (row-major `count × size` `A`, `size × size` `C`) in
  /// double precision (`dsyrk`).
  @inline(__always)
  static func gramUpperTriangle(
    of a: UnsafePointer<Double>, rows count: Int, columns size: Int, into c: UnsafeMutablePointer<Double>
  ) {
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(size), Int32(count), 1, a, Int32(size), 0, c, Int32(size))
  }

  /// Number of threads OpenBLAS uses for a call.
  static var threadCount: Int {
    get { Int(openblas_get_num_threads()) }
    set { openblas_set_num_threads(Int32(max(1, newValue))) }
  }
}
