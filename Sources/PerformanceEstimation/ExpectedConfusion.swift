import Datasets
import Evaluation
import LinearAlgebra

/// Label-free estimates of target performance (SPEC §3): each turns what is known without target
/// labels into an expected confusion matrix, whose accuracy and macro-F1 are the estimate.
public enum ExpectedConfusion {
  /// Under label shift P(ŷ | y) does not change, so the target's expected confusion is
  /// `n_t·q(y)·P(ŷ | y)` with P(ŷ | y) measured on the holdout.
  public static func underLabelShift(holdoutPredicted: [Int], holdoutLabels: [Int], targetPrior: [Double])
    -> ConfusionMatrix
  {
    let k = targetPrior.count
    let holdout = ConfusionMatrix(actual: holdoutLabels, predicted: holdoutPredicted, classCount: k)
    return ConfusionMatrix(
      counts: (0..<k).map { t in
        let rowTotal = holdout.counts[t].reduce(0, +)
        // A class missing from the holdout: assume it is always recognised (nothing better is known).
        return (0..<k).map { p in
          rowTotal > 0 ? targetPrior[t] * holdout.counts[t][p] / rowTotal : (p == t ? targetPrior[t] : 0)
        }
      })
  }

  /// Under covariate shift the holdout's confusion, each row weighted by its importance weight
  /// `p_target(x)/p_source(x)`, is the target's expected confusion.
  public static func importanceWeighted(
    holdoutPredicted: [Int], holdoutLabels: [Int], weights: [Double], classCount: Int
  ) -> ConfusionMatrix {
    ConfusionMatrix(actual: holdoutLabels, predicted: holdoutPredicted, classCount: classCount, weights: weights)
  }

  /// With calibrated target probabilities p(y|x), row x predicted as ŷ adds p(t|x) to the
  /// expected count of (true t, predicted ŷ) (confidence-based performance estimation).
  /// `predicted` are the classifier's own predictions (default: the arg-max of `probabilities`);
  /// they differ when the probabilities were corrected after the fact.
  public static func confidenceBased(calibratedProbabilities probabilities: Matrix, predicted: [Int]? = nil)
    -> ConfusionMatrix
  {
    let k = probabilities.columns
    var counts = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
    for (row, predicted) in (predicted ?? predictedClasses(probabilities)).enumerated() {
      for t in 0..<k { counts[t][predicted] += Double(probabilities[row, t]) }
    }
    return ConfusionMatrix(counts: counts)
  }
}
