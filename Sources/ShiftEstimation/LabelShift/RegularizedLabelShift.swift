import Foundation
import LinearAlgebra

/// Regularised learning under label shift (RLLS, Azizzadenesheli et al. 2019): with the joint
/// holdout confusion `A[i][j] = P(ŷ = i, y = j)`, the weights `w = 1 + θ` minimise
/// `‖A·θ − b‖₂ + ρ·‖θ‖₂` where `b = μ − A·1`. The penalty shrinks towards "no shift" by an
/// amount that shrinks with the holdout size: `ρ = α·3·(2·log(2k/δ)/(3n) + √(2·log(2k/δ)/n))`
/// (the authors' bound with their defaults α = 0.01, δ = 0.05).
///
/// The optimum lies on the ridge path `θ(λ) = (AᵀA + λI)⁻¹Aᵀb` (its stationarity condition is a
/// ridge equation with `λ = ρ‖Aθ − b‖/‖θ‖`), so it is found by a one-dimensional search over λ
/// on GSL's SVD of A; the constraint `w ≥ 0` is applied by clipping afterwards.
enum RegularizedLabelShift {
  /// The authors' default scale of the penalty.
  static let alpha = 0.01
  /// The authors' default confidence parameter.
  static let delta = 0.05

  static func estimate(_ problem: LabelShiftProblem) -> LabelShiftSolution {
    let k = problem.classCount
    let n = Double(problem.holdout.rows)
    let holdoutPrior = problem.holdoutPrior
    let (conditional, notes) = BlackBoxShiftEstimation.confusion(problem, soft: false)
    // A[i][j] = P(ŷ = i | y = j)·P(y = j): the columns of C scaled by the holdout prior.
    let joint = DoubleMatrix(
      rows: k, columns: k, storage: (0..<(k * k)).map { conditional.storage[$0] * holdoutPrior[$0 % k] })
    let mu = BlackBoxShiftEstimation.targetMarginal(problem, soft: false)
    let b = (0..<k).map { i in mu[i] - (0..<k).reduce(0) { $0 + joint[i, $1] } }
    let logTerm = log(2 * Double(k) / delta)
    let rho = alpha * 3 * (2 * logTerm / (3 * n) + (2 * logTerm / n).squareRoot())

    guard let svd = joint.singularValueDecomposition() else {
      return LabelShiftSolution(rawPrior: nil, classCount: k, conditionNumber: .infinity, solver: .rlls, notes: notes)
    }
    let sigma = svd.singularValues
    let projections = (0..<k).map { i in (0..<k).reduce(0) { $0 + svd.u[$1, i] * b[$1] } }
    func theta(_ lambda: Double) -> [Double] {
      var result = [Double](repeating: 0, count: k)
      for i in 0..<k where sigma[i] * sigma[i] + lambda > 0 {
        let factor = sigma[i] / (sigma[i] * sigma[i] + lambda) * projections[i]
        for j in 0..<k { result[j] += factor * svd.v[j, i] }
      }
      return result
    }
    func objective(_ theta: [Double]) -> Double {
      var residual = 0.0
      for i in 0..<k {
        let r = (0..<k).reduce(-b[i]) { $0 + joint[i, $1] * theta[$1] }
        residual += r * r
      }
      return residual.squareRoot() + rho * (theta.reduce(0) { $0 + $1 * $1 }).squareRoot()
    }
    // Coarse grid over log λ, then golden-section refinement around the best grid point.
    let scale = max(sigma[0] * sigma[0], 1e-300)
    let logLower = log(scale) - 40
    let logUpper = log(scale) + 12
    let steps = 200
    var best = (logLambda: Double.infinity, value: objective([Double](repeating: 0, count: k)))
    for step in 0...steps {
      let logLambda = logLower + (logUpper - logLower) * Double(step) / Double(steps)
      let value = objective(theta(exp(logLambda)))
      if value < best.value { best = (logLambda, value) }
    }
    var solution = [Double](repeating: 0, count: k)
    if best.logLambda.isFinite {
      let width = (logUpper - logLower) / Double(steps)
      var low = best.logLambda - width
      var high = best.logLambda + width
      let ratio = (5.0.squareRoot() - 1) / 2
      for _ in 0..<60 {
        let left = high - ratio * (high - low)
        let right = low + ratio * (high - low)
        if objective(theta(exp(left))) < objective(theta(exp(right))) { high = right } else { low = left }
      }
      solution = theta(exp((low + high) / 2))
      if objective(solution) > best.value { solution = theta(exp(best.logLambda)) }
    }
    let prior = (0..<k).map { holdoutPrior[$0] * max(1 + solution[$0], 0) }
    let condition = sigma[k - 1] > 0 ? sigma[0] / sigma[k - 1] : .infinity
    var result = LabelShiftSolution(
      rawPrior: prior, classCount: k, conditionNumber: condition, solver: .rlls, notes: notes)
    result.clippedClasses = (0..<k).filter { 1 + solution[$0] < 0 }
    return result
  }
}
