import Foundation
import LinearAlgebra

/// Binary logistic regression with an L2 penalty, fitted by Newton's method (IRLS) with a
/// backtracking line search. The objective is convex, so the solver either converges to the
/// unique optimum or throws.
///
/// Objective (scikit-learn's convention, intercept not penalised):
/// `Σᵢ wᵢ·log(1 + exp(−sᵢ·(xᵢ·β + b))) + ‖β‖² / (2C)` with `sᵢ = ±1`.
public struct LogisticRegression: Sendable, Equatable {
  /// One coefficient per feature.
  public var coefficients: [Double]
  /// The unpenalised intercept.
  public var intercept: Double

  /// How a fit went, for diagnostics.
  public struct SolverReport: Sendable, Equatable, Codable {
    /// Always "newton".
    public var name: String
    /// Newton iterations taken.
    public var iterations: Int
    /// Euclidean norm of the objective's gradient at the solution, divided by the sample size.
    public var gradientNorm: Double
  }

  /// Convergence: the per-sample gradient norm falls below this, or ...
  public static let gradientTolerance = 1e-8
  /// ... the decrease Newton's method still predicts is below this share of the objective
  /// (about 1000× double rounding: nothing left to gain that could be measured).
  public static let decrementTolerance = 1e-13
  /// Newton iterations allowed before giving up.
  public static let maximumIterations = 100

  /// Fits the model to rows of `features` (`n × d`) with binary `labels`.
  ///
  /// - Parameters:
  ///   - inverseRegularization: `C > 0`; smaller means a stronger penalty.
  ///   - sampleWeights: optional non-negative weight per row.
  /// - Throws: ``DomainClassifierError/invalidInput(_:)`` for bad shapes or one-class data; the
  ///   ``NewtonSolver``'s ``LinearAlgebraError`` when Newton's method fails.
  public static func fit(
    features: Matrix, labels: [Bool], inverseRegularization: Double = 1, sampleWeights: [Double]? = nil
  ) throws -> (model: LogisticRegression, report: SolverReport) {
    let n = features.rows
    let d = features.columns
    guard n == labels.count, n > 0 else {
      throw DomainClassifierError.invalidInput(
        "logistic regression needs one label per row, got \(labels.count) for \(n) rows")
    }
    guard labels.contains(true), labels.contains(false) else {
      throw DomainClassifierError.invalidInput("logistic regression needs examples of both classes")
    }
    guard inverseRegularization > 0, inverseRegularization.isFinite else {
      throw DomainClassifierError.invalidInput(
        "the inverse regularisation C must be positive, got \(inverseRegularization)")
    }
    let weights = sampleWeights ?? [Double](repeating: 1, count: n)
    guard weights.count == n, weights.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
      throw DomainClassifierError.invalidInput("sample weights must be \(n) finite non-negative numbers")
    }

    // Design matrix with a trailing column of ones for the intercept.
    let design = DoubleMatrix(features, appendingColumn: 1)
    let p = d + 1
    let penalty = 1 / inverseRegularization
    let signs = labels.map { $0 ? 1.0 : -1.0 }
    func objective(_ beta: [Double]) -> Double {
      let eta = design.multiplied(by: beta)
      var total = 0.0
      for i in 0..<n { total += weights[i] * softplus(-signs[i] * eta[i]) }
      for j in 0..<d { total += 0.5 * penalty * beta[j] * beta[j] }
      return total
    }
    // Gradient: Xᵀ·r + penalty·β with rᵢ = wᵢ·(σ(ηᵢ) − zᵢ); Hessian: Xᵀ·diag(wᵢσᵢ(1−σᵢ))·X +
    // penalty·I, with a ridge of 10⁻¹⁰·n on the intercept so that it stays positive definite.
    func derivatives(_ beta: [Double]) -> (gradient: [Double], hessian: () -> DoubleMatrix) {
      let eta = design.multiplied(by: beta)
      var residuals = [Double](repeating: 0, count: n)
      var curvatures = [Double](repeating: 0, count: n)
      for i in 0..<n {
        let probability = sigmoid(eta[i])
        residuals[i] = weights[i] * (probability - (labels[i] ? 1 : 0))
        curvatures[i] = (weights[i] * probability * (1 - probability)).squareRoot()
      }
      var gradient = design.multiplied(by: residuals, transposed: true)
      for j in 0..<d { gradient[j] += penalty * beta[j] }
      return (
        gradient,
        {
          var hessian = design.scalingRows(by: curvatures).gramMatrix()
          for j in 0..<p { hessian[j, j] += j < d ? penalty : 1e-10 * Double(n) }
          return hessian
        }
      )
    }
    let solver = NewtonSolver(
      problem: "logistic regression", sampleCount: n, maximumIterations: maximumIterations, maximumHalvings: 50,
      gradientTolerance: gradientTolerance, relativeDecrementTolerance: decrementTolerance)
    let solution = try solver.minimize(
      from: [Double](repeating: 0, count: p), objective: objective, derivatives: derivatives)
    let beta = solution.point
    let model = LogisticRegression(coefficients: Array(beta[..<d]), intercept: beta[d])
    return (model, SolverReport(name: "newton", iterations: solution.iterations, gradientNorm: solution.gradientNorm))
  }

  /// The log-odds `x·β + b` of each row (one single-precision matrix–vector product).
  public func logits(for features: Matrix) -> [Double] {
    precondition(features.columns == coefficients.count, "one coefficient per feature")
    guard features.rows > 0 else { return [] }
    return features.multiplied(by: coefficients.map(Float.init)).map { Double($0) + intercept }
  }
}
