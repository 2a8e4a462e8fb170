import DomainClassifier
import Foundation
import LinearAlgebra

/// Covariate-shift importance weights β(x) = p_target(x)/p_source(x) from a cross-fitted
/// logistic-regression ``DomainClassifier`` (SPEC §2): source rows are labelled z = 0, target
/// rows z = 1, and β = exp(h(x))·n_s/n_t, where h is the held-out logit of the fold model that
/// did not see the row, calibrated by ``ScoreCalibration`` when that predicts the held-out
/// domains better. The weights are then normalised to mean 1 and capped (``WeightClipping``).
/// The estimate's domain AUC and solver describe the linear fit (the shift detector's).
public struct CovariateShiftEstimator: Sendable, Equatable {
  /// The cross-fitted domain classifier (folds and L2 strength).
  public var domainClassifier: DomainClassifier
  /// The cap on extreme weights.
  public var clipping: WeightClipping
  /// Whether the domain classifier's scores are calibrated (``ScoreCalibration``: kept when
  /// their cross-fitted log-loss is lower).
  public var calibratesScores: Bool

  /// An estimator; the defaults are 5 folds, C chosen by cross-fitted log-loss, and clipping at
  /// the 99th percentile.
  public init(
    folds: Int = 5, inverseRegularization: Double? = nil, clipping: WeightClipping = .quantile(0.99),
    calibratesScores: Bool = true
  ) {
    domainClassifier = DomainClassifier(folds: folds, inverseRegularization: inverseRegularization)
    self.clipping = clipping
    self.calibratesScores = calibratesScores
  }

  /// Weights for the rows of `source` so that the weighted source resembles `target`.
  ///
  /// Both matrices hold raw features with the same columns; the seed decides the folds.
  public func estimate(
    source: Matrix, target: Matrix, using generator: inout some RandomNumberGenerator
  ) throws -> CovariateShiftEstimate {
    let fit = try domainClassifier.fit(source: source, target: target, using: &generator)
    guard calibratesScores else { return CovariateShiftEstimate(domainFit: fit, clipping: clipping) }
    let (calibrated, report) = ScoreCalibration.calibrate(fit)
    return CovariateShiftEstimate(domainFit: calibrated, clipping: clipping, calibration: report)
  }
}
