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
  /// The maximum-likelihood mixture of the holdout's class densities of outputs (KDEy-ML).
  case kdey
  /// The mixture of the holdout's class histograms of outputs nearest the target's (DMy).
  case dm

  /// The concrete methods `auto` chooses from.
  public static let concrete: [LabelShiftMethod] = [.bbseHard, .bbseSoft, .rlls, .em, .emBCTS, .kdey, .dm]
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
  /// EM on kernel densities of the outputs, with its iterations.
  case kernelDensity(iterations: Int)
  /// The fixed-point steps that minimise the squared Hellinger distance of histograms.
  case distributionMatching(iterations: Int)

  /// `lu`, `regularized-least-squares`, `rlls`, `em (N iterations)`, `kde-em (N iterations)` or
  /// `hellinger-fixed-point (N steps)`.
  public var description: String {
    switch self {
    case .luDecomposition: "lu"
    case .regularizedLeastSquares: "regularized-least-squares"
    case .rlls: "rlls"
    case .expectationMaximization(let iterations): "em (\(iterations) iterations)"
    case .kernelDensity(let iterations): "kde-em (\(iterations) iterations)"
    case .distributionMatching(let iterations): "hellinger-fixed-point (\(iterations) steps)"
    }
  }
}
