import Datasets
import Foundation
import LinearAlgebra
import RealModule
import Summaries
import Testing

@testable import ShiftDetection

/// Reference values computed with SciPy 1.17 (`scipy.stats`), quoted to full precision.
@Suite struct StatisticalTestTests {
  @Test func kolmogorovDistributionMatchesKnownValues() {
    // scipy.stats.kstwobign.sf(λ)
    let known: [(Double, Double)] = [
      (0.5, 0.9639452436648751), (1.0, 0.26999967167735456), (1.3580986393225505, 0.05), (2.0, 0.0006709252557796953),
    ]
    for (lambda, survival) in known {
      #expect(
        KolmogorovSmirnovTest.kolmogorovSurvival(lambda).isApproximatelyEqual(to: survival, absoluteTolerance: 1e-12))
    }
    #expect(KolmogorovSmirnovTest.kolmogorovSurvival(0) == 1)
  }

  @Test func twoSampleKSMatchesSciPy() {
    let a = [
      0.61, 0.29, 0.06, 0.59, -1.73, -0.74, 0.51, -0.56, 0.39, 1.64, 0.05, -0.06, 0.64, -0.82, 0.37, 1.77, 1.09, -1.28,
      2.36, 1.31, 1.05, -0.32, -0.4, 1.06, -2.47,
    ]
    let b = [
      2.2, 1.66, 1.38, 0.2, 1.36, 0.0, 0.0, 1.51, 0.09, 1.03, -0.6, 0.57, 0.97, 1.05, 2.31, 0.49, 1.21, 1.92, 0.27,
      0.41, 0.2, 1.75, 2.11, 1.05, 0.13, 1.06, 0.68,
    ]
    let test = KolmogorovSmirnovTest(a, b)
    // D from scipy.stats.ks_2samp; p = kstwobign.sf((√nₑ + 0.12 + 0.11/√nₑ)·D). SciPy's own
    // asymptotic p (0.0940, from the exact one-sample law at round(nₑ)) agrees to 0.001.
    #expect(test.statistic.isApproximatelyEqual(to: 0.3288888888888889, absoluteTolerance: 1e-12))
    #expect(test.pValue.isApproximatelyEqual(to: 0.09491963487666796, absoluteTolerance: 1e-10))
    #expect(test.pValue.isApproximatelyEqual(to: 0.09396159949251948, absoluteTolerance: 0.002))
    // With ties: D = 0.482 (scipy), p = 0.2523 by the same formula.
    let tied = KolmogorovSmirnovTest([1, 2, 2, 3, 3, 3, 4], [2, 3, 3, 4, 4, 5, 5, 5])
    #expect(tied.statistic.isApproximatelyEqual(to: 0.4821428571428571, absoluteTolerance: 1e-12))
    #expect(tied.pValue.isApproximatelyEqual(to: 0.2523286150431562, absoluteTolerance: 1e-10))
  }

  @Test func chiSquareMatchesSciPy() {
    // scipy.stats.chi2_contingency([[120, 90, 40], [110, 95, 105]], correction=False)
    let test = ChiSquareTest([120, 90, 40], [110, 95, 105])
    #expect(test.statistic.isApproximatelyEqual(to: 23.549617344771388, absoluteTolerance: 1e-9))
    #expect(test.degreesOfFreedom == 2)
    #expect(test.pValue.isApproximatelyEqual(to: 7.696009021373274e-06, absoluteTolerance: 1e-15))
    // Categories empty in both samples do not count.
    #expect(ChiSquareTest([120, 0, 90, 40], [110, 0, 95, 105]).degreesOfFreedom == 2)
    #expect(ChiSquareTest([5, 5], [5, 5]).pValue == 1)
  }

  /// Benjamini & Hochberg (1995), §4.1: 15 p-values; at q = 0.05 the four smallest are rejected
  /// (Bonferroni rejects three).
  @Test func benjaminiHochbergOnTheTextbookExample() {
    let p = [
      0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590,
      1.0,
    ]
    let adjusted = MultipleTesting.benjaminiHochberg.adjusted(p)
    #expect(adjusted.filter { $0 <= 0.05 }.count == 4)
    #expect(adjusted[3].isApproximatelyEqual(to: 0.0095 * 15 / 4, absoluteTolerance: 1e-12))
    #expect(adjusted == adjusted.sorted())  // monotone in p
    #expect(MultipleTesting.bonferroni.adjusted(p).filter { $0 <= 0.05 }.count == 3)
    // Order of input is kept.
    let shuffled = MultipleTesting.benjaminiHochberg.adjusted([p[4], p[0]] + p[5...] + p[1...3])
    #expect(shuffled[1] == adjusted[0] && shuffled[0] == adjusted[4])
  }
}

@Suite struct DomainClassifierTestTests {
  /// scipy.stats.mannwhitneyu(target, source, alternative="greater", method="asymptotic",
  /// use_continuity=False): U/(n₁n₂) = 0.875, p = 0.0073639005482384725 (with the tie at 0.6).
  @Test func matchesSciPysMannWhitney() {
    let target = [0.9, 0.8, 0.75, 0.6, 0.6, 0.3, 0.55, 0.7]
    let source = [0.5, 0.4, 0.6, 0.2, 0.1, 0.35, 0.45]
    let test = DomainClassifierTest(
      scores: target + source, isTarget: [Bool](repeating: true, count: 8) + [Bool](repeating: false, count: 7))
    #expect(test.auc.isApproximatelyEqual(to: 0.875, absoluteTolerance: 1e-12))
    #expect(test.pValue.isApproximatelyEqual(to: 0.0073639005482384725, absoluteTolerance: 1e-12))
  }

  @Test func chanceScoresAreNotSignificant() {
    let test = DomainClassifierTest(scores: [1, 2, 3, 4], isTarget: [true, false, false, true])
    #expect(test.auc == 0.5 && test.pValue == 0.5)
    #expect(DomainClassifierTest(scores: [1, 2], isTarget: [true, true]).pValue == 1)
  }
}

/// The KS test against a summarised target: exact while the sketch is, and within the sketch's
/// stated bound of the exact statistic once it compacts.
@Suite struct SketchedKolmogorovSmirnovTests {
  @Test func theStatisticIsWithinTheSketchBound() {
    var generator = SplitMix64(seed: 11)
    let source = (0..<2000).map { _ in generator.standardNormal() }
    for shift in [0.0, 0.1, 0.5] {
      let target = (0..<60_000).map { _ in Float(generator.standardNormal() + shift) }
      let exact = KolmogorovSmirnovTest(source, target.map(Double.init))
      var sketch = QuantileSketch(capacity: 512)
      sketch.add(contentsOf: target)
      #expect(!sketch.isExact)
      let sketched = KolmogorovSmirnovTest(source, sketch)
      #expect(abs(sketched.statistic - exact.statistic) <= sketch.rankErrorBound, "shift \(shift)")
      let whole = KolmogorovSmirnovTest(source, QuantileSketch(exactly: target))
      #expect(whole == exact)
    }
  }
}

/// The detector on a summarised target says which KS distances came from a compacted sketch and
/// within what; an exact summary says nothing.
@Suite struct SketchedDetectionTests {
  @Test func aCompactedSketchStatesItsBound() throws {
    var generator = SplitMix64(seed: 5)
    func rows(_ count: Int, shift: Float) -> Matrix {
      var matrix = Matrix(rows: count, columns: 2)
      for i in 0..<count {
        matrix[i, 0] = Float(generator.standardNormal()) + shift
        matrix[i, 1] = Float(generator.standardNormal())
      }
      return matrix
    }
    let source = rows(800, shift: 0)
    let target = rows(9_000, shift: 0.2)
    let names = ["moved", "still"]
    let sourceCells = ColumnCells(numeric: source, names: names)
    let targetCells = ColumnCells(numeric: target, names: names)
    var sketched = DetectionTarget(columns: targetCells.columns, featureCount: 2, domainRows: 500, sketchCapacity: 256)
    sketched.add(cells: targetCells, firstRow: 0) { target.rows(at: $0) }
    let detector = ShiftDetector(level: 0.05)
    var seeds = SplitMix64(seed: 1)
    let fromSketch = try detector.detect(
      source: source, sourceCells: sourceCells, target: sketched, featureNames: names, using: &seeds)
    let bound = try #require(fromSketch.sketchErrorBound)
    guard case .numeric(let sketch) = sketched.columns[0] else {
      Issue.record("not a sketch")
      return
    }
    #expect(bound == sketch.rankErrorBound && bound > 0)
    #expect(fromSketch.features.allSatisfy { $0.statisticErrorBound == bound })
    #expect(fromSketch.sketchNote?.contains(String(format: "%.2g", bound)) == true)
    // Every statistic within its bound of the exact one.
    let exact = try detector.detect(
      source: source, sourceCells: sourceCells, target: DetectionTarget(cells: targetCells, features: target),
      featureNames: names, using: &seeds)
    #expect(exact.sketchErrorBound == nil && exact.sketchNote == nil)
    for feature in names {
      let (a, b) = (
        try #require(fromSketch.features.first { $0.feature == feature }),
        try #require(exact.features.first { $0.feature == feature })
      )
      #expect(abs(a.statistic - b.statistic) <= bound, "\(feature)")
    }
  }
}
