import LinearAlgebra

/// A classifier's figures on rows whose labels are known: what a label-free estimate is held
/// against once the labels arrive.
public struct RealisedPerformance: Sendable, Equatable, Codable {
  /// Share of rows whose predicted class is their label.
  public var accuracy: Double
  /// The mean F1 over classes.
  public var macroF1: Double
  /// For two classes, the positive (second) class's precision, recall and ROC AUC (nil
  /// otherwise, and the AUC when one class is absent).
  public var precision: Double?
  /// See ``precision``.
  public var recall: Double?
  /// See ``precision``.
  public var rocAUC: Double?

  /// The figures of `predicted` against `labels` over `classCount` classes; the ROC AUC ranks
  /// the rows by the positive class's column of `probabilities`.
  public init(labels: [Int], predicted: [Int], probabilities: Matrix, classCount: Int) {
    let confusion = ConfusionMatrix(actual: labels, predicted: predicted, classCount: classCount)
    accuracy = confusion.accuracy
    macroF1 = confusion.macroF1
    if classCount == 2 {
      precision = confusion.precision[1]
      recall = confusion.recall[1]
      rocAUC = areaUnderROCCurve(
        scores: (0..<probabilities.rows).map { Double(probabilities[$0, 1]) }, positives: labels.map { $0 == 1 })
    }
  }
}
