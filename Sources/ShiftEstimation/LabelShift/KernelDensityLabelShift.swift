import Datasets
import Foundation
import LinearAlgebra

/// KDEy-ML (Moreo, González & del Coz 2024): each class's outputs on the holdout, as points of
/// the probability simplex, make a Gaussian kernel density `f_y`; the target's outputs are taken
/// to come from the mixture `Σ_y q(y)·f_y`, and `q` is its maximum-likelihood mixture weight.
///
/// Unlike EM on the probabilities themselves, the densities see the whole shape of each class's
/// outputs (how a confusable class spreads between two corners), not only their mean, and need
/// no calibration. The kernel has one bandwidth `h` (KDEy's default 0.1) in every direction:
/// `f_y(x) ∝ (1/n_y) Σ_{c ∈ holdout of y} exp(−‖x − c‖²/(2h²))` (the normalisation is the same
/// for every class, so it leaves the estimate unchanged). The squared distances come from one
/// BLAS product per block of target rows; the mixture weight is found by EM on the densities
/// (the likelihood is concave in `q`, so EM converges to its maximum).
public enum KernelDensityLabelShift {
  /// The kernel's bandwidth on the probability simplex (KDEy's default).
  public static let bandwidth = 0.1
  /// Holdout rows of one class kept as kernel centres at most (evenly spaced beyond: the
  /// density's error then shrinks more slowly than its cost grows).
  public static let maximumCentresPerClass = 2_000
  /// Distances computed at once, at most (a block of target rows against every centre: 16 MB).
  static let blockEntries = 1 << 22

  /// The target prior that maximises the target's likelihood under the mixture of the
  /// holdout's class densities.
  static func estimate(_ problem: LabelShiftProblem, bandwidth h: Double = bandwidth) -> LabelShiftSolution {
    let k = problem.classCount
    let logDensities = logDensities(
      of: problem.targetProbabilities, holdout: problem.holdoutProbabilities, labels: problem.holdoutLabels,
      classCount: k, bandwidth: h)
    // Each row's densities relative to its largest, as a row of "posteriors" under the uniform
    // prior: EM's update on them is the mixture weights' maximum-likelihood update.
    let n = problem.targetProbabilities.rows
    var relative = [Float](repeating: 0, count: n * k)
    let missing = rowIndicesByClass(problem.holdoutLabels, classCount: k).filter(\.isEmpty).count
    for row in 0..<n {
      var largest = -Double.infinity
      for j in 0..<k { largest = max(largest, logDensities[j][row]) }
      var total = 0.0
      var values = [Double](repeating: 0, count: k)
      for j in 0..<k {
        values[j] = largest.isFinite ? exp(logDensities[j][row] - largest) : 1
        total += values[j]
      }
      for j in 0..<k { relative[row * k + j] = Float(values[j] / total) }
    }
    var solution = MaximumLikelihoodLabelShift.estimate(
      probabilities: Matrix(rows: n, columns: k, storage: relative),
      trainingPrior: [Double](repeating: 1 / Double(k), count: k))
    if case .expectationMaximization(let iterations) = solution.solver {
      solution.solver = .kernelDensity(iterations: iterations)
    }
    if missing > 0 {
      solution.notes.append("\(missing) class(es) without holdout rows have no density: their prior is estimated as 0")
    }
    return solution
  }

  /// Per class, the log density (up to a constant shared by all classes) at each row of
  /// `points` of the Gaussian kernel density of the `holdout` rows of that class (−∞ for a
  /// class without holdout rows).
  static func logDensities(
    of points: Matrix, holdout: Matrix, labels: [Int], classCount k: Int, bandwidth h: Double
  ) -> [[Double]] {
    let byClass = rowIndicesByClass(labels, classCount: k).map { rows -> [Int] in
      guard rows.count > maximumCentresPerClass else { return rows }
      return (0..<maximumCentresPerClass).map { rows[$0 * rows.count / maximumCentresPerClass] }
    }
    let centres = holdout.rows(at: byClass.flatMap { $0 })
    let centreNorms = (0..<centres.rows).map { row in centres.row(row).reduce(0.0) { $0 + Double($1) * Double($1) } }
    var starts = [0]
    for rows in byClass { starts.append(starts[starts.count - 1] + rows.count) }
    let scale = 1 / (2 * h * h)
    var result = [[Double]](repeating: [Double](repeating: -.infinity, count: points.rows), count: k)
    var exponents = [Double](repeating: 0, count: centres.rows)
    let blockRows = max(1, blockEntries / max(centres.rows, 1))
    for blockStart in stride(from: 0, to: points.rows, by: blockRows) {
      let block = points.rows(at: blockStart..<min(points.rows, blockStart + blockRows))
      let products = block.multiplied(by: centres, transposeOther: true)  // block rows × centres
      products.withUnsafeBufferPointer { products in
        for row in 0..<block.rows {
          let norm = block.row(row).reduce(0.0) { $0 + Double($1) * Double($1) }
          let offset = row * centres.rows
          for centre in 0..<centres.rows {
            let squared = norm + centreNorms[centre] - 2 * Double(products[offset + centre])
            exponents[centre] = -max(squared, 0) * scale
          }
          for j in 0..<k where starts[j + 1] > starts[j] {
            let range = starts[j]..<starts[j + 1]
            let largest = exponents[range].max() ?? 0
            let sum = exponents[range].reduce(0.0) { $0 + exp($1 - largest) }
            result[j][blockStart + row] = largest + log(sum / Double(range.count))
          }
        }
      }
    }
    return result
  }
}
