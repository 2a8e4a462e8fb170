import Datasets
import Foundation
import LinearAlgebra
import NeuralNetwork
import Summaries

/// Base classifiers, each with its logits on labelled source rows it did not see: what every
/// label-shift estimate starts from (the holdout gives the confusion matrix and the
/// calibration; the classifiers' outputs on the target give μ).
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
///
/// The estimate is made once, on the pooled problem (``problem(forTarget:)-(Matrix)``): every
/// fold's held-out rows together as the holdout (each row scored by the classifier that did not
/// see it), and on the target the counts of every classifier's outputs added (what BBSE and
/// RLLS compare with the holdout's counts: both sides are single classifiers' outputs) and the
/// logits of the classifiers' ensemble, the mean of their probabilities, for the estimators
/// that revisit rows (EM, EM-BCTS, KDEy-ML, distribution matching). One estimate from all the
/// rows is steadier than the mean of K estimates from a fifth of them each (on
/// letter-recognition the EM family's weight error fell by a third, and the mixture methods'
/// by a half, against the ensemble; `shift-estimation-benchmark quantification`).
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

  /// Every fold's held-out rows together, fold after fold: each row's logits from the
  /// classifier that did not see it, and its label.
  public var pooledHoldout: (logits: Matrix, labels: [Int]) { (stacked(heldOutLogits), heldOutLabels.flatMap { $0 }) }

  /// One empty summary per classifier of its outputs on a target, each keeping the logits of at
  /// most `sampleCapacity` rows.
  public func emptyTargetSummaries(sampleCapacity: Int = PredictionSummary.defaultSampleCapacity)
    -> [PredictionSummary]
  {
    classifiers.map { PredictionSummary(classCount: $0.classes.count, sampleCapacity: sampleCapacity) }
  }

  /// Adds a batch of raw target features, its first row at `firstRow` of the target, to each
  /// classifier's summary (from ``emptyTargetSummaries(sampleCapacity:)``). Every summary keys a
  /// row by the hash of its features, so that they all keep the same rows, in the same order.
  public func summarize(
    targetBatch features: Matrix, firstRow: Int, into summaries: inout [PredictionSummary]
  ) throws {
    guard summaries.count == classifiers.count else {
      throw ShiftEstimationError.invalidInput(
        "\(summaries.count) target summaries for \(classifiers.count) classifiers")
    }
    let keys = StableHash.hashes(ofRows: features)
    for (fold, classifier) in classifiers.enumerated() {
      summaries[fold].add(logits: try classifier.logits(for: features), firstOrdinal: firstRow, keys: keys)
    }
  }

  /// The pooled problem for each classifier's summarised outputs on the target (from
  /// ``summarize(targetBatch:firstRow:into:)``): their counts added, and their ensemble's
  /// logits on the rows their samples keep.
  public func problem(forTarget summaries: [PredictionSummary]) throws -> LabelShiftProblem {
    let keys = summaries.first.map { $0.sample.compacted().keys }
    guard summaries.count == classifiers.count, let first = summaries.first,
      summaries.dropFirst().allSatisfy({ $0.counts.rows == first.counts.rows && $0.sample.compacted().keys == keys })
    else {
      throw ShiftEstimationError.invalidInput(
        "\(summaries.count) target summaries for \(classifiers.count) classifiers, or summaries of different rows")
    }
    let counts = try summaries.dropFirst().reduce(first.counts) { try $0.merged(with: $1.counts) }
    let holdout = pooledHoldout
    let sampled = summaries.map(\.sampledLogits)
    return try LabelShiftProblem(
      holdoutLogits: holdout.logits, holdoutLabels: holdout.labels, target: counts,
      targetLogits: Self.ensembleLogits(of: sampled), classifiersTargetLogits: sampled.count > 1 ? sampled : [],
      sourcePrior: sourcePrior)
  }

  /// The pooled problem for raw target features.
  public func problem(forTarget targetFeatures: Matrix) throws -> LabelShiftProblem {
    try problem(forTargetLogits: classifiers.map { try $0.logits(for: targetFeatures) })
  }

  /// The pooled problem for target logits already computed by each classifier (in fold order,
  /// on the same rows).
  public func problem(forTargetLogits targetLogits: [Matrix]) throws -> LabelShiftProblem {
    guard targetLogits.count == classifiers.count else {
      throw ShiftEstimationError.invalidInput(
        "\(targetLogits.count) target logit matrices for \(classifiers.count) classifiers")
    }
    let holdout = pooledHoldout
    return try LabelShiftProblem(
      holdoutLogits: holdout.logits, holdoutLabels: holdout.labels, classifiersTargetLogits: targetLogits,
      sourcePrior: sourcePrior)
  }

  /// The classifiers' outputs combined row by row: the logarithm of the mean of their
  /// probabilities (one classifier's logits as they are), computed from their log-softmax in
  /// Double, so that a class every classifier rules out keeps a finite, ordered logit.
  public static func ensembleLogits(of logits: [Matrix]) -> Matrix {
    precondition(!logits.isEmpty && logits.allSatisfy { $0.rows == logits[0].rows && $0.columns == logits[0].columns })
    guard logits.count > 1 else { return logits[0] }
    let (rows, k) = (logits[0].rows, logits[0].columns)
    let logSoftmaxes = logits.map { classifierLogits in
      var values = classifierLogits.storage.map(Double.init)
      for row in 0..<rows {
        let columns = (row * k)..<(row * k + k)
        var largest = -Double.infinity
        for index in columns { largest = max(largest, values[index]) }
        var sum = 0.0
        for index in columns { sum += exp(values[index] - largest) }
        let logNormalizer = largest + log(sum)
        for index in columns { values[index] -= logNormalizer }
      }
      return values
    }
    let logCount = log(Double(logits.count))
    var ensemble = [Float](repeating: 0, count: rows * k)
    for index in ensemble.indices {
      let largest = logSoftmaxes.reduce(-Double.infinity) { max($0, $1[index]) }
      let sum = logSoftmaxes.reduce(0) { $0 + exp($1[index] - largest) }
      ensemble[index] = Float(largest + log(sum) - logCount)
    }
    return Matrix(rows: rows, columns: k, storage: ensemble)
  }

  /// The matrices' rows one after another (the one matrix as it is).
  private func stacked(_ parts: [Matrix]) -> Matrix { parts.count == 1 ? parts[0] : Matrix(stacking: parts) }
}
