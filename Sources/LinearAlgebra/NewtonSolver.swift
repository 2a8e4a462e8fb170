/// Newton's method with a backtracking (Armijo) line search, for smooth convex objectives that
/// are sums over `sampleCount` samples: the minimiser of logistic regression and of temperature
/// scaling.
///
/// Each iteration solves `H·s = g` by Cholesky decomposition and tries the step `x − t·s` for
/// `t = 1, ½, ¼, …` until the objective decreases by at least `10⁻⁴·t·gᵀs` (Armijo's
/// condition). It stops, converged, when the per-sample gradient norm `‖g‖/n` is at most
/// ``gradientTolerance`` or when the decrease Newton's method still predicts, half the Newton
/// decrement `λ² = gᵀH⁻¹g`, is at most `n·decrementTolerance + relativeDecrementTolerance·(1 + |f|)`.
/// Running out of iterations or of step halvings throws ``LinearAlgebraError/didNotConverge(solver:iterations:gradientNorm:)``;
/// a Hessian that is not positive definite throws ``LinearAlgebraError/notPositiveDefinite(solver:)``.
public struct NewtonSolver: Sendable {
  /// What is being fitted, for error messages (e.g. "logistic regression").
  public var problem: String
  /// The number of samples the objective sums over: the tolerances are per sample.
  public var sampleCount: Int
  /// Newton steps allowed.
  public var maximumIterations: Int
  /// Step halvings allowed in one line search.
  public var maximumHalvings: Int
  /// Converged when `‖g‖/n` falls to this (0: never by this test).
  public var gradientTolerance: Double
  /// Converged when `λ²/2 ≤ n·decrementTolerance + relativeDecrementTolerance·(1 + |f|)`.
  public var decrementTolerance: Double
  /// See ``decrementTolerance``.
  public var relativeDecrementTolerance: Double

  /// The share of the predicted decrease a step must achieve (Armijo's constant, the usual 10⁻⁴).
  public static let sufficientDecrease = 1e-4

  /// A solver; see the type's documentation for the stopping rules.
  public init(
    problem: String, sampleCount: Int, maximumIterations: Int, maximumHalvings: Int,
    gradientTolerance: Double = 0, decrementTolerance: Double = 0, relativeDecrementTolerance: Double = 0
  ) {
    self.problem = problem
    self.sampleCount = sampleCount
    self.maximumIterations = maximumIterations
    self.maximumHalvings = maximumHalvings
    self.gradientTolerance = gradientTolerance
    self.decrementTolerance = decrementTolerance
    self.relativeDecrementTolerance = relativeDecrementTolerance
  }

  /// Where the solver stopped.
  public struct Solution: Sendable, Equatable {
    /// The minimiser.
    public var point: [Double]
    /// The objective there.
    public var value: Double
    /// Newton steps taken.
    public var iterations: Int
    /// `‖g‖/n` at the last gradient evaluated.
    public var gradientNorm: Double
  }

  /// Minimises `objective` from `start`. `derivatives(x)` returns the gradient at `x` and a
  /// closure that builds the Hessian there (called only when a step is needed, so the last,
  /// converged iteration does not pay for it).
  public func minimize(
    from start: [Double], objective: ([Double]) -> Double,
    derivatives: ([Double]) -> (gradient: [Double], hessian: () -> DoubleMatrix)
  ) throws -> Solution {
    let samples = Double(max(sampleCount, 1))
    var point = start
    var value = objective(point)
    var iterations = 0
    while true {
      let (gradient, hessian) = derivatives(point)
      let gradientNorm = (gradient.reduce(0) { $0 + $1 * $1 }).squareRoot() / samples
      if gradientNorm <= gradientTolerance {
        return Solution(point: point, value: value, iterations: iterations, gradientNorm: gradientNorm)
      }
      guard iterations < maximumIterations, gradientNorm.isFinite else {
        throw LinearAlgebraError.didNotConverge(solver: problem, iterations: iterations, gradientNorm: gradientNorm)
      }
      guard let step = hessian().choleskySolve(gradient) else {
        throw LinearAlgebraError.notPositiveDefinite(solver: problem)
      }
      let decrement = zip(gradient, step).reduce(0) { $0 + $1.0 * $1.1 }
      if decrement / 2 <= decrementTolerance * samples + relativeDecrementTolerance * (1 + abs(value)) {
        return Solution(point: point, value: value, iterations: iterations, gradientNorm: gradientNorm)
      }
      iterations += 1
      var length = 1.0
      var accepted = false
      for _ in 0..<maximumHalvings {
        let candidate = (0..<point.count).map { point[$0] - length * step[$0] }
        let candidateValue = objective(candidate)
        if candidateValue <= value - Self.sufficientDecrease * length * decrement {
          point = candidate
          value = candidateValue
          accepted = true
          break
        }
        length /= 2
      }
      guard accepted else {
        throw LinearAlgebraError.didNotConverge(solver: problem, iterations: iterations, gradientNorm: gradientNorm)
      }
    }
  }
}
