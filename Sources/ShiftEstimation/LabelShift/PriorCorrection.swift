import Foundation
import LinearAlgebra

/// Prior correction under label shift (Saerens et al. 2002): posteriors learned under the
/// source prior are re-weighted to the target's, `p_t(y|x) ∝ w(y)·p_s(y|x)` with the class
/// weights `w = q/p` (``LabelShiftWeights/weights``). No retraining.
public func priorCorrected(probabilities: Matrix, weights: [Double]) -> Matrix {
  precondition(probabilities.columns == weights.count, "one weight per class")
  var corrected = probabilities
  let k = probabilities.columns
  let classWeights = weights.map(Float.init)
  for i in 0..<probabilities.rows {
    var total: Float = 0
    for j in 0..<k {
      corrected[i, j] *= classWeights[j]
      total += corrected[i, j]
    }
    // A row whose every class has weight 0 keeps its original posterior.
    for j in 0..<k { corrected[i, j] = total > 0 ? corrected[i, j] / total : probabilities[i, j] }
  }
  return corrected
}
