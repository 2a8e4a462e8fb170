import Datasets
import Foundation
import LinearAlgebra
import NeuralNetwork
import Summaries

/// What every label-shift estimator works from: a classifier's outputs on a labelled source
/// holdout (data it was not trained on) and on the unlabelled target. Of each side: the counts
/// and sums over every row (what BBSE and RLLS use), and the logits of rows (all of them, in
/// order, or the sample a ``HoldoutSummary`` or ``PredictionSummary`` kept of a stream: what
/// EM, EM-BCTS's calibration, `auto` and the bootstrap revisit).
public struct LabelShiftProblem: Sendable {
  /// The confusion counts and probability sums over every holdout row.
  public let holdout: HoldoutCounts
  /// `n_h × k` logits of holdout rows: every row in order, or a stream's sample.
  public let holdoutLogits: Matrix
  /// True class of each row of ``holdoutLogits``.
  public let holdoutLabels: [Int]
  /// The counts and sums of the model's outputs over every target row.
  public let target: PredictionCounts
  /// `n × k` logits of target rows: every row in order, or a stream's sample in key order.
  public let targetLogits: Matrix
  /// When ``targetLogits`` is the ensemble of several classifiers, each one's logits on the same
  /// rows (empty otherwise): the bootstrap resamples them, so that a replicate's counts are, as
  /// ``target``'s, those of single classifiers.
  public let classifiersTargetLogits: [Matrix]
  /// The source class prior the weights `w(y) = q(y)/p(y)` are defined against.
  public let sourcePrior: [Double]

  /// Softmax of the holdout logits.
  public let holdoutProbabilities: Matrix
  /// Softmax of the target's sampled logits.
  public let targetProbabilities: Matrix

  /// A problem whose target is every row of `targetLogits`; throws when shapes disagree, a
  /// label is out of range or the prior is not a distribution.
  public init(holdoutLogits: Matrix, holdoutLabels: [Int], targetLogits: Matrix, sourcePrior: [Double]) throws {
    try self.init(
      holdout: nil, holdoutLogits: holdoutLogits, holdoutLabels: holdoutLabels,
      target: PredictionCounts(logits: targetLogits), targetLogits: targetLogits, sourcePrior: sourcePrior)
  }

  /// A problem whose target is summarised by `target` (a stream's, or a merged profile's):
  /// its counts, and its sample's logits.
  public init(holdoutLogits: Matrix, holdoutLabels: [Int], target: PredictionSummary, sourcePrior: [Double]) throws {
    try self.init(
      holdout: nil, holdoutLogits: holdoutLogits, holdoutLabels: holdoutLabels, target: target.counts,
      targetLogits: target.sampledLogits, sourcePrior: sourcePrior)
  }

  /// A problem whose target is given by the counts over every row of it and the logits of rows
  /// (all of them, or a sample). When several classifiers scored the target, `target` is their
  /// counts added, `targetLogits` their ensemble's logits and `classifiersTargetLogits` each
  /// one's logits on the rows of `targetLogits`.
  public init(
    holdoutLogits: Matrix, holdoutLabels: [Int], target: PredictionCounts, targetLogits: Matrix,
    classifiersTargetLogits: [Matrix] = [], sourcePrior: [Double]
  ) throws {
    try self.init(
      holdout: nil, holdoutLogits: holdoutLogits, holdoutLabels: holdoutLabels, target: target,
      targetLogits: targetLogits, classifiersTargetLogits: classifiersTargetLogits, sourcePrior: sourcePrior)
  }

  /// A problem whose target is scored by several classifiers (each one's logits on the same
  /// rows, in `classifiersTargetLogits`): their counts added (as the holdout's, made of single
  /// classifiers' outputs) and their ensemble's logits (``HeldOutClassifiers/ensembleLogits(of:)``).
  public init(
    holdoutLogits: Matrix, holdoutLabels: [Int], classifiersTargetLogits: [Matrix], sourcePrior: [Double]
  ) throws {
    guard let first = classifiersTargetLogits.first,
      classifiersTargetLogits.allSatisfy({ $0.rows == first.rows && $0.columns == first.columns })
    else {
      throw ShiftEstimationError.invalidInput("the classifiers' target logits must be of the same rows and classes")
    }
    let counts = try classifiersTargetLogits.dropFirst().reduce(PredictionCounts(logits: first)) {
      try $0.merged(with: PredictionCounts(logits: $1))
    }
    try self.init(
      holdout: nil, holdoutLogits: holdoutLogits, holdoutLabels: holdoutLabels, target: counts,
      targetLogits: HeldOutClassifiers.ensembleLogits(of: classifiersTargetLogits),
      classifiersTargetLogits: classifiersTargetLogits.count > 1 ? classifiersTargetLogits : [],
      sourcePrior: sourcePrior)
  }

  /// A problem whose holdout and target are both summarised (a labelled reference's profile
  /// and a target's, or the summaries of two streams): their counts, and their samples' logits.
  public init(holdout: HoldoutSummary, target: PredictionSummary, sourcePrior: [Double]) throws {
    let (logits, labels) = holdout.sampledRows
    try self.init(
      holdout: holdout.counts, holdoutLogits: logits, holdoutLabels: labels, target: target.counts,
      targetLogits: target.sampledLogits, sourcePrior: sourcePrior)
  }

  /// With `holdout` nil, the holdout's counts are those of its rows.
  private init(
    holdout: HoldoutCounts?, holdoutLogits: Matrix, holdoutLabels: [Int], target: PredictionCounts,
    targetLogits: Matrix, classifiersTargetLogits: [Matrix] = [], sourcePrior: [Double]
  ) throws {
    let k = sourcePrior.count
    guard k >= 2 else { throw ShiftEstimationError.invalidInput("label shift needs at least 2 classes, got \(k)") }
    guard holdoutLogits.columns == k, targetLogits.columns == k else {
      throw ShiftEstimationError.invalidInput(
        "the model scores \(holdoutLogits.columns) classes on the holdout and \(targetLogits.columns) on the target, expected \(k)"
      )
    }
    guard holdoutLogits.rows == holdoutLabels.count, holdoutLogits.rows > 0 else {
      throw ShiftEstimationError.invalidInput("the source holdout is empty or its labels do not match its rows")
    }
    guard targetLogits.rows > 0, target.rows > 0 else {
      throw ShiftEstimationError.invalidInput("the target sample is empty")
    }
    guard target.classCount == k, holdout.map({ $0.classCount == k && $0.rows >= holdoutLabels.count }) ?? true
    else {
      throw ShiftEstimationError.invalidInput(
        "the target's predictions have \(target.classCount) classes and the holdout's \(holdout?.classCount ?? k), expected \(k)"
      )
    }
    guard holdoutLabels.allSatisfy({ (0..<k).contains($0) }) else {
      throw ShiftEstimationError.invalidInput("a holdout label lies outside the \(k) classes")
    }
    guard sourcePrior.allSatisfy({ $0 >= 0 && $0.isFinite }), abs(sourcePrior.reduce(0, +) - 1) < 1e-6 else {
      throw ShiftEstimationError.invalidInput("the source prior must be non-negative and sum to 1")
    }
    guard classifiersTargetLogits.count != 1 else {
      throw ShiftEstimationError.invalidInput(
        "one classifier's target logits are the target's logits: give them as targetLogits alone")
    }
    guard classifiersTargetLogits.allSatisfy({ $0.rows == targetLogits.rows && $0.columns == k }) else {
      throw ShiftEstimationError.invalidInput(
        "the classifiers' target logits must be of the ensemble's rows and classes")
    }
    guard holdoutLogits.storage.allSatisfy(\.isFinite), targetLogits.storage.allSatisfy(\.isFinite) else {
      throw ShiftEstimationError.numericalFailure("the model produced non-finite logits")
    }
    self.holdoutLogits = holdoutLogits
    self.holdoutLabels = holdoutLabels
    self.target = target
    self.targetLogits = targetLogits
    self.classifiersTargetLogits = classifiersTargetLogits
    self.sourcePrior = sourcePrior
    var holdoutProbabilities = holdoutLogits
    softmaxRows(&holdoutProbabilities)
    var targetProbabilities = targetLogits
    softmaxRows(&targetProbabilities)
    self.holdoutProbabilities = holdoutProbabilities
    self.targetProbabilities = targetProbabilities
    self.holdout = holdout ?? HoldoutCounts(probabilities: holdoutProbabilities, labels: holdoutLabels)
  }

  /// A problem from a model's class probabilities instead of its logits (any model: the
  /// probabilities a production classifier wrote with its data). Their logarithms serve as
  /// logits, which softmax maps back to the same probabilities; a probability below 10⁻¹² is
  /// taken as 10⁻¹², so that its logarithm is finite.
  public init(
    holdoutProbabilities: Matrix, holdoutLabels: [Int], targetProbabilities: Matrix, sourcePrior: [Double]
  ) throws {
    try self.init(
      holdoutLogits: Self.logits(ofProbabilities: holdoutProbabilities), holdoutLabels: holdoutLabels,
      targetLogits: Self.logits(ofProbabilities: targetProbabilities), sourcePrior: sourcePrior)
  }

  /// Logits whose softmax is `probabilities`: their logarithms, a probability below 10⁻¹² taken
  /// as 10⁻¹².
  public static func logits(ofProbabilities probabilities: Matrix) -> Matrix {
    PredictionSummary.logits(ofProbabilities: probabilities)
  }

  /// Number of classes.
  public var classCount: Int { sourcePrior.count }

  /// The share of holdout rows the model classifies correctly (over every row).
  public var holdoutAccuracy: Double { holdout.accuracy }

  /// Class shares in the holdout (over every row).
  public var holdoutPrior: [Double] { holdout.labelShares }

  /// A bootstrap draw of holdout row indices: with replacement within each class, so the class
  /// counts (a design choice of the split, not sampling noise) stay fixed.
  public func bootstrapHoldoutRows(using generator: inout some RandomNumberGenerator) -> [Int] {
    let byClass = rowIndicesByClass(holdoutLabels, classCount: classCount)
    var rows: [Int] = []
    rows.reserveCapacity(holdoutLabels.count)
    for members in byClass where !members.isEmpty {
      for _ in members.indices { rows.append(members[generator.uniformIndex(below: members.count)]) }
    }
    return rows
  }

  /// The same problem on a subset of the holdout's and of the target's sampled rows (for
  /// bootstrap and method selection); indices may repeat. An ensemble's target is resampled
  /// classifier by classifier (each one's counts, and the ensemble of the resampled rows).
  public func resampled(holdoutRows: [Int], targetRows: [Int]) throws -> LabelShiftProblem {
    let logits = holdoutLogits.rows(at: holdoutRows)
    let labels = holdoutRows.map { holdoutLabels[$0] }
    guard classifiersTargetLogits.isEmpty else {
      return try LabelShiftProblem(
        holdoutLogits: logits, holdoutLabels: labels,
        classifiersTargetLogits: classifiersTargetLogits.map { $0.rows(at: targetRows) }, sourcePrior: sourcePrior)
    }
    return try LabelShiftProblem(
      holdoutLogits: logits, holdoutLabels: labels, targetLogits: targetLogits.rows(at: targetRows),
      sourcePrior: sourcePrior)
  }
}
