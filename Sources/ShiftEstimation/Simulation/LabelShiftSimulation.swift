import Datasets
import Foundation
import LinearAlgebra

/// Simulated label shift on real data with a known target prior: the ground truth for tests
/// and benchmarks. The class-conditional distributions stay those of the data (rows are drawn
/// from a pool by class), only the class proportions change.
public enum LabelShiftSimulation {
  /// The largest sample GSL's multinomial can count (32-bit trials).
  public static let maximumCount = Int(UInt32.max)

  /// A target prior `q ~ Dirichlet(α·1)` drawn with GSL's `gsl_ran_dirichlet`; small α gives
  /// strong shift, large α priors near uniform.
  public static func dirichletPrior(
    classCount k: Int, concentration alpha: Double, using generator: inout some RandomNumberGenerator
  ) throws -> [Double] {
    guard k >= 2 else { throw ShiftEstimationError.invalidInput("a prior needs at least 2 classes") }
    guard alpha > 0, alpha.isFinite else {
      throw ShiftEstimationError.invalidInput("the Dirichlet concentration must be positive, got \(alpha)")
    }
    let prior = generator.dirichlet([Double](repeating: alpha, count: k))
    // For tiny α some components underflow to 0; renormalise what GSL returned.
    let total = prior.reduce(0, +)
    return prior.map { $0 / total }
  }

  /// The tweak-one prior: class `tweaked` gets probability ρ, the others share 1 − ρ equally.
  public static func tweakOnePrior(classCount k: Int, tweaked: Int, share rho: Double) throws -> [Double] {
    guard k >= 2, (0..<k).contains(tweaked) else {
      throw ShiftEstimationError.invalidInput("tweak-one needs a class in 0..<\(k), got \(tweaked)")
    }
    guard rho >= 0, rho <= 1 else { throw ShiftEstimationError.invalidInput("ρ must be in [0, 1], got \(rho)") }
    return (0..<k).map { $0 == tweaked ? rho : (1 - rho) / Double(k - 1) }
  }

  /// Indices of `count` rows drawn from a pool with labels `labels` so that the class counts are
  /// multinomial(`count`, `prior`). Within a class, rows are drawn without replacement while the
  /// pool lasts, with replacement beyond. Throws if the prior puts mass on a class the pool lacks
  /// (named by `classNames`, when given).
  public static func sample(
    labels: [Int], prior: [Double], count: Int, classNames: [String]? = nil,
    using generator: inout some RandomNumberGenerator
  ) throws -> [Int] {
    guard count >= 0, count <= maximumCount else {
      throw ShiftEstimationError.invalidInput("a target of \(count) rows is outside 0…\(maximumCount)")
    }
    let byClass = rowIndicesByClass(labels, classCount: prior.count)
    for (j, rows) in byClass.enumerated() where rows.isEmpty && prior[j] > 0 {
      let name = classNames.map { "'\($0[j])'" } ?? "\(j)"
      throw ShiftEstimationError.invalidInput("the pool has no rows of class \(name), which the prior needs")
    }
    let counts = generator.multinomial(trials: count, probabilities: prior)
    var rows: [Int] = []
    rows.reserveCapacity(count)
    for (j, classCount) in counts.enumerated() where classCount > 0 {
      var pool = byClass[j]
      pool.fisherYatesShuffle(using: &generator)
      for draw in 0..<classCount {
        rows.append(draw < pool.count ? pool[draw] : pool[generator.uniformIndex(below: pool.count)])
      }
    }
    rows.fisherYatesShuffle(using: &generator)
    return rows
  }
}
