import Datasets
import Foundation
import LinearAlgebra

/// A source/target pair cut from one labelled data set with a simulated shift of known truth
/// (what `shiftcli simulate` writes and `shiftcli demo` analyses).
public struct SimulatedShift: Sendable {
  /// The kinds of shift.
  public enum Kind: Sendable, Equatable {
    /// A random sample of the pool: the no-shift control.
    case none
    /// Class shares q ~ Dirichlet(α·1).
    case dirichlet(concentration: Double)
    /// One class gets share ρ, the others share 1 − ρ equally; nil: a random class.
    case tweakOne(classIndex: Int?, share: Double)
    /// Rows kept with probability σ(γ·PC1 score + b).
    case selectionBias(strength: Double, intercept: Double)

    /// `none`, `dirichlet`, `tweak-one` or `selection-bias`.
    public var name: String {
      switch self {
      case .none: "none"
      case .dirichlet: "dirichlet"
      case .tweakOne: "tweak-one"
      case .selectionBias: "selection-bias"
      }
    }
  }

  /// The shift simulated.
  public var kind: Kind
  /// The labelled source sample.
  public var source: Dataset
  /// The target sample (with its labels, for scoring; estimators must not use them).
  public var target: Dataset
  /// The population prior the target was drawn with (label shifts and the control).
  public var targetPrior: [Double]?
  /// The tweaked class (tweak-one).
  public var tweakedClass: Int?
  /// Oracle weights p_t/p_s of the source rows, mean 1 (selection bias).
  public var oracleWeights: [Double]?

  /// Splits `data` (seeded; stratified for label shifts) into a source half and a pool and draws
  /// a target of `targetSize` rows from the pool (at most that many for selection bias);
  /// `sourceSize` caps the source.
  public init(
    data: Dataset, kind: Kind, targetSize: Int, sourceSize: Int? = nil,
    using generator: inout some RandomNumberGenerator
  ) throws {
    guard targetSize >= 1 else { throw ShiftEstimationError.invalidInput("the target needs at least one row") }
    self.kind = kind
    if case .selectionBias(let strength, let intercept) = kind {
      let simulation = try SelectionBiasSimulation(
        features: data.features, strength: strength, intercept: intercept, targetLimit: targetSize, using: &generator)
      let sourceRows = Array(simulation.sourceRows.prefix(sourceSize ?? simulation.sourceRows.count))
      source = data.subset(sourceRows)
      target = data.subset(simulation.targetRows)
      oracleWeights = simulation.oracleWeights(ofFirst: sourceRows.count)
      return
    }
    let (pool, sourceHalf) = try data.split(fraction: 0.5, using: &generator)
    source = sourceSize.map { sourceHalf.subset(0..<min($0, sourceHalf.count)) } ?? sourceHalf
    let k = data.classes.count
    let rows: [Int]
    switch kind {
    case .dirichlet(let alpha):
      let prior = try LabelShiftSimulation.dirichletPrior(classCount: k, concentration: alpha, using: &generator)
      targetPrior = prior
      rows = try LabelShiftSimulation.sample(
        labels: pool.labels, prior: prior, count: targetSize, classNames: data.classes.names, using: &generator)
    case .tweakOne(let classIndex, let share):
      let tweaked = classIndex ?? generator.uniformIndex(below: k)
      tweakedClass = tweaked
      let prior = try LabelShiftSimulation.tweakOnePrior(classCount: k, tweaked: tweaked, share: share)
      targetPrior = prior
      rows = try LabelShiftSimulation.sample(
        labels: pool.labels, prior: prior, count: targetSize, classNames: data.classes.names, using: &generator)
    default:
      targetPrior = pool.classPriors
      rows = Array(randomPermutation(pool.count, using: &generator).prefix(targetSize))
    }
    target = pool.subset(rows)
  }
}
