import Datasets
import Evaluation
import Foundation
import LinearAlgebra
import Summaries

/// A classifier's outputs on a labelled-source holdout it did not train on and on the target:
/// what the detector's prediction family compares. Any classifier's: the library's own, or a
/// production model's probabilities read from the files.
public struct PredictionSample: Sendable {
  /// The class names, in class order.
  public var classNames: [String]
  /// The predicted class of each holdout row.
  public var holdoutClasses: [Int]
  /// The predicted class of each target row.
  public var targetClasses: [Int]
  /// The class probabilities of each holdout row (nil: only classes are known).
  public var holdoutProbabilities: Matrix?
  /// The same for the target (for a summarised target: a sample of its rows).
  public var targetProbabilities: Matrix?
  /// For a summarised target: how many of its rows the model predicted in each class (then
  /// `targetClasses` is empty). The χ² reads these instead of counting `targetClasses`.
  public var targetClassCounts: [Int]?

  /// Predicted classes only (indices below `classNames.count`).
  public init(classNames: [String], holdoutClasses: [Int], targetClasses: [Int]) {
    self.classNames = classNames
    self.holdoutClasses = holdoutClasses
    self.targetClasses = targetClasses
  }

  /// Class probabilities (one column per class); the predicted classes are the most probable
  /// ones unless given (a model's own `--prediction` column).
  public init(
    classNames: [String], holdoutProbabilities: Matrix, targetProbabilities: Matrix,
    holdoutClasses: [Int]? = nil, targetClasses: [Int]? = nil
  ) {
    self.classNames = classNames
    self.holdoutProbabilities = holdoutProbabilities
    self.targetProbabilities = targetProbabilities
    self.holdoutClasses = holdoutClasses ?? predictedClasses(holdoutProbabilities)
    self.targetClasses = targetClasses ?? predictedClasses(targetProbabilities)
  }

  /// A summarised target (``PredictionSummary``): the predicted-class counts of every row and
  /// the class probabilities of its sampled rows. A summary keeps logits, so the holdout's
  /// probabilities go through the same `exp(log p)` as the sample's (monotone: the KS
  /// statistics are those of the probabilities themselves, ties kept), and its predicted
  /// classes are its most probable ones, as a summary's are.
  public init(classNames: [String], holdoutProbabilities: Matrix, target: PredictionSummary) {
    self.init(
      classNames: classNames,
      holdoutProbabilities: PredictionSummary.probabilities(
        ofLogits: PredictionSummary.logits(ofProbabilities: holdoutProbabilities)),
      targetProbabilities: target.sampledProbabilities, targetClasses: [])
    targetClassCounts = target.counts.predictedCounts
  }

  /// The target's predicted-class counts.
  var targetCounts: [Int] { targetClassCounts ?? classCounts(targetClasses, classCount: classNames.count) }

  /// Throws unless every predicted class is one of the classes.
  func validate() throws {
    if let targetClassCounts,
      targetClassCounts.count != classNames.count || targetClassCounts.contains(where: { $0 < 0 })
    {
      throw ShiftDetectionError.invalidInput("one non-negative predicted-class count per class is needed")
    }
    guard holdoutClasses.allSatisfy({ (0..<classNames.count).contains($0) }),
      targetClasses.allSatisfy({ (0..<classNames.count).contains($0) })
    else { throw ShiftDetectionError.invalidInput("a predicted class is not among the \(classNames.count) classes") }
  }

  /// The family's tests, unadjusted: `classes` (the predicted-class χ²) first, then a KS test
  /// per class probability (for two classes, the second class's only: the first's is its mirror).
  func tests(classes: ChiSquareTest) throws -> [ShiftDetectionResult.FeatureTest] {
    var tests = [
      ShiftDetectionResult.FeatureTest(
        feature: "predicted class", type: .predictedClass, test: "chi-squared", statistic: classes.statistic,
        pValue: classes.pValue, adjustedPValue: classes.pValue, effectSize: classes.cramersV,
        effectSizeName: "Cramér's V", missingRateSource: 0, missingRateTarget: 0, unseenLevels: [])
    ]
    guard let holdoutProbabilities, let targetProbabilities, holdoutProbabilities.rows > 0, targetProbabilities.rows > 0
    else { return tests }
    guard holdoutProbabilities.columns == classNames.count, targetProbabilities.columns == classNames.count else {
      throw ShiftDetectionError.invalidInput("one probability column per class is needed")
    }
    for column in (classNames.count == 2 ? [1] : Array(classNames.indices)) {
      let ks = KolmogorovSmirnovTest(
        (0..<holdoutProbabilities.rows).map { Double(holdoutProbabilities[$0, column]) },
        (0..<targetProbabilities.rows).map { Double(targetProbabilities[$0, column]) })
      tests.append(
        .init(
          feature: "P(\(classNames[column]))", type: .probability, test: "Kolmogorov–Smirnov", statistic: ks.statistic,
          pValue: ks.pValue, adjustedPValue: ks.pValue, effectSize: ks.statistic, effectSizeName: "KS distance",
          missingRateSource: 0, missingRateTarget: 0, unseenLevels: []))
    }
    return tests
  }
}
