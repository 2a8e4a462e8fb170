import LinearAlgebra

/// Why a domain classifier could not be fitted.
public enum DomainClassifierError: Error, Equatable, CustomStringConvertible {
  /// The inputs do not fit together or are out of range (a usage error).
  case invalidInput(String)
  /// Newton's method failed for the given inverse L2 strength C.
  case fitFailed(inverseRegularization: Double, reason: LinearAlgebraError)

  /// What does not fit, or which C failed and why, with a way out.
  public var description: String {
    switch self {
    case .invalidInput(let message): message
    case .fitFailed(let c, let reason):
      "the domain classifier with C = \(c) could not be fitted: \(reason); try a smaller C (a stronger L2 penalty) or fewer features"
    }
  }
}
