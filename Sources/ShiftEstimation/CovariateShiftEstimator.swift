import Datasets
import Evaluation
import Foundation
import LinearAlgebra

/// Covariate-shift importance weights β(x) = p_target(x)/p_source(x) from a logistic-regression
/// domain classifier (SPEC §2): source rows are labelled z = 0, target rows z = 1, and
/// β = exp(h(x))·n_s/n_t where h is the classifier's logit.
///
/// Logits are cross-fitted: the rows are dealt into K folds (separately per domain), and each
/// row is scored by the model fitted on the other folds, so no weight comes from a model that
/// saw its row. Features are standardised with the pooled statistics of both samples.
///
/// The L2 strength is chosen, unless fixed, from ``regularizationGrid`` by the cross-fitted
/// log-loss of the domain classifier (a proper scoring rule, so the best-scoring C gives the
/// best-calibrated domain probabilities, which is what the weights are made of). It needs no
/// target labels, and keeps high-dimensional inputs (raw pixels) from producing wild weights.
/// The grid runs from strong to weak penalties and stops once two in a row score worse than
/// the best (the slowest fits are the weakly penalised ones).
public struct CovariateShiftEstimator: Sendable, Equatable {
  /// Folds for cross-fitting (at least 2).
  public var folds: Int
  /// The domain classifier's inverse L2 strength C (scikit-learn's convention); nil chooses it
  /// from ``regularizationGrid`` by cross-fitted log-loss.
  public var inverseRegularization: Double?
  /// The cap on extreme weights.
  public var clipping: WeightClipping

  /// The values of C tried when it is chosen automatically.
  public static let regularizationGrid: [Double] = [1e-4, 1e-3, 1e-2, 1e-1, 1, 10]

  /// An estimator; the defaults are 5 folds, C chosen by cross-fitted log-loss, and clipping at
  /// the 99th percentile.
  public init(folds: Int = 5, inverseRegularization: Double? = nil, clipping: WeightClipping = .quantile(0.99)) {
    self.folds = folds
    self.inverseRegularization = inverseRegularization
    self.clipping = clipping
  }

  /// Weights for the rows of `source` so that the weighted source resembles `target`.
  ///
  /// Both matrices hold raw features with the same columns; the seed decides the folds.
  public func estimate(
    source: Matrix, target: Matrix, using generator: inout some RandomNumberGenerator
  ) throws -> CovariateShiftWeights {
    guard source.columns == target.columns else {
      throw ShiftEstimationError.invalidInput(
        "source and target must have the same features: \(source.columns) vs \(target.columns) columns")
    }
    guard folds >= 2 else { throw ShiftEstimationError.invalidInput("cross-fitting needs at least 2 folds, got \(folds)") }
    guard source.rows >= folds, target.rows >= folds else {
      throw ShiftEstimationError.invalidInput(
        "\(folds)-fold cross-fitting needs at least \(folds) source and target rows, got \(source.rows) and \(target.rows)")
    }
    var pooled = Matrix(stacking: [source, target])
    Standardizer(fittedTo: pooled).standardize(&pooled)
    let domain = [Bool](repeating: false, count: source.rows) + [Bool](repeating: true, count: target.rows)

    let sourceFolds = try FoldAssignment(count: source.rows, folds: folds, using: &generator).folds
    let targetFolds = try FoldAssignment(count: target.rows, folds: folds, using: &generator).folds
    var best: (logDensityRatio: [Double], logLoss: Double, c: Double, iterations: [Int], gradientNorms: [Double])? = nil
    var candidates: [(c: Double, logLoss: Double)] = []
    var lastFailure: Error? = nil
    grid: for c in inverseRegularization.map({ [$0] }) ?? Self.regularizationGrid {
      var logDensityRatio = [Double](repeating: 0, count: pooled.rows)
      var iterations: [Int] = []
      var gradientNorms: [Double] = []
      var logLoss = 0.0
      for fold in 0..<folds {
        let trainRows = sourceFolds[fold].train + targetFolds[fold].train.map { $0 + source.rows }
        let heldOutRows = sourceFolds[fold].heldOut + targetFolds[fold].heldOut.map { $0 + source.rows }
        let fit: (model: LogisticRegression, report: LogisticRegression.SolverReport)
        do {
          fit = try LogisticRegression.fit(
            features: pooled.rows(at: trainRows), labels: trainRows.map { domain[$0] }, inverseRegularization: c)
        } catch let error as LinearAlgebraError where inverseRegularization == nil {
          // While choosing C, a penalty too weak to converge is skipped; the grid's later
          // (weaker) values would fare no better.
          lastFailure = error
          break grid
        }
        let (model, report) = fit
        iterations.append(report.iterations)
        gradientNorms.append(report.gradientNorm)
        // The fitted odds carry the fold's class ratio n_t/n_s; remove it to get p_t(x)/p_s(x).
        let sizeCorrection = log(Double(sourceFolds[fold].train.count) / Double(targetFolds[fold].train.count))
        for (row, logit) in zip(heldOutRows, model.logits(for: pooled.rows(at: heldOutRows))) {
          logDensityRatio[row] = logit + sizeCorrection
          logLoss += softplus(domain[row] ? -logit : logit)
        }
      }
      logLoss /= Double(pooled.rows)
      candidates.append((c, logLoss))
      if best == nil || logLoss < best!.logLoss {
        best = (logDensityRatio, logLoss, c, iterations, gradientNorms)
      } else if candidates.count >= 2, candidates[candidates.count - 2].logLoss > best!.logLoss {
        break  // two weaker penalties in a row scored worse: past the optimum of a unimodal path
      }
    }
    guard let chosen = best else {
      throw lastFailure ?? ShiftEstimationError.numericalFailure("no domain classifier could be fitted")
    }
    let logDensityRatio = chosen.logDensityRatio
    let auc = areaUnderROCCurve(scores: logDensityRatio, positives: domain) ?? 0.5
    let sourceLogRatio = logDensityRatio[..<source.rows]
    let largest = sourceLogRatio.max() ?? 0
    let raw = sourceLogRatio.map { exp($0 - largest) }  // exact up to a constant factor, which normalisation removes
    let solver = CovariateShiftWeights.Solver(
      name: "newton", folds: folds, iterations: chosen.iterations.max() ?? 0, gradientNorm: chosen.gradientNorms.max() ?? 0,
      inverseRegularization: chosen.c, heldOutLogLoss: chosen.logLoss,
      regularizationPath: candidates.map { .init(inverseRegularization: $0.c, heldOutLogLoss: $0.logLoss) })
    var result = CovariateShiftWeights(rawWeights: raw, clipping: clipping, domainAUC: auc, solver: solver)
    result.sourceLogDensityRatio = Array(sourceLogRatio)
    result.targetLogDensityRatio = Array(logDensityRatio[source.rows...])
    return result
  }
}

/// Importance weights for source rows with their diagnostics.
public struct CovariateShiftWeights: Sendable, Equatable {
  /// Per source row, in row order; mean 1.
  public var weights: [Double]
  /// Held-out (cross-fitted) AUC of the domain classifier: ≈ 0.5 means no detectable shift.
  public var domainAUC: Double
  /// Effective sample size (Σβ)²/Σβ².
  public var effectiveSampleSize: Double
  /// ESS as a share of the source size.
  public var effectiveSampleFraction: Double
  /// The largest weight.
  public var maximumWeight: Double
  /// Weight quantiles at 1, 5, 25, 50, 75, 95 and 99 %.
  public var quantiles: [(level: Double, value: Double)]
  /// The cap applied (mean-1 units), nil without clipping.
  public var clipThreshold: Double?
  /// The share of weights that were capped.
  public var clippedShare: Double
  /// The clipping rule.
  public var clipping: WeightClipping
  /// How the domain classifiers converged (worst fold).
  public var solver: Solver
  /// Human-readable cautions (e.g. a low effective sample size).
  public var warnings: [String]
  /// The cross-fitted estimate of log p_target(x)/p_source(x) for every source row (before
  /// clipping and normalisation); the domain classifier's held-out scores.
  public var sourceLogDensityRatio: [Double] = []
  /// The same for every target row: high means unlike anything in the source.
  public var targetLogDensityRatio: [Double] = []

  /// Convergence of the cross-fitted domain classifiers.
  public struct Solver: Sendable, Equatable, Codable {
    /// The optimisation method.
    public var name: String
    /// Number of folds fitted.
    public var folds: Int
    /// The largest number of Newton iterations over the folds.
    public var iterations: Int
    /// The largest final per-sample gradient norm over the folds.
    public var gradientNorm: Double
    /// The inverse L2 strength C used.
    public var inverseRegularization: Double
    /// The cross-fitted mean log-loss of the domain classifier with that C.
    public var heldOutLogLoss: Double
    /// Every C tried with its cross-fitted log-loss (one entry when C was fixed).
    public var regularizationPath: [PathPoint]

    /// One candidate C and its score.
    public struct PathPoint: Sendable, Equatable, Codable {
      public var inverseRegularization: Double
      public var heldOutLogLoss: Double
    }

    /// Convergence details of a fit.
    public init(
      name: String, folds: Int, iterations: Int, gradientNorm: Double, inverseRegularization: Double,
      heldOutLogLoss: Double, regularizationPath: [PathPoint]
    ) {
      self.name = name
      self.folds = folds
      self.iterations = iterations
      self.gradientNorm = gradientNorm
      self.inverseRegularization = inverseRegularization
      self.heldOutLogLoss = heldOutLogLoss
      self.regularizationPath = regularizationPath
    }
  }

  /// The ESS share below which a warning is issued.
  public static let lowEffectiveSampleFraction = 0.1

  /// Diagnostics for `rawWeights` (any positive scale) after normalisation and `clipping`.
  public init(rawWeights: [Double], clipping: WeightClipping, domainAUC: Double, solver: Solver) {
    let (weights, threshold, clippedShare) = clipping.apply(to: rawWeights)
    self.weights = weights
    self.domainAUC = domainAUC
    self.clipping = clipping
    self.clipThreshold = threshold
    self.clippedShare = clippedShare
    self.solver = solver
    effectiveSampleSize = CovariateShiftWeights.effectiveSampleSize(weights)
    effectiveSampleFraction = effectiveSampleSize / Double(max(weights.count, 1))
    maximumWeight = weights.max() ?? 0
    let sorted = weights.sorted()
    quantiles = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99].map { ($0, sorted.isEmpty ? 0 : interpolatedQuantile(sorted, $0)) }
    warnings = []
    if effectiveSampleFraction < CovariateShiftWeights.lowEffectiveSampleFraction {
      warnings.append(
        String(
          format: "effective sample size %.0f is only %.1f %% of the %d source rows: the weighted model rests on few examples; clip harder or collect source data closer to the target",
          effectiveSampleSize, effectiveSampleFraction * 100, weights.count))
    }
  }

  /// (Σβ)²/Σβ²: the number of equally weighted examples carrying the same information.
  public static func effectiveSampleSize(_ weights: [Double]) -> Double {
    let sum = weights.reduce(0, +)
    let squares = weights.reduce(0) { $0 + $1 * $1 }
    return squares > 0 ? sum * sum / squares : 0
  }

  public static func == (lhs: CovariateShiftWeights, rhs: CovariateShiftWeights) -> Bool {
    lhs.weights == rhs.weights && lhs.domainAUC == rhs.domainAUC && lhs.clipping == rhs.clipping
  }
}
