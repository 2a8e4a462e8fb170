import Foundation
import LinearAlgebra

/// Prior correction under label shift (Saerens et al. 2002): posteriors learned under the
/// source prior are re-weighted to the target's, `p_t(y|x) ∝ w(y)·p_s(y|x)` with the class
/// weights `w = q/p` (``LabelShiftWeights/weights``). No retraining.
public func priorCorrected(probabilities: Matrix, weights: [Double]) -> Matrix {
  precondition(probabilities.columns == weights.count, "one weight per class")
  var corrected = probabilities
  let k = probabilities.columns
  corrected.withUnsafeMutableBufferPointer { p in
    for i in 0..<probabilities.rows {
      var total: Float = 0
      for j in 0..<k {
        p[i * k + j] *= Float(weights[j])
        total += p[i * k + j]
      }
      // A row whose every class has weight 0 keeps its original posterior.
      for j in 0..<k { p[i * k + j] = total > 0 ? p[i * k + j] / total : probabilities[i, j] }
    }
  }
  return corrected
}
