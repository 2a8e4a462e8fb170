import Datasets
import LinearAlgebra

/// A trained MLP together with everything needed to apply it to raw data: the class names its
/// outputs stand for, the feature names and the standardisation fitted on its training data.
/// This is what a model file holds.
public struct Classifier: Sendable, Equatable {
  /// The network; its inputs are standardised features.
  public var network: MLP
  /// Output `i` is the logit of `classes.names[i]`.
  public var classes: ClassIndex
  /// Names of the expected raw feature columns, in order.
  public var featureNames: [String]
  /// Applied to raw features before the network.
  public var standardizer: Standardizer
  /// How a raw table becomes the features (its schema and encoder), for a model trained on a
  /// table; `nil` when the features are numeric columns named `featureNames` (or images).
  public var tableEncoding: TableEncoding?

  /// A classifier; sizes must agree, and a table encoding's features must be `featureNames`.
  public init(
    network: MLP, classes: ClassIndex, featureNames: [String], standardizer: Standardizer,
    tableEncoding: TableEncoding? = nil
  ) {
    precondition(network.outputCount == classes.count, "one output per class")
    precondition(
      network.inputCount == standardizer.featureCount && featureNames.count == network.inputCount,
      "one input per feature")
    self.network = network
    self.classes = classes
    self.featureNames = featureNames
    self.standardizer = standardizer
    precondition(tableEncoding.map { $0.featureNames == featureNames } ?? true, "the encoding's features")
    self.tableEncoding = tableEncoding
  }

  /// Logits (pre-softmax scores) for raw (unstandardised) feature rows. Throws
  /// ``NeuralNetworkError/nonFiniteOutput(row:)`` when a logit is not finite (features far outside
  /// the training range, or a damaged model), so nothing downstream sees NaN.
  public func logits(for rawFeatures: Matrix) throws -> Matrix {
    try checkFeatureCount(rawFeatures.columns)
    let logits = try network.logits(for: standardizer.standardized(rawFeatures))
    if let bad = logits.storage.firstIndex(where: { !$0.isFinite }) {
      throw NeuralNetworkError.nonFiniteOutput(row: bad / max(logits.columns, 1))
    }
    return logits
  }

  /// Class probabilities for raw (unstandardised) feature rows.
  public func probabilities(for rawFeatures: Matrix) throws -> Matrix {
    var result = try logits(for: rawFeatures)
    softmaxRows(&result)
    return result
  }

  /// Predicted class indices for raw feature rows.
  public func predictedClasses(for rawFeatures: Matrix) throws -> [Int] {
    try logits(for: rawFeatures).argmaxPerRow()
  }

  private func checkFeatureCount(_ count: Int) throws {
    guard count == featureNames.count else {
      throw NeuralNetworkError.shapeMismatch("the model expects \(featureNames.count) features, the data has \(count)")
    }
  }
}
