import Datasets
import DomainClassifier
import Evaluation
import Foundation
import LinearAlgebra
import Summaries

/// Did the data shift, and how? Three families of tests, each at level α/3 so that the verdict's
/// false-positive rate is at most α (Bonferroni over the families):
///
/// - **features**: per column, a two-sample test of its values — Kolmogorov–Smirnov for a
///   number, Pearson's χ² over the levels for a category — and, when either side has missing
///   cells, a two-proportion test of its missing rate, all corrected together
///   (Benjamini–Hochberg by default); the family rejects when any adjusted p-value is ≤ α/3;
/// - **domain classifier**: the cross-fitted logistic-regression domain classifier's held-out
///   scores on the encoded features, tested fold by fold (``DomainClassifierTest``);
/// - **predictions**: Pearson's χ² on the classifier's predicted-class histograms of the source
///   holdout and the target, and with probabilities a KS test per class probability, corrected
///   together (needs a model or its outputs; it is the family that sees label shift first).
public struct ShiftDetector: Sendable {
  /// The verdict's false-positive rate bound.
  public var level: Double
  /// The correction within the feature and the prediction families.
  public var correction: MultipleTesting
  /// How many rows to list as most target-like / most unlike the source.
  public var listedRows: Int
  /// The domain classifier the domain family fits.
  public var domainClassifier = DomainClassifier()

  /// A detector at level α = 0.05 with Benjamini–Hochberg within families.
  public init(level: Double = 0.05, correction: MultipleTesting = .benjaminiHochberg, listedRows: Int = 10) {
    self.level = level
    self.correction = correction
    self.listedRows = listedRows
  }

  /// Tests `source` against `target` (encoded features, same columns, which the domain
  /// classifier reads). The column tests run on `columns` when given (the tables' cells, see
  /// ``ColumnCells``: the same rows, or more of them when the domain classifier reads a
  /// sample), else on each feature as a number. With `predictions` (a classifier's
  /// outputs on a labelled-source holdout it did not train on and on the target) the prediction
  /// family runs too.
  ///
  /// With `classWeights` (the source rows' labels and the estimated per-class weights q/p), a
  /// detected shift is also classified: a subsample of the source with the target's estimated
  /// class proportions is drawn and the domain classifier is run again. Under pure label shift
  /// p(x|y) is unchanged, so nothing is left to detect (label shift); if the resampled source
  /// still differs, p(x|y) changed too (covariate shift).
  ///
  /// `domainFit` is the domain classifier's fit to exactly `source` against `target`, when the
  /// caller made it already (for its density ratios); it is made otherwise.
  public func detect(
    source: Matrix, target: Matrix, featureNames: [String],
    columns: (source: ColumnCells, target: ColumnCells)? = nil,
    predictions: PredictionSample? = nil,
    classWeights: (sourceLabels: [Int], weights: [Double])? = nil,
    domainFit: DomainClassifierFit? = nil,
    using generator: inout some RandomNumberGenerator
  ) throws -> ShiftDetectionResult {
    guard source.columns == target.columns, featureNames.count == source.columns else {
      throw ShiftDetectionError.invalidInput("source, target and feature names must have the same columns")
    }
    guard level > 0, level < 1 else {
      throw ShiftDetectionError.invalidInput("the level must be in (0, 1), got \(level)")
    }
    let cells =
      columns ?? (ColumnCells(numeric: source, names: featureNames), ColumnCells(numeric: target, names: featureNames))
    guard cells.source.columns == cells.target.columns, columns != nil || cells.source.rowCount == source.rows else {
      throw ShiftDetectionError.invalidInput("the source's and the target's columns must match their features")
    }
    return try detect(
      source: source, sourceCells: cells.source, targetColumns: DetectionTarget.columnSummaries(of: cells.target),
      unseen: cells.target.unseen, domainTarget: target, domainTargetRows: nil, predictions: predictions,
      classWeights: classWeights, domainFit: domainFit, using: &generator)
  }

  /// Tests `source` (encoded features, and their cells `sourceCells`) against a target
  /// summarised in one pass (``DetectionTarget``): the column tests on its summaries (exact
  /// counts; KS statistics within the sketches' ``QuantileSketch/rankErrorBound``), the domain
  /// classifier on its sampled rows (all of them when they fit the sample). Otherwise as
  /// ``detect(source:target:featureNames:columns:predictions:classWeights:domainFit:using:)``
  /// (a `domainFit` must be of the target's sampled rows in ``BottomKSample/orderedRows()``
  /// order); the rows listed as least like the source are the target's row indices.
  public func detect(
    source: Matrix, sourceCells: ColumnCells, target: DetectionTarget, featureNames: [String],
    predictions: PredictionSample? = nil, classWeights: (sourceLabels: [Int], weights: [Double])? = nil,
    domainFit: DomainClassifierFit? = nil, using generator: inout some RandomNumberGenerator
  ) throws -> ShiftDetectionResult {
    let (rows, ordinals) = target.sample.orderedRows()
    guard source.columns == rows.columns, featureNames.count == source.columns,
      sourceCells.columns.count == target.columns.count
    else {
      throw ShiftDetectionError.invalidInput("source, target and feature names must have the same columns")
    }
    guard rows.rows > 0 else { throw ShiftDetectionError.invalidInput("the target has no rows") }
    return try detect(
      source: source, sourceCells: sourceCells, targetColumns: target.columns, unseen: target.unseen,
      domainTarget: rows, domainTargetRows: ordinals, predictions: predictions, classWeights: classWeights,
      domainFit: domainFit, using: &generator)
  }

  /// The detector on a target given by its column summaries and the rows the domain
  /// classifier reads (`domainTargetRows`: each one's row index in the target, nil: the
  /// target itself).
  private func detect(
    source: Matrix, sourceCells: ColumnCells, targetColumns: [ColumnSummary], unseen: [EncodedFeatures.Unseen],
    domainTarget target: Matrix, domainTargetRows: [Int]?, predictions: PredictionSample?,
    classWeights: (sourceLabels: [Int], weights: [Double])?, domainFit: DomainClassifierFit?,
    using generator: inout some RandomNumberGenerator
  ) throws -> ShiftDetectionResult {
    guard level > 0, level < 1 else {
      throw ShiftDetectionError.invalidInput("the level must be in (0, 1), got \(level)")
    }
    let familyLevel = level / 3

    let features = try columnTests(source: sourceCells, target: targetColumns, unseen: unseen)

    let ratios = try domainFit ?? domainClassifier.fit(source: source, target: target, using: &generator)
    guard ratios.sourceLogDensityRatio.count == source.rows, ratios.targetLogDensityRatio.count == target.rows else {
      throw ShiftDetectionError.invalidInput("the domain classifier's fit is not of these source and target rows")
    }
    let domain = DomainClassifierTest(ratios)
    let byRatio = { (values: [Double]) in values.indices.sorted { values[$0] > values[$1] }.prefix(self.listedRows) }

    var predictionTest: ChiSquareTest? = nil
    var predictionTests: [ShiftDetectionResult.FeatureTest] = []
    if let predictions {
      try predictions.validate()
      let test = ChiSquareTest(
        classCounts(predictions.holdoutClasses, classCount: predictions.classNames.count).map(Double.init),
        predictions.targetCounts.map(Double.init))
      predictionTest = test
      predictionTests = adjusted(try predictions.tests(classes: test))
    }

    let featureShift = (features.map(\.adjustedPValue).min() ?? 1) <= familyLevel
    let domainShift = domain.pValue <= familyLevel
    let predictionShift = (predictionTests.map(\.adjustedPValue).min() ?? 1) <= familyLevel
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
          // The same features and scale: the penalty chosen for the first fit serves the second.
          var classifier = domainClassifier
          classifier.inverseRegularization = ratios.solver.inverseRegularization
          let matched = try classifier.fit(source: source.rows(at: rows), target: target, using: &generator)
          let test = DomainClassifierTest(matched)
          residual = test
          verdict = test.pValue <= familyLevel ? .covariateShift : .labelShift
        }
      }
    }
    return ShiftDetectionResult(
      level: level, verdict: verdict, features: features, correction: correction, domain: domain,
      predictions: predictionTest, predictionTests: predictionTests, labelMatchedDomain: residual,
      mostTargetLikeSourceRows: Array(byRatio(ratios.sourceLogDensityRatio)),
      mostSourceUnlikeTargetRows: byRatio(ratios.targetLogDensityRatio).map { domainTargetRows?[$0] ?? $0 })
  }

  /// The feature family alone (no domain classifier, cheap enough for every chunk of a stream):
  /// per column its value test and, with missing cells, its missing-rate test, adjusted by the
  /// correction, largest effect first.
  public func columnTests(source: ColumnCells, target: ColumnCells) throws -> [ShiftDetectionResult.FeatureTest] {
    guard source.columns == target.columns else {
      throw ShiftDetectionError.invalidInput("the source's and the target's columns differ")
    }
    return try columnTests(source: source, target: DetectionTarget.columnSummaries(of: target), unseen: target.unseen)
  }

  /// The feature family against a target's column summaries (from ``DetectionTarget``).
  public func columnTests(
    source: ColumnCells, target: [ColumnSummary], unseen: [EncodedFeatures.Unseen]
  ) throws -> [ShiftDetectionResult.FeatureTest] {
    guard source.columns.count == target.count else {
      throw ShiftDetectionError.invalidInput("the source's and the target's columns differ")
    }
    var tests: [ShiftDetectionResult.FeatureTest] = []
    for (index, column) in source.columns.enumerated() {
      let levels = unseen.first { $0.column == column.name }?.levels ?? []
      tests += ShiftDetection.columnTests(
        column, source: source.values(ofColumn: index), target: target[index], unseenLevels: levels)
    }
    return adjusted(tests)
  }

  /// `tests` with their p-values adjusted by the correction, largest effect first.
  private func adjusted(_ tests: [ShiftDetectionResult.FeatureTest]) -> [ShiftDetectionResult.FeatureTest] {
    var tests = tests
    for (index, value) in correction.adjusted(tests.map(\.pValue)).enumerated() { tests[index].adjustedPValue = value }
    return tests.sorted { ($0.effectSize, $1.feature) > ($1.effectSize, $0.feature) }
  }
}

/// The outcome of ``ShiftDetector/detect(source:target:featureNames:columns:predictions:classWeights:domainFit:using:)``.
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

  /// The bound on the verdict's false-positive rate (each family is tested at level/3).
  public var level: Double
  /// What the tests say.
  public var verdict: Verdict
  /// Per column its value test and (with missing cells) its missing-rate test, largest effect first.
  public var features: [FeatureTest]
  /// The correction within families.
  public var correction: MultipleTesting
  /// The domain classifier's held-out AUC test.
  public var domain: DomainClassifierTest
  /// The predicted-class χ² test (nil without a model).
  public var predictions: ChiSquareTest?
  /// The prediction family, corrected together: the predicted-class χ² and, with probabilities,
  /// a KS test per class probability (empty without a model).
  public var predictionTests: [FeatureTest] = []
  /// The domain classifier after resampling the source to the estimated target class
  /// proportions (nil unless label-shift weights were given and a shift was detected).
  public var labelMatchedDomain: DomainClassifierTest?
  /// Source row indices the domain classifier finds most target-like.
  public var mostTargetLikeSourceRows: [Int]
  /// Target row indices least like anything in the source.
  public var mostSourceUnlikeTargetRows: [Int]

  /// "verdict at α = 0.05".
  public var sentence: String { "\(verdict.rawValue) at α = \(level)" }

  /// The widest ``FeatureTest/statisticErrorBound`` of the tests (nil when every one is exact):
  /// how far a KS distance from a sketched target can be from the exact one.
  public var sketchErrorBound: Double? { (features + predictionTests).compactMap(\.statisticErrorBound).max() }

  /// A sentence saying which statistics came from sketches and within what, or nil.
  public var sketchNote: String? {
    sketchErrorBound.map {
      String(
        format:
          "KS distances of numeric columns were computed against the target's quantile sketches: each is within %.2g of the exact distance (the sketches' rank-error bound); counts, missing rates and χ² tests are exact.",
        $0)
    }
  }
}
