/// An estimated target class prior and the label-shift weights it implies.
public struct LabelShiftEstimate: Sendable, Equatable {
  /// The method that produced the estimate (the chosen one when `auto` was asked for).
  public var method: LabelShiftMethod
  /// The source prior `p(y)`, the estimated target prior `q(y)` (non-negative, summing to 1)
  /// and the weights `w(y) = q(y)/p(y)` they imply.
  public var priors: LabelShiftWeights
  /// The condition number of the confusion matrix (for EM methods: of the hard confusion
  /// matrix, as a diagnostic of how separable the classes are).
  public var conditionNumber: Double
  /// Classes whose raw estimate was negative and clipped to 0.
  public var clippedClasses: [Int]
  /// How the estimate was computed.
  public var solver: LabelShiftSolver
  /// Cautions: missing classes, ill-conditioning, non-convergence.
  public var notes: [String]
  /// With `auto`: each candidate's mean weight error on the simulated shifts, best first.
  public var selectionScores: [MethodScore]

  /// One candidate of `auto` and its mean weight error on the shifts simulated in the holdout.
  public struct MethodScore: Sendable, Equatable {
    /// The candidate method.
    public var method: LabelShiftMethod
    /// Its mean `‖ŵ − w‖²/k` over the simulations.
    public var meanSquaredError: Double
  }

  /// The source prior `p(y)` the weights refer to.
  public var sourcePrior: [Double] { priors.sourcePrior }

  /// The estimated target prior `q(y)`.
  public var targetPrior: [Double] {
    get { priors.targetPrior }
    set { priors.targetPrior = newValue }
  }

  /// `w(y) = q(y)/p(y)` (0 for a class absent from the source).
  public var weights: [Double] { priors.weights }

  /// Per-sample weights for rows with the given labels: `w(yᵢ)`.
  public func sampleWeights(for labels: [Int]) -> [Double] { priors.sampleWeights(for: labels) }

  /// The solver, e.g. `lu` or `em (12 iterations)`.
  public var solverDescription: String { solver.description }
}
