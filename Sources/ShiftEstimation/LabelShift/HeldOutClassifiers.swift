import Datasets
import Foundation
import LinearAlgebra
import NeuralNetwork
import Summaries

/// Base classifiers, each with its logits on labelled source rows it did not see: what every
/// label-shift estimate starts from (the holdout gives the confusion matrix and the
/// calibration; the classifiers' logits on the target give μ).
///
/// Three ways to get them:
/// - ``init(crossFitting:folds:training:using:progress:)``: K classifiers, classifier k trained
///   on every source row outside fold k and scored on fold k, so every source row serves as
///   holdout once and no row is scored by a model that saw it. Compared with one split this
///   uses the whole source both to train (on (K−1)/K of it per model) and to estimate the
///   confusion matrix and calibration.
/// - ``init(trainingOn:holdingOut:training:using:progress:)``: one classifier
///   trained on one part of the source and scored on the other (e.g. the two sides of
///   `Dataset.split(fraction:)`).
/// - ``init(classifier:scoring:)``: the user's classifier; the whole source is its holdout (it
///   must not have seen those rows).
public struct HeldOutClassifiers: Sendable {
  /// One classifier per fold (one without cross-fitting).
  public var classifiers: [Classifier]
  /// Per fold, the logits of its classifier on its held-out rows.
  public var heldOutLogits: [Matrix]
  /// Per fold, the labels of its held-out rows.
  public var heldOutLabels: [[Int]]
  /// Class shares of the whole source: the prior the weights `q/p` refer to.
  public var sourcePrior: [Double]

  /// Trains `folds` classifiers with `training`; `progress` hears each finished fold (1-based).
  public init(
    crossFitting source: Dataset, folds: Int, training: ClassifierTraining = ClassifierTraining(),
    using generator: inout some RandomNumberGenerator, progress: ((Int) -> Void)? = nil
  ) throws {
    guard folds >= 2 else {
      throw ShiftEstimationError.invalidInput("cross-fitting needs at least 2 folds, got \(folds)")
    }
    let assignment = try FoldAssignment(count: source.count, folds: folds, using: &generator)
    classifiers = []
    heldOutLogits = []
    heldOutLabels = []
    for (index, fold) in assignment.folds.enumerated() {
      let classifier = try training.train(on: source.subset(fold.train), using: &generator)
      classifiers.append(classifier)
      heldOutLogits.append(try classifier.logits(for: source.features.rows(at: fold.heldOut)))
      heldOutLabels.append(fold.heldOut.map { source.labels[$0] })
      progress?(index + 1)
    }
    sourcePrior = source.classPriors
  }

  /// Trains one classifier with `training` on `train` and holds out `holdout` (the two parts of
  /// one source, with the same classes); `progress` hears every epoch.
  public init(
    trainingOn train: Dataset, holdingOut holdout: Dataset,
    training: ClassifierTraining = ClassifierTraining(), using generator: inout some RandomNumberGenerator,
    progress: ((EpochRecord) -> Void)? = nil
  ) throws {
    let classifier = try training.train(on: train, using: &generator, progress: progress)
    classifiers = [classifier]
    heldOutLogits = [try classifier.logits(for: holdout.features)]
    heldOutLabels = [holdout.labels]
    sourcePrior = classShares(train.labels + holdout.labels, classCount: train.classes.count)
  }

  /// The user's `classifier` with the whole of `source` (whose classes must be the
  /// classifier's) as its holdout.
  public init(classifier: Classifier, scoring source: Dataset) throws {
    guard source.classes == classifier.classes else {
      throw ShiftEstimationError.invalidInput("the source's classes must be the model's, in the model's order")
    }
    classifiers = [classifier]
    heldOutLogits = [try classifier.logits(for: source.features)]
    heldOutLabels = [source.labels]
    sourcePrior = source.classPriors
  }

  /// Rows held out over all folds (the whole source when cross-fitted or given a model).
  public var heldOutRowCount: Int { heldOutLabels.reduce(0) { $0 + $1.count } }

  /// One empty summary per fold of its classifier's outputs on a target, each keeping the
  /// logits of at most `sampleCapacity` rows.
  public func emptyTargetSummaries(sampleCapacity: Int = PredictionSummary.defaultSampleCapacity)
    -> [PredictionSummary]
  {
    classifiers.map { PredictionSummary(classCount: $0.classes.count, sampleCapacity: sampleCapacity) }
  }

  /// Adds a batch of raw target features, its first row at `firstRow` of the target, to each
  /// fold's summary (from ``emptyTargetSummaries(sampleCapacity:)``).
  public func summarize(
    targetBatch features: Matrix, firstRow: Int, into summaries: inout [PredictionSummary]
  ) throws {
    guard summaries.count == classifiers.count else {
      throw ShiftEstimationError.invalidInput("\(summaries.count) target summaries for \(classifiers.count) folds")
    }
    for (fold, classifier) in classifiers.enumerated() {
      summaries[fold].add(logits: try classifier.logits(for: features), firstOrdinal: firstRow)
    }
  }

  /// The per-fold problems for each fold classifier's summarised outputs on the target.
  public func problems(forTarget summaries: [PredictionSummary]) throws -> [LabelShiftProblem] {
    guard summaries.count == classifiers.count else {
      throw ShiftEstimationError.invalidInput("\(summaries.count) target summaries for \(classifiers.count) folds")
    }
    return try zip(zip(heldOutLogits, heldOutLabels), summaries).map { holdout, target in
      try LabelShiftProblem(
        holdoutLogits: holdout.0, holdoutLabels: holdout.1, target: target, sourcePrior: sourcePrior)
    }
  }

  /// The per-fold label-shift problems for raw target features.
  public func problems(forTarget targetFeatures: Matrix) throws -> [LabelShiftProblem] {
    try problems(forTargetLogits: classifiers.map { try $0.logits(for: targetFeatures) })
  }

  /// The per-fold problems for target logits already computed by each fold's classifier.
  public func problems(forTargetLogits targetLogits: [Matrix]) throws -> [LabelShiftProblem] {
    guard targetLogits.count == classifiers.count else {
      throw ShiftEstimationError.invalidInput(
        "\(targetLogits.count) target logit matrices for \(classifiers.count) folds")
    }
    return try zip(zip(heldOutLogits, heldOutLabels), targetLogits).map { holdout, target in
      try LabelShiftProblem(
        holdoutLogits: holdout.0, holdoutLabels: holdout.1, targetLogits: target, sourcePrior: sourcePrior)
    }
  }
}
