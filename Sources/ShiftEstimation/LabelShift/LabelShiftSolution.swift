/// A target-prior estimate before it is turned into weights.
struct LabelShiftSolution {
  /// The estimated target prior: non-negative and summing to 1.
  var prior: [Double]
  /// Classes whose raw estimate was negative and set to 0.
  var clippedClasses: [Int]
  /// Condition number of the system solved (nil for methods without one).
  var conditionNumber: Double?
  /// How the system was solved.
  var solver: LabelShiftSolver
  /// Cautions for the user.
  var notes: [String]

  /// Clips the raw solution at 0 and renormalises; an unusable solution (nil, all ≤ 0) becomes
  /// the uniform prior with a note, so no NaN or infinity ever leaves an estimator.
  init(rawPrior: [Double]?, classCount k: Int, conditionNumber: Double?, solver: LabelShiftSolver, notes: [String]) {
    self.conditionNumber = conditionNumber
    self.solver = solver
    self.notes = notes
    let raw = rawPrior ?? [Double](repeating: 0, count: k)
    clippedClasses = raw.indices.filter { raw[$0] < 0 }
    let clipped = raw.map { max($0, 0) }
    let total = clipped.reduce(0, +)
    if total > 0, total.isFinite {
      prior = clipped.map { $0 / total }
    } else {
      prior = [Double](repeating: 1 / Double(k), count: k)
      self.notes.append("the solution had no positive mass; falling back to the uniform prior")
    }
  }
}
