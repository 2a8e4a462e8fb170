import Datasets
import Foundation
import LinearAlgebra
import NeuralNetwork
import ShiftEstimation

/// Shared, seeded test data for the test bundles: letter-recognition split into a source
/// (which trains the base MLP and gives the holdout) and a target pool, built once per bundle.
public enum Fixtures {
  /// The bundled letter-recognition file.
  public static let letterFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../Datasets/letter-recognition.csv").standardized.path

  /// All 20 000 rows.
  public static let letters: Dataset = try! Dataset(csvFile: letterFile, labelColumn: "lettr")

  /// A base model and the logits the label-shift tests need.
  public struct LabelSetting: Sendable {
    /// The base classifier, trained on the source's train part.
    public var classifier: Classifier
    /// Its logits on the source holdout.
    public var holdoutLogits: Matrix
    /// The holdout's labels.
    public var holdoutLabels: [Int]
    /// Its logits on the target pool.
    public var poolLogits: Matrix
    /// The pool's labels.
    public var poolLabels: [Int]
    /// Class shares of the whole source.
    public var sourcePrior: [Double]
  }

  /// Raw features of the label setting's holdout (same split and seed).
  public static let labelHoldoutFeatures: Matrix = splitForLabelSetting().holdout.features
  /// Raw features of the label setting's target pool.
  public static let poolFeatures: Matrix = splitForLabelSetting().pool.features

  private static func splitForLabelSetting() -> (pool: Dataset, holdout: Dataset) {
    var generator = SplitMix64(seed: 11)
    let (pool, source) = try! letters.split(fraction: 0.4, using: &generator)
    let (_, holdout) = try! source.split(fraction: 0.3, using: &generator)
    return (pool, holdout)
  }

  /// The same source cross-fitted over 4 folds, and each fold model's logits on the pool.
  public static let crossFittedSetting: (classifiers: HeldOutClassifiers, poolLogits: [Matrix]) = {
    var generator = SplitMix64(seed: 11)
    let (pool, source) = try! letters.split(fraction: 0.4, using: &generator)
    let crossFitted = try! HeldOutClassifiers(
      crossFitting: source, folds: 4, training: ClassifierTraining(epochs: 40), using: &generator)
    return (crossFitted, try! crossFitted.classifiers.map { try $0.logits(for: pool.features) })
  }()

  /// Source: 8 000 rows (5 600 train, 2 400 holdout); pool: the other 12 000 rows.
  public static let labelSetting: LabelSetting = {
    var generator = SplitMix64(seed: 11)
    let (pool, source) = try! letters.split(fraction: 0.4, using: &generator)
    let (train, holdout) = try! source.split(fraction: 0.3, using: &generator)
    let classifier = try! ClassifierTraining(epochs: 40).train(on: train, using: &generator)
    return LabelSetting(
      classifier: classifier, holdoutLogits: try! classifier.logits(for: holdout.features),
      holdoutLabels: holdout.labels,
      poolLogits: try! classifier.logits(for: pool.features), poolLabels: pool.labels, sourcePrior: source.classPriors)
  }()
}
