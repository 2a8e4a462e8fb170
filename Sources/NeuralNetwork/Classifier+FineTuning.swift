import Datasets
import LinearAlgebra

extension Classifier {
  /// Fine-tuning for concept shift: continues training this classifier's network on newly
  /// labelled data (raw features, standardised with the classifier's own standardiser), starting
  /// from its current weights instead of from scratch.
  ///
  /// Classes are matched by name; a label the classifier does not know is an error. `weights`
  /// (one per row, as for ``ClassifierTraining/train(on:weights:using:progress:)``) make it a
  /// weighted fine-tuning.
  @discardableResult
  public mutating func fineTune(
    on data: Dataset, weights: [Double]? = nil, configuration: TrainingConfiguration,
    using generator: inout some RandomNumberGenerator, progress: ((EpochRecord) -> Void)? = nil
  ) throws -> TrainingHistory {
    guard data.featureCount == featureNames.count else {
      throw NeuralNetworkError.shapeMismatch(
        "the model expects \(featureNames.count) features, the new data has \(data.featureCount)")
    }
    let labels = try data.labels.map { label in
      let name = data.classes.names[label]
      guard let index = classes.index(of: name) else {
        throw NeuralNetworkError.unknownClass(name: name, known: classes.names)
      }
      return index
    }
    return try network.train(
      features: standardizer.standardized(data.features), targets: .classes(labels), weights: weights?.map(Float.init),
      configuration: configuration, using: &generator, progress: progress)
  }
}
