/// Errors of the linear-algebra layer.
public enum LinearAlgebraError: Error, CustomStringConvertible, Equatable {
  /// The BLAS kernel's matrix product disagrees with a naive reference.
  case blasSelfCheckFailed(kernel: String, relativeError: Double)

  public var description: String {
    switch self {
    case .blasSelfCheckFailed(let kernel, let error):
      "OpenBLAS kernel \(kernel) computed a wrong matrix product (relative error \(error)); "
        + "set OPENBLAS_CORETYPE to another kernel, e.g. Haswell"
    }
  }
}
