import Datasets
import DomainClassifier
import Evaluation
import Foundation
import LinearAlgebra

/// Did the data shift, and how? Three families of tests, each at level α/3 so that the verdict's
/// false-positive rate is at most α (Bonferroni over the families):
///
/// - **features**: a two-sample Kolmogorov–Smirnov test per feature, corrected across features
///   (Benjamini–Hochberg by default); the family rejects when any adjusted p-value is ≤ α/3;
/// - **domain classifier**: the cross-fitted logistic-regression domain classifier's held-out AUC
///   with its Mann–Whitney p-value;
/// - **predictions**: Pearson's χ² on the classifier's predicted-class histograms of the source
///   holdout and the target (needs a model; it is the test that sees label shift first).
public struct ShiftDetector: Sendable {
  /// The verdict's false-positive rate bound.
  public var level: Double
  /// The correction across features.
  public var correction: MultipleTesting
  /// How many rows to list as most target-like / most unlike the source.
  public var listedRows: Int

  /// A detector at level α = 0.05 with Benjamini–Hochberg across features.
  public init(level: Double = 0.05, correction: MultipleTesting = .benjaminiHochberg, listedRows: Int = 10) {
    self.level = level
    self.correction = correction
    self.listedRows = listedRows
  }

  /// Tests `source` against `target` (raw features, same columns). With `predictions`, the
  /// classifier's predicted classes on a labelled-source holdout it did not train on and on the
  /// target are compared too.
  ///
  /// With `classWeights` (the source rows' labels and the estimated per-class weights q/p), a
  /// detected shift is also classified: a subsample of the source with the target's estimated
  /// class proportions is drawn and the domain classifier is run again. Under pure label shift p(x|y) is unchanged, so nothing is left to detect (label
  /// shift); if the resampled source still differs, p(x|y) changed too (covariate shift).
  public func detect(
    source: Matrix, target: Matrix, featureNames: [String],
    predictions: (holdout: [Int], target: [Int], classCount: Int)? = nil,
    classWeights: (sourceLabels: [Int], weights: [Double])? = nil,
    using generator: inout some RandomNumberGenerator
  ) throws -> ShiftDetectionResult {
    guard source.columns == target.columns, featureNames.count == source.columns else {
      throw ShiftDetectionError.invalidInput("source, target and feature names must have the same columns")
    }
    guard level > 0, level < 1 else {
      throw ShiftDetectionError.invalidInput("the level must be in (0, 1), got \(level)")
    }
    let familyLevel = level / 3

    var columnTests: [KolmogorovSmirnovTest] = []
    for column in 0..<source.columns {
      columnTests.append(
        KolmogorovSmirnovTest(
          (0..<source.rows).map { Double(source[$0, column]) }, (0..<target.rows).map { Double(target[$0, column]) }))
    }
    let adjusted = correction.adjusted(columnTests.map(\.pValue))
    let features = zip(featureNames, zip(columnTests, adjusted)).map {
      ShiftDetectionResult.FeatureTest(
        feature: $0.0, statistic: $0.1.0.statistic, pValue: $0.1.0.pValue, adjustedPValue: $0.1.1)
    }.sorted { ($0.statistic, $1.feature) > ($1.statistic, $0.feature) }

    let ratios = try DomainClassifier().fit(source: source, target: target, using: &generator)
    let domain = DomainClassifierTest(
      scores: ratios.sourceLogDensityRatio + ratios.targetLogDensityRatio,
      isTarget: [Bool](repeating: false, count: source.rows) + [Bool](repeating: true, count: target.rows))
    let byRatio = { (values: [Double]) in values.indices.sorted { values[$0] > values[$1] }.prefix(self.listedRows) }

    var predictionTest: ChiSquareTest? = nil
    if let predictions {
      predictionTest = ChiSquareTest(
        classCounts(predictions.holdout, classCount: predictions.classCount).map(Double.init),
        classCounts(predictions.target, classCount: predictions.classCount).map(Double.init))
    }

    let featureShift = (features.map(\.adjustedPValue).min() ?? 1) <= familyLevel
    let domainShift = domain.pValue <= familyLevel
    let predictionShift = (predictionTest?.pValue ?? 1) <= familyLevel
    var verdict: ShiftDetectionResult.Verdict
    switch (featureShift || domainShift, predictionShift) {
    case (false, false): verdict = .noShift
    case (true, false): verdict = predictionTest == nil ? .featureShift : .covariateShift
    case (false, true): verdict = .labelShift
    case (true, true): verdict = .shift
    }
    var residual: DomainClassifierTest? = nil
    if verdict != .noShift, let classWeights {
      guard classWeights.sourceLabels.count == source.rows else {
        throw ShiftDetectionError.invalidInput("one source label per source row is needed to classify the shift")
      }
      // The largest subsample of the source, drawn without replacement within each class, whose
      // class shares are the estimated target shares q ∝ w·p (no row twice: duplicates would let
      // a flexible domain classifier recognise them and fake a remaining shift).
      let byClass = rowIndicesByClass(classWeights.sourceLabels, classCount: classWeights.weights.count)
      let shares = zip(byClass, classWeights.weights).map { Double($0.0.count) * max($0.1, 0) }
      let totalShare = shares.reduce(0, +)
      if totalShare > 0 {
        let size = zip(byClass, shares).filter { $0.1 > 0 }.map { Double($0.0.count) / ($0.1 / totalShare) }.min() ?? 0
        var rows: [Int] = []
        for (members, share) in zip(byClass, shares) where share > 0 {
          var shuffled = members
          shuffled.fisherYatesShuffle(using: &generator)
          rows += shuffled.prefix(min(members.count, Int((size * share / totalShare).rounded())))
        }
        if rows.count >= 20 {
          let matched = try DomainClassifier().fit(source: source.rows(at: rows), target: target, using: &generator)
          let test = DomainClassifierTest(
            scores: matched.sourceLogDensityRatio + matched.targetLogDensityRatio,
            isTarget: [Bool](repeating: false, count: rows.count) + [Bool](repeating: true, count: target.rows))
          residual = test
          verdict = test.pValue <= familyLevel ? .covariateShift : .labelShift
        }
      }
    }
    return ShiftDetectionResult(
      level: level, verdict: verdict, features: features, correction: correction, domain: domain,
      predictions: predictionTest, labelMatchedDomain: residual,
      mostTargetLikeSourceRows: Array(byRatio(ratios.sourceLogDensityRatio)),
      mostSourceUnlikeTargetRows: Array(byRatio(ratios.targetLogDensityRatio)))
  }
}

/// The outcome of ``ShiftDetector/detect(source:target:featureNames:predictions:classWeights:using:)``.
public struct ShiftDetectionResult: Sendable, Equatable, Codable {
  /// What the tests say, in words a report can print.
  public enum Verdict: String, Sendable, Codable {
    case noShift = "no shift detected"
    /// The features moved, and there were no predictions to tell label from covariate shift
    /// (label shift moves the features too: `p(x) = Σ p(x|y)·q(y)`).
    case featureShift = "shift detected in the features"
    /// The features moved, and (when checked) still differ once the class proportions match.
    case covariateShift = "covariate shift detected"
    /// The predicted-class mix moved, and (when checked) matching the class proportions removes
    /// the difference in the features.
    case labelShift = "label shift detected"
    /// Features and predicted classes both moved and no class-proportion check was possible.
    case shift = "shift detected in the features and in the predicted classes"
  }

  /// One feature's two-sample test.
  public struct FeatureTest: Sendable, Equatable, Codable {
    /// The feature's column name.
    public var feature: String
    /// The KS distance.
    public var statistic: Double
    /// The test's p-value, before the correction across features.
    public var pValue: Double
    /// After the correction across features.
    public var adjustedPValue: Double
  }

  /// The bound on the verdict's false-positive rate (each family is tested at level/3).
  public var level: Double
  /// What the tests say.
  public var verdict: Verdict
  /// Per feature, most drifted first.
  public var features: [FeatureTest]
  /// The correction across features.
  public var correction: MultipleTesting
  /// The domain classifier's held-out AUC test.
  public var domain: DomainClassifierTest
  /// The predicted-class χ² test (nil without a model).
  public var predictions: ChiSquareTest?
  /// The domain classifier after resampling the source to the estimated target class
  /// proportions (nil unless label-shift weights were given and a shift was detected).
  public var labelMatchedDomain: DomainClassifierTest?
  /// Source row indices the domain classifier finds most target-like.
  public var mostTargetLikeSourceRows: [Int]
  /// Target row indices least like anything in the source.
  public var mostSourceUnlikeTargetRows: [Int]

  /// "verdict at α = 0.05".
  public var sentence: String { "\(verdict.rawValue) at α = \(level)" }
}
