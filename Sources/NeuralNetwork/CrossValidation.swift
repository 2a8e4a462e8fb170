import Datasets
import LinearAlgebra

/// The result of K-fold cross-validation.
public struct CrossValidationResult: Sendable, Equatable {
  /// Accuracy on each held-out fold, in fold order.
  public var foldAccuracies: [Double]
  /// Mean of ``foldAccuracies``.
  public var meanAccuracy: Double { foldAccuracies.reduce(0, +) / Double(max(foldAccuracies.count, 1)) }
  /// Sample standard deviation of ``foldAccuracies`` (0 for one fold).
  public var standardDeviation: Double {
    let n = Double(foldAccuracies.count)
    guard n > 1 else { return 0 }
    let mean = meanAccuracy
    return (foldAccuracies.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot()
  }
}

extension Dataset {
  /// K-fold cross-validation (d2l §4.4): for each fold, standardises on the training part only,
  /// builds a network with `makeNetwork(inputs, classes, &generator)`, trains it and scores the
  /// held-out part.
  public func crossValidate(
    folds k: Int, configuration: TrainingConfiguration,
    makeNetwork: (_ inputs: Int, _ classes: Int, _ generator: inout SplitMix64) throws -> MLP,
    using generator: inout some RandomNumberGenerator
  ) throws -> CrossValidationResult {
    var random = SplitMix64(seed: generator.next())
    var accuracies: [Double] = []
    for fold in try folds(k, using: &random) {
      let standardizer = Standardizer(fittedTo: fold.train.features)
      var network = try makeNetwork(featureCount, classes.count, &random)
      try network.train(
        features: standardizer.standardized(fold.train.features), targets: .classes(fold.train.labels),
        configuration: configuration, using: &random)
      let (_, accuracy) = try network.evaluateLoss(
        features: standardizer.standardized(fold.heldOut.features), targets: .classes(fold.heldOut.labels),
        loss: .softmaxCrossEntropy)
      accuracies.append(accuracy ?? 0)
    }
    return CrossValidationResult(foldAccuracies: accuracies)
  }
}
