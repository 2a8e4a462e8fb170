import Datasets
import Evaluation
import Foundation
import LinearAlgebra

/// A logistic-regression domain classifier between a source (z = 0) and a target (z = 1)
/// sample, cross-fitted: its held-out logits estimate the log density ratio
/// `log p_target(x)/p_source(x)` of every row (SPEC §2). Covariate-shift weights are made of the
/// source rows' ratios; the shift detector tests whether the ratios tell the samples apart.
///
/// The rows are dealt into K folds (separately per domain), and each row is scored by the model
/// fitted on the other folds, so no row's ratio comes from a model that saw it. Features are
/// standardised with the pooled statistics of both samples. The fitted odds carry the fold's
/// class ratio `n_t/n_s`, which is removed: `log p_t(x)/p_s(x) = h(x) + log(n_s/n_t)`.
///
/// The L2 strength is chosen, unless fixed, from ``regularizationGrid`` by the cross-fitted
/// log-loss of the domain classifier (a proper scoring rule, so the best-scoring C gives the
/// best-calibrated domain probabilities, which is what the ratios are made of). It needs no
/// target labels, and keeps high-dimensional inputs (raw pixels) from producing wild ratios.
/// The grid runs from strong to weak penalties and stops once two in a row score worse than
/// the best (the slowest fits are the weakly penalised ones).
public struct DomainClassifier: Sendable, Equatable {
  /// Folds for cross-fitting (at least 2).
  public var folds: Int
  /// The inverse L2 strength C (scikit-learn's convention); nil chooses it from
  /// ``regularizationGrid`` by cross-fitted log-loss.
  public var inverseRegularization: Double?

  /// The values of C tried when it is chosen automatically.
  public static let regularizationGrid: [Double] = [1e-4, 1e-3, 1e-2, 1e-1, 1, 10]

  /// A classifier; the defaults are 5 folds and C chosen by cross-fitted log-loss.
  public init(folds: Int = 5, inverseRegularization: Double? = nil) {
    self.folds = folds
    self.inverseRegularization = inverseRegularization
  }

  /// The held-out log density ratios of every row of `source` and `target` (raw features with
  /// the same columns); the seed decides the folds.
  public func fit(
    source: Matrix, target: Matrix, using generator: inout some RandomNumberGenerator
  ) throws -> DomainClassifierFit {
    guard source.columns == target.columns else {
      throw DomainClassifierError.invalidInput(
        "source and target must have the same features: \(source.columns) vs \(target.columns) columns")
    }
    guard folds >= 2 else {
      throw DomainClassifierError.invalidInput("cross-fitting needs at least 2 folds, got \(folds)")
    }
    guard source.rows >= folds, target.rows >= folds else {
      throw DomainClassifierError.invalidInput(
        "\(folds)-fold cross-fitting needs at least \(folds) source and target rows, got \(source.rows) and \(target.rows)"
      )
    }
    var pooled = Matrix(stacking: [source, target])
    Standardizer(fittedTo: pooled).standardize(&pooled)
    let domain = [Bool](repeating: false, count: source.rows) + [Bool](repeating: true, count: target.rows)
    let sourceFolds = try FoldAssignment(count: source.rows, folds: folds, using: &generator).folds
    let targetFolds = try FoldAssignment(count: target.rows, folds: folds, using: &generator).folds

    var best: Candidate? = nil
    var path: [DomainClassifierFit.Solver.PathPoint] = []
    var lastFailure: DomainClassifierError? = nil
    grid: for c in inverseRegularization.map({ [$0] }) ?? Self.regularizationGrid {
      var candidate = Candidate(inverseRegularization: c, logDensityRatio: [Double](repeating: 0, count: pooled.rows))
      for fold in 0..<folds {
        let trainRows = sourceFolds[fold].train + targetFolds[fold].train.map { $0 + source.rows }
        let heldOutRows = sourceFolds[fold].heldOut + targetFolds[fold].heldOut.map { $0 + source.rows }
        let fit: (model: LogisticRegression, report: LogisticRegression.SolverReport)
        do {
          fit = try LogisticRegression.fit(
            features: pooled.rows(at: trainRows), labels: trainRows.map { domain[$0] }, inverseRegularization: c)
        } catch let error as LinearAlgebraError {
          let failure = DomainClassifierError.fitFailed(inverseRegularization: c, reason: error)
          guard inverseRegularization == nil else { throw failure }
          // While choosing C, a penalty too weak to converge is skipped; the grid's later
          // (weaker) values would fare no better.
          lastFailure = failure
          break grid
        }
        candidate.iterations.append(fit.report.iterations)
        candidate.gradientNorms.append(fit.report.gradientNorm)
        let sizeCorrection = log(Double(sourceFolds[fold].train.count) / Double(targetFolds[fold].train.count))
        for (row, logit) in zip(heldOutRows, fit.model.logits(for: pooled.rows(at: heldOutRows))) {
          candidate.logDensityRatio[row] = logit + sizeCorrection
          candidate.logLoss += softplus(domain[row] ? -logit : logit)
        }
      }
      candidate.logLoss /= Double(pooled.rows)
      path.append(.init(inverseRegularization: c, heldOutLogLoss: candidate.logLoss))
      if let incumbent = best, !(candidate.logLoss < incumbent.logLoss) {
        // Two weaker penalties in a row scored worse: past the optimum of a unimodal path.
        if path.count >= 2, path[path.count - 2].heldOutLogLoss > incumbent.logLoss { break }
      } else {
        best = candidate
      }
    }
    guard let chosen = best else {
      throw lastFailure ?? DomainClassifierError.invalidInput("no domain classifier could be fitted")
    }
    let solver = DomainClassifierFit.Solver(
      name: "newton", folds: folds, iterations: chosen.iterations.max() ?? 0,
      gradientNorm: chosen.gradientNorms.max() ?? 0,
      inverseRegularization: chosen.inverseRegularization, heldOutLogLoss: chosen.logLoss, regularizationPath: path)
    return DomainClassifierFit(
      sourceLogDensityRatio: Array(chosen.logDensityRatio[..<source.rows]),
      targetLogDensityRatio: Array(chosen.logDensityRatio[source.rows...]),
      auc: areaUnderROCCurve(scores: chosen.logDensityRatio, positives: domain) ?? 0.5, solver: solver,
      heldOutFolds: heldOutFolds(sourceFolds, count: source.rows) + heldOutFolds(targetFolds, count: target.rows))
  }

  /// The fold that holds each of `count` rows out.
  private func heldOutFolds(_ assignment: [(train: [Int], heldOut: [Int])], count: Int) -> [Int] {
    var folds = [Int](repeating: 0, count: count)
    for (fold, split) in assignment.enumerated() {
      for row in split.heldOut { folds[row] = fold }
    }
    return folds
  }

  /// One value of C on the path, with its cross-fitted ratios and score.
  private struct Candidate {
    var inverseRegularization: Double
    var logDensityRatio: [Double]
    var logLoss = 0.0
    var iterations: [Int] = []
    var gradientNorms: [Double] = []
  }
}

/// What a cross-fitted ``DomainClassifier`` found.
public struct DomainClassifierFit: Sendable, Equatable {
  /// The held-out estimate of `log p_target(x)/p_source(x)` for every source row, in row order.
  public var sourceLogDensityRatio: [Double]
  /// The same for every target row: high means unlike anything in the source.
  public var targetLogDensityRatio: [Double]
  /// The held-out AUC of telling target from source rows by their ratio: ≈ 0.5 means no
  /// detectable shift.
  public var auc: Double
  /// How the fits converged.
  public var solver: Solver
  /// The fold whose model scored each row, source rows then target rows (empty when unknown):
  /// given the models, the rows of one fold are exchangeable under no shift, which is what a
  /// valid test of the scores needs (see `DomainClassifierTest`).
  public var heldOutFolds: [Int]

  /// Ratios (and their fit's diagnostics) as computed by ``DomainClassifier`` or any other
  /// probabilistic domain classifier, with the fold that scored each row if there were folds.
  public init(
    sourceLogDensityRatio: [Double], targetLogDensityRatio: [Double], auc: Double, solver: Solver,
    heldOutFolds: [Int] = []
  ) {
    self.sourceLogDensityRatio = sourceLogDensityRatio
    self.targetLogDensityRatio = targetLogDensityRatio
    self.auc = auc
    self.solver = solver
    self.heldOutFolds = heldOutFolds
  }

  /// Convergence of the cross-fitted fits.
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

    /// One candidate C and its score.
    public struct PathPoint: Sendable, Equatable, Codable {
      /// The inverse L2 strength C.
      public var inverseRegularization: Double
      /// The cross-fitted mean log-loss with that C.
      public var heldOutLogLoss: Double
    }
  }
}
