import Datasets
import LinearAlgebra

extension Classifier {
  /// Fine-tuning for concept shift: continues training this classifier's network on newly
  /// labelled data (raw features, standardised with the classifier's own standardiser), starting
  /// from its current weights instead of from scratch.
  ///
  /// Classes are matched by name; a label the classifier does not know is an error.
  @discardableResult
  public mutating func fineTune(
    on data: Dataset, weights: [Float]? = nil, configuration: TrainingConfiguration,
    using generator: inout some RandomNumberGenerator, progress: ((EpochRecord) -> Void)? = nil
  ) throws -> TrainingHistory {
    guard data.featureCount == featureNames.count else {
      throw NeuralNetworkError.shapeMismatch(
        "the model expects \(featureNames.count) features, the new data has \(data.featureCount)")
    }
    let labels = try data.labels.map { label in
      let name = data.classes.names[label]
      guard let index = classes.index(of: name) else {
        throw NeuralNetworkError.shapeMismatch("the new data has class '\(name)', which the model does not know")
      }
      return index
    }
    return try network.train(
      features: standardizer.standardized(data.features), targets: .classes(labels), weights: weights,
      configuration: configuration, using: &generator, progress: progress)
  }
}
