/// The label-shift estimators on offer.
public enum LabelShiftMethod: String, Sendable, CaseIterable, Codable {
  /// Chooses among the others by simulating label shift on the source holdout (see
  /// ``LabelShiftEstimator``); needs no target labels.
  case auto
  /// Black-box shift estimation with the arg-max confusion matrix.
  case bbseHard = "bbse-hard"
  /// Black-box shift estimation with the expected (probability) confusion matrix.
  case bbseSoft = "bbse-soft"
  /// Regularised learning under label shift.
  case rlls
  /// Maximum-likelihood EM on the model's raw probabilities.
  case em
  /// EM on probabilities calibrated by bias-corrected temperature scaling on the holdout.
  case emBCTS = "em-bcts"

  /// The concrete methods `auto` chooses from.
  public static let concrete: [LabelShiftMethod] = [.bbseHard, .bbseSoft, .rlls, .em, .emBCTS]
}

/// How an estimate's target prior was computed.
public enum LabelShiftSolver: Sendable, Equatable, Hashable, CustomStringConvertible {
  /// `C·q = μ` solved by GSL's LU decomposition (a well-conditioned confusion matrix).
  case luDecomposition
  /// `C·q = μ` solved by Tikhonov-regularised least squares (an ill-conditioned or singular `C`).
  case regularizedLeastSquares
  /// The RLLS objective minimised along its ridge path.
  case rlls
  /// EM, with the number of iterations it ran.
  case expectationMaximization(iterations: Int)

  /// `lu`, `regularized-least-squares`, `rlls` or `em (N iterations)`.
  public var description: String {
    switch self {
    case .luDecomposition: "lu"
    case .regularizedLeastSquares: "regularized-least-squares"
    case .rlls: "rlls"
    case .expectationMaximization(let iterations): "em (\(iterations) iterations)"
    }
  }
}
