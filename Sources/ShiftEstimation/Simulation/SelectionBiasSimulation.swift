import Datasets
import Foundation
import LinearAlgebra

/// Simulated covariate shift by selection bias, with known oracle weights.
///
/// Rows are dealt at random into a source half and a candidate half; a candidate row enters
/// the target with probability `π(x) = σ(γ·s(x) + b)`, where `s` is the standardised score on
/// the data's first principal component. A negative intercept `b` makes selection rare, so π is
/// close to `exp(γ·s + b)` and the weights are heavy-tailed (a harsh shift). Because the source is a uniform sample of the pool and
/// the target the π-thinned pool, `p_target(x)/p_source(x) ∝ π(x)`: the oracle weight of a
/// source row is `π(xᵢ)` normalised to mean 1. Labels follow the rows, so `p(y|x)` is unchanged.
public struct SelectionBiasSimulation: Sendable {
  /// Row indices of the source sample.
  public var sourceRows: [Int]
  /// Row indices of the target sample.
  public var targetRows: [Int]
  /// The oracle weight `p_t/p_s` of each source row, mean 1.
  public var oracleWeights: [Double]
  /// The selection probability of each source row.
  public var selectionProbabilities: [Double]

  /// The oracle weights of the first `count` source rows (a smaller source drawn from the same
  /// rows), normalised to mean 1 over those rows.
  public func oracleWeights(ofFirst count: Int) -> [Double] {
    normalizedToMeanOne(Array(selectionProbabilities.prefix(count)))
  }

  /// Simulates a shift of strength `γ` and intercept `b` on the rows of `features`;
  /// `targetLimit` caps the target size.
  public init(
    features: Matrix, strength gamma: Double = 1, intercept: Double = 0, targetLimit: Int? = nil,
    using generator: inout some RandomNumberGenerator
  ) throws {
    guard features.rows >= 4 else { throw ShiftEstimationError.invalidInput("selection bias needs at least 4 rows") }
    guard gamma.isFinite, intercept.isFinite else {
      throw ShiftEstimationError.invalidInput("the selection strength and intercept must be finite")
    }
    let score = SelectionBiasSimulation.principalComponentScores(features)
    let order = randomPermutation(features.rows, using: &generator)
    let half = features.rows / 2
    sourceRows = Array(order[..<half])
    var target: [Int] = []
    for row in order[half...] where generator.uniformUnit() < sigmoid(gamma * score[row] + intercept) {
      target.append(row)
      if let targetLimit, target.count >= targetLimit { break }
    }
    guard !target.isEmpty else { throw ShiftEstimationError.invalidInput("the selection kept no target rows") }
    targetRows = target
    selectionProbabilities = sourceRows.map { sigmoid(gamma * score[$0] + intercept) }
    oracleWeights = normalizedToMeanOne(selectionProbabilities)
  }

  /// Each row's standardised score on the first principal component of the standardised
  /// features (power iteration on XᵀX through BLAS; the sign makes the largest loading positive).
  public static func principalComponentScores(_ features: Matrix) -> [Double] {
    var x = features
    Standardizer(fittedTo: x).standardize(&x)
    let n = x.rows
    let d = x.columns
    var direction = (0..<d).map { Float(1) / Float(d).squareRoot() + Float($0) * 1e-3 }
    for _ in 0..<200 {
      let next = x.multiplied(by: x.multiplied(by: direction), transposed: true)
      let norm = next.reduce(0) { $0 + $1 * $1 }.squareRoot()
      guard norm > 0 else { break }
      direction = next.map { $0 / norm }
    }
    if let largest = direction.indices.max(by: { abs(direction[$0]) < abs(direction[$1]) }), direction[largest] < 0 {
      direction = direction.map { -$0 }
    }
    let projected = x.multiplied(by: direction)
    let scores = projected.map(Double.init)
    let mean = scores.reduce(0, +) / Double(n)
    let spread = (scores.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(n - 1, 1))).squareRoot()
    return scores.map { spread > 0 ? ($0 - mean) / spread : 0 }
  }
}
