import Foundation
import LinearAlgebra

/// Maximum-likelihood label-shift estimation by expectation–maximisation (Saerens et al. 2002):
/// starting from the prior `π` the classifier's posteriors reflect, alternate
/// `p'(y|x) ∝ (q(y)/π(y))·p(y|x)` (E step) and `q(y) = mean over the target of p'(y|x)` (M step).
///
/// Each iteration is two matrix–vector products: with `r = q/π` and `d = P·r`,
/// the update is `q_new = r ∘ (Pᵀ·(1/d))/n`.
public enum MaximumLikelihoodLabelShift {
  /// Stop when no class prior moves by more than this.
  public static let tolerance = 1e-8
  /// Iterations allowed (EM converges linearly, slowly when classes overlap).
  public static let maximumIterations = 5_000

  /// The EM estimate of the target prior from target `posteriors` (one row per target example,
  /// e.g. calibrated probabilities) that reflect the prior `trainingPrior`. EM starts from
  /// `start` when given (a nearby estimate, e.g. for a bootstrap replicate: the likelihood is
  /// concave in the prior, so the start changes only how long EM takes), else from the
  /// training prior.
  public static func targetPrior(posteriors: Matrix, trainingPrior: [Double], start: [Double]? = nil) -> [Double] {
    estimate(probabilities: posteriors, trainingPrior: trainingPrior, start: start).prior
  }

  static func estimate(probabilities: Matrix, trainingPrior: [Double], start: [Double]? = nil) -> LabelShiftSolution {
    let n = probabilities.rows
    let k = probabilities.columns
    let posteriors = DoubleMatrix(probabilities)
    // A start with a zero where the training prior is positive would keep that class at zero.
    var prior =
      start.map { start in
        start.count == trainingPrior.count && zip(start, trainingPrior).allSatisfy { $0 > 0 || $1 == 0 }
          ? start : trainingPrior
      } ?? trainingPrior
    var ratio = [Double](repeating: 0, count: k)
    var denominators = [Double](repeating: 0, count: n)
    var inverse = [Double](repeating: 0, count: n)
    var update = [Double](repeating: 0, count: k)
    var iterations = 0
    var converged = false
    while iterations < maximumIterations {
      iterations += 1
      for j in 0..<k { ratio[j] = trainingPrior[j] > 0 ? prior[j] / trainingPrior[j] : 0 }
      posteriors.multiply(ratio, into: &denominators)
      for i in 0..<n { inverse[i] = denominators[i] > 0 ? 1 / denominators[i] : 0 }
      posteriors.multiply(inverse, transposed: true, into: &update)
      var change = 0.0
      var total = 0.0
      for j in 0..<k {
        update[j] *= ratio[j] / Double(n)
        total += update[j]
      }
      for j in 0..<k {
        let next = update[j] / total
        change = max(change, abs(next - prior[j]))
        prior[j] = next
      }
      if change < tolerance {
        converged = true
        break
      }
    }
    var notes: [String] = []
    if !converged {
      notes.append("EM stopped after \(maximumIterations) iterations before its tolerance of \(tolerance)")
    }
    return LabelShiftSolution(
      rawPrior: prior, classCount: k, conditionNumber: nil, solver: .expectationMaximization(iterations: iterations),
      notes: notes)
  }
}
