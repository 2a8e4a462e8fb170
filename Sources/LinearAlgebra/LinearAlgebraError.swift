/// Errors of the linear-algebra layer.
public enum LinearAlgebraError: Error, CustomStringConvertible, Equatable {
  /// The BLAS kernel's matrix product disagrees with a naive reference.
  case blasSelfCheckFailed(kernel: String, relativeError: Double)
  /// An iterative solver stopped before meeting its convergence criterion.
  case didNotConverge(solver: String, iterations: Int, gradientNorm: Double)
  /// A matrix that must be positive definite (a Hessian) is not, numerically.
  case notPositiveDefinite(solver: String)

  /// What failed: the kernel and its error, or the solver and how far it got.
  public var description: String {
    switch self {
    case .blasSelfCheckFailed(let kernel, let error):
      "OpenBLAS kernel \(kernel) computed a wrong matrix product (relative error \(error)); "
        + "set OPENBLAS_CORETYPE to another kernel, e.g. Haswell"
    case .didNotConverge(let solver, let iterations, let gradientNorm):
      "Newton's method (\(solver)) did not converge in \(iterations) iterations (gradient norm \(gradientNorm))"
    case .notPositiveDefinite(let solver):
      "Newton's method (\(solver)): the Hessian is not positive definite"
    }
  }
}
