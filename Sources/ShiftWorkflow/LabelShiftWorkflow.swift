import Datasets
import Foundation
import LinearAlgebra
import NeuralNetwork
import ShiftEstimation
import Summaries

/// Label-shift estimation from a labelled source and an unlabelled target (what `shiftcli
/// estimate --shift label` runs): get base classifiers with held-out source logits, estimate
/// the target prior, and optionally bootstrap intervals.
public struct LabelShiftWorkflow: Sendable {
  /// Where the held-out logits come from.
  public enum Holdout: Sendable {
    /// K classifiers, each trained on the other folds and scored on its own: the whole source
    /// serves as holdout, against every classifier's counts on the target and their ensemble's
    /// outputs (``HeldOutClassifiers/problem(forTarget:)-([PredictionSummary])``).
    case crossFitted(folds: Int)
    /// One classifier trained on the source minus a stratified `share`, which is held out.
    case split(share: Double)
    /// The user's classifier; the whole source is its holdout.
    case model(Classifier)
  }

  /// Where the held-out logits come from.
  public var holdout: Holdout
  /// The recipe of the classifiers trained (unused with ``Holdout/model(_:)``).
  public var training: ClassifierTraining
  /// The estimator (method, and `auto`'s simulations).
  public var estimator: LabelShiftEstimator
  /// Percentile bootstrap of the chosen method (nil: no intervals).
  public var bootstrap: LabelShiftBootstrap?

  /// A workflow; the defaults are 5-fold cross-fitting, the default MLP recipe, EM-BCTS, no bootstrap.
  public init(
    holdout: Holdout = .crossFitted(folds: 5), training: ClassifierTraining = ClassifierTraining(),
    estimator: LabelShiftEstimator = LabelShiftEstimator(), bootstrap: LabelShiftBootstrap? = nil
  ) {
    self.holdout = holdout
    self.training = training
    self.estimator = estimator
    self.bootstrap = bootstrap
  }

  /// Runs the workflow on `source` (whose classes must be the model's with ``Holdout/model(_:)``)
  /// and the raw `targetFeatures` (same columns); `progress` hears what is being done.
  public func run(
    source: Dataset, targetFeatures: Matrix, using generator: inout some RandomNumberGenerator,
    progress: @escaping (String) -> Void = { _ in }
  ) throws -> LabelShiftAnalysis {
    var batch: Matrix? = targetFeatures
    return try run(
      source: source,
      targetBatches: {
        defer { batch = nil }
        return batch
      }, sampleCapacity: max(targetFeatures.rows, 1),
      using: &generator, progress: progress)
  }

  /// Runs the workflow on `source` and a target read batch by batch: `targetBatches` gives the
  /// next batch of raw features (same columns), nil after the last. One pass: each fold's
  /// classifier summarises its outputs (``PredictionSummary``: exact counts over every row, the
  /// logits of at most `sampleCapacity` rows for EM and the bootstrap), so memory stays flat
  /// however long the target.
  public func run(
    source: Dataset, targetBatches: () throws -> Matrix?,
    sampleCapacity: Int = PredictionSummary.defaultSampleCapacity, using generator: inout some RandomNumberGenerator,
    progress: @escaping (String) -> Void = { _ in }
  ) throws -> LabelShiftAnalysis {
    if case .model = holdout {
    } else {
      let needed = Self.minimumSourceRows(classes: source.classes.count, holdout: holdout)
      guard source.count >= needed else {
        throw WorkflowError.invalidInput(
          "the source has \(source.count) rows, too few to train and hold out data for \(source.classes.count) classes (at least \(needed))"
        )
      }
    }
    let base: HeldOutClassifiers
    switch holdout {
    case .model(let classifier):
      base = try HeldOutClassifiers(classifier: classifier, scoring: source)
    case .crossFitted(let folds):
      progress("training \(folds) cross-fitted MLPs on \(source.count) source rows…")
      base = try HeldOutClassifiers(crossFitting: source, folds: folds, training: training, using: &generator) { fold in
        progress("trained the MLP of fold \(fold)/\(folds)")
      }
    case .split(let share):
      let (train, held) = try source.split(fraction: share, using: &generator)
      progress("training the base MLP on \(train.count) source rows…")
      base = try HeldOutClassifiers(trainingOn: train, holdingOut: held, training: training, using: &generator) {
        record in
        progress(
          String(
            format: "epoch %d  loss %.4f  validation accuracy %.4f", record.epoch, record.loss,
            record.validationAccuracy ?? 0))
      }
    }
    var targetRows = 0
    let problem = try {
      // The summaries' samples become the problem's target logits (and are let go here).
      var summaries = base.emptyTargetSummaries(sampleCapacity: sampleCapacity)
      while let batch = try targetBatches() {
        try base.summarize(targetBatch: batch, firstRow: targetRows, into: &summaries)
        targetRows += batch.rows
      }
      return try base.problem(forTarget: summaries)
    }()
    progress("estimating with \(estimator.method.rawValue)…")
    let estimate = try estimator.estimate(problem, using: &generator)
    var intervals: LabelShiftIntervals? = nil
    if let bootstrap {
      progress("bootstrap: \(bootstrap.replicates) replicates of \(estimate.method.rawValue)…")
      intervals = try bootstrap.intervals(for: estimate.method, on: problem, using: &generator)
    }
    return LabelShiftAnalysis(
      estimate: estimate, intervals: intervals, classes: source.classes.names, sourceRows: source.count,
      heldOutRows: base.heldOutRowCount, folds: base.classifiers.count, targetRows: targetRows,
      holdoutAccuracy: problem.holdoutAccuracy)
  }
}

extension LabelShiftWorkflow {
  /// Runs the estimator (and the bootstrap) on a model's class probabilities: its
  /// `holdoutProbabilities` on labelled source rows it did not train on, and its
  /// `targetProbabilities`; column `j` of both is the class `classes.names[j]`. No classifier
  /// is trained (``holdout`` and ``training`` are not used): this is the entry point for any
  /// model, in any language.
  public func run(
    holdoutProbabilities: Matrix, holdoutLabels: [Int], targetProbabilities: Matrix, classes: ClassIndex,
    using generator: inout some RandomNumberGenerator, progress: @escaping (String) -> Void = { _ in }
  ) throws -> LabelShiftAnalysis {
    let problem = try LabelShiftProblem(
      holdoutProbabilities: holdoutProbabilities, holdoutLabels: holdoutLabels,
      targetProbabilities: targetProbabilities, sourcePrior: classShares(holdoutLabels, classCount: classes.count))
    return try run(problem, classes: classes, using: &generator, progress: progress)
  }

  /// The same with the model's outputs on the target summarised (a stream's, or a merged
  /// profile's): its logits, the logarithms of its probabilities, were added to `target`.
  public func run(
    holdoutProbabilities: Matrix, holdoutLabels: [Int], target: PredictionSummary, classes: ClassIndex,
    using generator: inout some RandomNumberGenerator, progress: @escaping (String) -> Void = { _ in }
  ) throws -> LabelShiftAnalysis {
    let k = classes.count
    guard holdoutProbabilities.columns == k, holdoutProbabilities.rows == holdoutLabels.count,
      holdoutLabels.allSatisfy({ (0..<k).contains($0) })
    else {
      throw WorkflowError.invalidInput(
        "the holdout's \(holdoutProbabilities.rows) × \(holdoutProbabilities.columns) probabilities and \(holdoutLabels.count) labels do not fit \(k) classes"
      )
    }
    let holdout = HoldoutSummary(
      logits: LabelShiftProblem.logits(ofProbabilities: holdoutProbabilities), labels: holdoutLabels)
    return try run(holdout: holdout, target: target, classes: classes, using: &generator, progress: progress)
  }

  /// The same with both sides summarised: the model's outputs on labelled rows it did not
  /// train on (a labelled reference's profile: its confusion counts for BBSE and RLLS, its
  /// sample for EM-BCTS, `auto` and the bootstrap) and on the target. The source prior is the
  /// holdout's class shares over every row.
  public func run(
    holdout: HoldoutSummary, target: PredictionSummary, classes: ClassIndex,
    using generator: inout some RandomNumberGenerator, progress: @escaping (String) -> Void = { _ in }
  ) throws -> LabelShiftAnalysis {
    guard holdout.classCount == classes.count, target.classCount == classes.count else {
      throw WorkflowError.invalidInput(
        "outputs of \(holdout.classCount) classes on the holdout and \(target.classCount) on the target, for \(classes.count) classes"
      )
    }
    let problem = try LabelShiftProblem(holdout: holdout, target: target, sourcePrior: holdout.counts.labelShares)
    return try run(problem, classes: classes, using: &generator, progress: progress)
  }

  private func run(
    _ problem: LabelShiftProblem, classes: ClassIndex, using generator: inout some RandomNumberGenerator,
    progress: (String) -> Void
  ) throws -> LabelShiftAnalysis {
    progress("estimating with \(estimator.method.rawValue)…")
    let estimate = try estimator.estimate(problem, using: &generator)
    var intervals: LabelShiftIntervals? = nil
    if let bootstrap {
      progress("bootstrap: \(bootstrap.replicates) replicates of \(estimate.method.rawValue)…")
      intervals = try bootstrap.intervals(for: estimate.method, on: problem, using: &generator)
    }
    return LabelShiftAnalysis(
      estimate: estimate, intervals: intervals, classes: classes.names, sourceRows: problem.holdout.rows,
      heldOutRows: problem.holdout.rows, folds: 1, targetRows: problem.target.rows,
      holdoutAccuracy: problem.holdoutAccuracy)
  }

  /// The fewest source rows a trained holdout accepts: two rows per class in every fold (at
  /// least two folds' worth with a single split), so that every class can be both trained on
  /// and held out.
  public static func minimumSourceRows(classes: Int, holdout: Holdout) -> Int {
    guard case .crossFitted(let folds) = holdout else { return 2 * 2 * classes }
    return 2 * max(folds, 2) * classes
  }
}

/// What ``LabelShiftWorkflow`` found.
public struct LabelShiftAnalysis: Sendable, Equatable {
  /// The estimated target prior and weights.
  public var estimate: LabelShiftEstimate
  /// Bootstrap intervals, when asked for.
  public var intervals: LabelShiftIntervals?
  /// Class names, in index order.
  public var classes: [String]
  /// Rows of the source.
  public var sourceRows: Int
  /// Source rows held out over all folds.
  public var heldOutRows: Int
  /// Folds (1: a single holdout or a given model).
  public var folds: Int
  /// Rows of the target.
  public var targetRows: Int
  /// The base classifiers' accuracy on their held-out rows, pooled.
  public var holdoutAccuracy: Double
}
