import DomainClassifier
import Evaluation
import Foundation

/// Importance weights for source rows with their diagnostics.
public struct CovariateShiftEstimate: Sendable, Equatable {
  /// Per source row, in row order; mean 1.
  public var weights: [Double]
  /// The domain classifier's held-out log density ratios, AUC and convergence.
  public var domainFit: DomainClassifierFit
  /// Effective sample size (Σβ)²/Σβ².
  public var effectiveSampleSize: Double
  /// ESS as a share of the source size.
  public var effectiveSampleFraction: Double
  /// The largest weight.
  public var maximumWeight: Double
  /// Weight quantiles at 1, 5, 25, 50, 75, 95 and 99 %.
  public var quantiles: [Quantile]
  /// The cap applied (mean-1 units), nil without clipping.
  public var clipThreshold: Double?
  /// The share of weights that were capped.
  public var clippedShare: Double
  /// The clipping rule.
  public var clipping: WeightClipping
  /// Human-readable cautions (e.g. a low effective sample size).
  public var warnings: [String]
  /// Whether the domain classifier's scores were calibrated, and why (nil: not tried).
  public var calibration: ScoreCalibration.Report?

  /// One quantile of the weights.
  public struct Quantile: Sendable, Equatable, Codable {
    /// The probability level, e.g. 0.99.
    public var level: Double
    /// The weight at that level.
    public var value: Double
  }

  /// The ESS share below which a warning is issued.
  public static let lowEffectiveSampleFraction = 0.1
  /// The levels of ``quantiles``.
  public static let quantileLevels = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]

  /// The weights `exp(log ratio)` of the source rows of `fit` (exact up to a constant factor,
  /// which normalisation removes), normalised to mean 1 and clipped, with their diagnostics.
  public init(domainFit fit: DomainClassifierFit, clipping: WeightClipping, calibration: ScoreCalibration.Report? = nil)
  {
    self.calibration = calibration
    let largest = fit.sourceLogDensityRatio.max() ?? 0
    let raw = fit.sourceLogDensityRatio.map { exp($0 - largest) }
    let (weights, threshold, clippedShare) = clipping.apply(to: raw)
    self.weights = weights
    self.domainFit = fit
    self.clipping = clipping
    self.clipThreshold = threshold
    self.clippedShare = clippedShare
    effectiveSampleSize = Self.effectiveSampleSize(weights)
    effectiveSampleFraction = effectiveSampleSize / Double(max(weights.count, 1))
    maximumWeight = weights.max() ?? 0
    let sorted = weights.sorted()
    quantiles = Self.quantileLevels.map {
      Quantile(level: $0, value: sorted.isEmpty ? 0 : interpolatedQuantile(sorted, $0))
    }
    warnings = []
    if effectiveSampleFraction < Self.lowEffectiveSampleFraction {
      warnings.append(
        String(
          format:
            "effective sample size %.0f is only %.1f %% of the %d source rows: the weighted model rests on few examples; clip harder or collect source data closer to the target",
          effectiveSampleSize, effectiveSampleFraction * 100, weights.count))
    }
  }

  /// Held-out (cross-fitted) AUC of the domain classifier: ≈ 0.5 means no detectable shift.
  public var domainAUC: Double { domainFit.auc }
  /// How the domain classifiers converged (worst fold).
  public var solver: DomainClassifierFit.Solver { domainFit.solver }

  /// (Σβ)²/Σβ²: the number of equally weighted examples carrying the same information.
  public static func effectiveSampleSize(_ weights: [Double]) -> Double {
    let sum = weights.reduce(0, +)
    let squares = weights.reduce(0) { $0 + $1 * $1 }
    return squares > 0 ? sum * sum / squares : 0
  }
}
