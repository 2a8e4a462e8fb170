import Datasets
import Foundation
import Summaries

extension ShiftDetectionResult {
  /// One two-sample test of one column (its values, or its missing rate), or of one of a
  /// model's outputs, with an effect size beside the p-value: on large samples every p-value is
  /// tiny, and the effect size says how much moved.
  public struct FeatureTest: Sendable, Equatable, Codable {
    /// The column's name (for a model's output: `predicted class` or the class's probability).
    public var feature: String
    /// What was tested.
    public var type: Kind
    /// The test's name.
    public var test: String
    /// The test statistic: the KS distance, χ², or |z| (the observed count for Fisher's test).
    public var statistic: Double
    /// The test's p-value, before the correction across its family.
    public var pValue: Double
    /// After the correction across its family.
    public var adjustedPValue: Double
    /// How much the column moved, in [0, 1]: the KS distance (numeric), Cramér's V (categorical),
    /// the absolute difference of the missing rates.
    public var effectSize: Double
    /// The effect size's name.
    public var effectSizeName: String
    /// The column's share of missing cells in the source.
    public var missingRateSource: Double
    /// The same in the target.
    public var missingRateTarget: Double
    /// Target levels the source never had (categorical columns).
    public var unseenLevels: [String]
    /// How far the statistic can be from the exact one when the target's side came from a
    /// quantile sketch past its exact range (its ``QuantileSketch/rankErrorBound``); nil: exact.
    public var statisticErrorBound: Double? = nil

    /// What a test is about.
    public enum Kind: String, Sendable, Codable {
      /// A numeric column's values (KS).
      case numeric
      /// A categorical column's levels (χ²).
      case categorical
      /// A boolean column's levels (χ²).
      case boolean
      /// A column's missing rate (two proportions).
      case missingRate = "missing rate"
      /// A model's predicted classes (χ²).
      case predictedClass = "predicted class"
      /// A model's probability of one class (KS).
      case probability
    }
  }
}

/// The two-sample tests of one column of ``ColumnCells``: its present values (KS for a number,
/// χ² over the categories for a category) and, when either side has missing cells, its missing
/// rate; the target's side summarised (``ColumnSummary``: exact counts, and a sketch whose
/// error bound is the KS statistic's). Unadjusted: the detector corrects them as one family.
func columnTests(
  _ column: ColumnCells.Column, source: [Float], target: ColumnSummary, unseenLevels: [String]
) -> [ShiftDetectionResult.FeatureTest] {
  let sourcePresent = source.filter { !$0.isNaN }
  let missingSource = source.count - sourcePresent.count
  let (targetPresent, missingTarget) = (target.present, target.missing)
  let targetRows = targetPresent + missingTarget
  let rates = (
    source.isEmpty ? 0 : Double(missingSource) / Double(source.count),
    targetRows == 0 ? 0 : Double(missingTarget) / Double(targetRows)
  )
  func entry(
    _ type: ShiftDetectionResult.FeatureTest.Kind, _ test: String, statistic: Double, pValue: Double,
    effect: Double, _ effectName: String
  ) -> ShiftDetectionResult.FeatureTest {
    .init(
      feature: column.name, type: type, test: test, statistic: statistic, pValue: pValue, adjustedPValue: pValue,
      effectSize: effect, effectSizeName: effectName, missingRateSource: rates.0, missingRateTarget: rates.1,
      unseenLevels: unseenLevels)
  }
  var tests: [ShiftDetectionResult.FeatureTest] = []
  if !sourcePresent.isEmpty && targetPresent > 0 {
    switch target {
    case .numeric(let sketch):
      let ks = KolmogorovSmirnovTest(sourcePresent.map(Double.init), sketch)
      var test = entry(
        .numeric, "Kolmogorov–Smirnov", statistic: ks.statistic, pValue: ks.pValue, effect: ks.statistic,
        "KS distance")
      if sketch.rankErrorBound > 0 { test.statisticErrorBound = sketch.rankErrorBound }
      tests.append(test)
    case .categorical(let counts, _):
      let chi = ChiSquareTest(
        categoryCounts(sourcePresent, count: column.categories.count),
        counts.prefix(column.categories.count).map(Double.init))
      tests.append(
        entry(
          column.kind == .boolean ? .boolean : .categorical, "chi-squared", statistic: chi.statistic,
          pValue: chi.pValue, effect: chi.cramersV, "Cramér's V"))
    }
  }
  if missingSource + missingTarget > 0 {
    let test = TwoProportionTest(missingSource, of: source.count, missingTarget, of: targetRows)
    tests.append(
      entry(
        .missingRate, test.method.rawValue, statistic: test.statistic, pValue: test.pValue,
        effect: abs(test.firstRate - test.secondRate), "missing-rate difference"))
  }
  return tests
}

/// How many cells hold each category index below `count`.
func categoryCounts(_ cells: [Float], count: Int) -> [Double] {
  var counts = [Double](repeating: 0, count: count)
  for cell in cells where cell >= 0 && Int(cell) < count { counts[Int(cell)] += 1 }
  return counts
}
