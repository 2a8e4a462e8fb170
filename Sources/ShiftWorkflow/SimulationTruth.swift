import Datasets
import ShiftEstimation

/// The ground truth of a simulated source/target pair, as `shiftcli simulate` writes it to
/// `truth.json`: what an estimate is checked against.
public struct SimulationTruth: Codable, Sendable, Equatable {
  /// `none`, `dirichlet`, `tweak-one` or `selection-bias`.
  public var shift: String
  /// Where the data came from.
  public var data: String
  /// The seed of the simulation.
  public var seed: UInt64
  /// Class names, in index order.
  public var classes: [String]
  /// The command that made the pair.
  public var command: String
  /// Rows of the source.
  public var sourceRows: Int
  /// Rows of the target.
  public var targetRows: Int
  /// Class shares of the source.
  public var sourcePrior: [Double]
  /// The population prior the target was drawn with (label shifts and the control).
  public var targetPrior: [Double]?
  /// Class shares of the target (the realised draw).
  public var targetSamplePrior: [Double]
  /// `targetPrior / sourcePrior` per class (label shifts and the control).
  public var labelShiftWeights: [Double]?
  /// Dirichlet concentration α.
  public var alpha: Double?
  /// Tweak-one share ρ.
  public var rho: Double?
  /// The tweaked class (tweak-one).
  public var tweakedClass: String?
  /// Selection strength γ.
  public var strength: Double?
  /// Selection intercept b.
  public var intercept: Double?
  /// ESS of the oracle weights (selection bias).
  public var oracleEffectiveSampleSize: Double?

  /// The truth of `simulation`, cut from `data` with `seed` by `command`.
  public init(simulation: SimulatedShift, data: String, seed: UInt64, command: String) {
    let source = simulation.source
    shift = simulation.kind.name
    self.data = data
    self.seed = seed
    classes = source.classes.names
    self.command = command
    sourceRows = source.count
    targetRows = simulation.target.count
    sourcePrior = source.classPriors
    targetPrior = simulation.targetPrior
    targetSamplePrior = simulation.target.classPriors
    labelShiftWeights = simulation.targetPrior.map {
      LabelShiftWeights(targetPrior: $0, sourcePrior: source.classPriors).weights
    }
    tweakedClass = simulation.tweakedClass.map { source.classes.names[$0] }
    oracleEffectiveSampleSize = simulation.oracleWeights.map(CovariateShiftEstimate.effectiveSampleSize)
    switch simulation.kind {
    case .none: break
    case .dirichlet(let concentration): alpha = concentration
    case .tweakOne(_, let share): rho = share
    case .selectionBias(let gamma, let b):
      strength = gamma
      intercept = b
    }
  }
}
