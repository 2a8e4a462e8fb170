import Foundation
import LinearAlgebra

/// Black-box shift estimation (Lipton et al. 2018): with `C[i][j] = P(ŷ = i | y = j)` measured
/// on the source holdout and `μᵢ = P(ŷ = i)` on the target, the target prior solves `C·q = μ`.
///
/// The hard variant counts arg-max predictions; the soft variant averages predicted
/// probabilities instead (an expected confusion matrix).
enum BlackBoxShiftEstimation {
  /// Systems with a condition number above this are solved by regularised least squares
  /// instead of LU: beyond it, sampling noise in `C` and `μ` is amplified by more than 10⁶.
  static let maximumConditionNumber = 1e6
  /// Tikhonov strength of the fallback, relative to `C`'s largest singular value.
  static let relativeRegularization = 1e-3

  /// The confusion matrix `C` (`C[i, j] = P(ŷ = i | y = j)`), from the counts over every
  /// holdout row, and the notes on classes missing from the holdout, whose columns are set to
  /// the identity.
  static func confusion(_ problem: LabelShiftProblem, soft: Bool) -> (matrix: DoubleMatrix, notes: [String]) {
    let k = problem.classCount
    let holdout = problem.holdout
    var matrix = DoubleMatrix(rows: k, columns: k)
    var notes: [String] = []
    for j in 0..<k {
      let count = Double(holdout.labelCounts[j])
      if count > 0 {
        for i in 0..<k {
          let total = soft ? holdout.probabilitySums[i * k + j] : Double(holdout.confusionCounts[i * k + j])
          matrix[i, j] = total / count
        }
      } else {
        matrix[j, j] = 1
        notes.append("class \(j) has no holdout examples; its confusion column is taken as perfect recall")
      }
    }
    return (matrix, notes)
  }

  /// The target's predicted-class distribution μ, over every target row: the share predicted
  /// as each class (hard), or the mean probability (soft).
  static func targetMarginal(_ problem: LabelShiftProblem, soft: Bool) -> [Double] {
    soft ? problem.target.meanProbabilities : problem.target.predictedShares
  }

  /// Estimates the target prior with hard or soft confusion.
  static func estimate(_ problem: LabelShiftProblem, soft: Bool) -> LabelShiftSolution {
    let k = problem.classCount
    let (matrix, notes) = confusion(problem, soft: soft)
    let mu = targetMarginal(problem, soft: soft)
    var solution = solve(confusion: matrix, marginal: mu, classCount: k)
    solution.notes = notes + solution.notes
    return solution
  }

  /// Solves `C·q = μ` with GSL: LU when `C` is well conditioned, otherwise (or when LU fails)
  /// Tikhonov-regularised least squares through the SVD; then clips negatives and renormalises.
  static func solve(confusion matrix: DoubleMatrix, marginal mu: [Double], classCount k: Int) -> LabelShiftSolution {
    let condition = matrix.conditionNumber
    var notes: [String] = []
    var solver = LabelShiftSolver.luDecomposition
    var raw: [Double]? = nil
    if condition <= maximumConditionNumber { raw = matrix.luSolve(mu) }
    if raw == nil {
      solver = .regularizedLeastSquares
      notes.append(
        String(
          format: "the confusion matrix is %@ (condition number %.3g): solved by regularised least squares",
          condition.isFinite ? "ill-conditioned" : "singular", condition))
      let largest = matrix.singularValueDecomposition()?.singularValues.first ?? 1
      raw = matrix.regularizedLeastSquares(mu, lambda: relativeRegularization * largest)
    }
    return LabelShiftSolution(rawPrior: raw, classCount: k, conditionNumber: condition, solver: solver, notes: notes)
  }
}
