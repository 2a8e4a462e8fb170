import Datasets
import DomainClassifier
import Foundation
import LinearAlgebra
import RealModule
import ShiftTestFixtures
import Testing

@testable import ShiftDetection

/// Column-wise detection on mixed tables, against simulated shifts whose size is known, and the
/// statistics it is made of against SciPy (`scipy.stats`, 1.17).
@Suite struct MixedDetectionTests {
  @Test func twoProportionTestsMatchSciPy() {
    // 30/100 vs 50/100: the pooled z-test (statsmodels' proportions_ztest gives the same).
    let z = TwoProportionTest(30, of: 100, 50, of: 100)
    #expect(z.method == .z)
    #expect(z.statistic.isApproximatelyEqual(to: 2.886751345948129, relativeTolerance: 1e-12))
    #expect(z.pValue.isApproximatelyEqual(to: 0.003892417122778628, relativeTolerance: 1e-9))
    // Small counts: Fisher's exact test, scipy.stats.fisher_exact.
    let fisher = TwoProportionTest(8, of: 10, 1, of: 6)
    #expect(fisher.method == .fisherExact)
    #expect(fisher.pValue.isApproximatelyEqual(to: 0.034965034965034975, relativeTolerance: 1e-9))
    #expect(
      TwoProportionTest(2, of: 172, 0, of: 172).pValue.isApproximatelyEqual(
        to: 0.49854227405247814, relativeTolerance: 1e-9))
    #expect(TwoProportionTest(0, of: 50, 0, of: 60).pValue == 1)
  }

  @Test func cramersVIsZeroForProportionalAndOneForDisjointHistograms() {
    #expect(ChiSquareTest([10, 20, 30], [20, 40, 60]).cramersV.isApproximatelyEqual(to: 0, absoluteTolerance: 1e-12))
    #expect(ChiSquareTest([10, 0], [0, 25]).cramersV.isApproximatelyEqual(to: 1, absoluteTolerance: 1e-12))
    // scipy.stats.contingency.association([[30, 10], [10, 30]], method="cramer") = 0.5
    #expect(ChiSquareTest([30, 10], [10, 30]).cramersV.isApproximatelyEqual(to: 0.5, absoluteTolerance: 1e-12))
  }

  /// Fold-level offsets with unequal target shares per fold: pooled, the scores separate the
  /// domains (the AUC is far from ½); within each fold they are exchangeable, and the
  /// stratified test sees no shift.
  @Test func theDomainTestComparesScoresWithinFolds() {
    var generator = SplitMix64(seed: 3)
    var scores: [Double] = []
    var isTarget: [Bool] = []
    var strata: [Int] = []
    for (fold, (sources, targets, offset)) in [(100, 300, 5.0), (300, 100, 0.0)].enumerated() {
      for row in 0..<(sources + targets) {
        scores.append(offset + Double.random(in: 0..<1, using: &generator))
        isTarget.append(row >= sources)
        strata.append(fold)
      }
    }
    let pooled = DomainClassifierTest(scores: scores, isTarget: isTarget)
    let stratified = DomainClassifierTest(scores: scores, isTarget: isTarget, strata: strata)
    #expect(pooled.pValue < 1e-20)
    #expect(stratified.auc == pooled.auc)
    #expect(stratified.pValue > 0.01)
  }

  /// 200 exact no-shift splits of correlated Gaussian data through the cross-fitted domain
  /// classifier: at level 0.05 the count of rejections is Binomial(200, 0.05) (mean 10, sd 3.1)
  /// if the test holds its level, and above 18 with probability 0.007; without the
  /// cross-fitting variance factor the level was three to four times too high (30–40).
  @Test func theDomainTestHoldsItsLevelUnderCrossFitting() throws {
    var rejections = 0
    for repetition in 0..<200 {
      var generator = SplitMix64(seed: UInt64(400 + repetition))
      let rows = 600
      var storage = [Float](repeating: 0, count: rows * 6)
      for row in 0..<rows {
        let shared = generator.standardNormal()
        for column in 0..<6 { storage[row * 6 + column] = Float(shared + generator.standardNormal()) }
      }
      let all = Matrix(rows: rows, columns: 6, storage: storage)
      let fit = try DomainClassifier().fit(
        source: all.rows(at: Array(0..<400)), target: all.rows(at: Array(400..<rows)), using: &generator)
      if DomainClassifierTest(fit).pValue <= 0.05 { rejections += 1 }
    }
    #expect(rejections <= 18)
    #expect(rejections >= 2)  // not degenerate: a level-0.05 test rejects sometimes
  }

  /// A simulated mixed table, 2 000 rows per side, each column with a known shift (or none):
  /// the detector flags exactly the shifted ones, with effect sizes within about three standard
  /// errors of their population values.
  @Test func mixedTableShiftsAreFlaggedWithTheirEffectSizes() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mixed-detection-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    var generator = SplitMix64(seed: 11)
    let source = directory.appendingPathComponent("source.csv").path
    let target = directory.appendingPathComponent("target.csv").path
    try SimulatedMixedTable.csv(rows: 2000, shifted: false, using: &generator).write(
      toFile: source, atomically: true, encoding: .utf8)
    try SimulatedMixedTable.csv(rows: 2000, shifted: true, using: &generator).write(
      toFile: target, atomically: true, encoding: .utf8)

    let sourceTable = try MixedTable(contentsOf: source, options: SchemaOptions(label: "y", labelRequired: false))
    let encoding = TableEncoding(fittedTo: sourceTable)
    let targetTable = try MixedTable(contentsOf: target, schema: encoding.schema)
    let sourceCells = try encoding.cells(of: sourceTable)
    let targetCells = try encoding.cells(of: targetTable)
    // The cells recovered from the source's features are the source's cells.
    let sourceFeatures = encoding.encoder.expand(sourceCells.cells)
    let recovered = try encoding.cells(ofEncoded: sourceFeatures)
    #expect(zip(recovered.cells.storage, sourceCells.cells.storage).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })

    let detection = try ShiftDetector().detect(
      source: sourceFeatures, target: encoding.encoder.expand(targetCells.cells), featureNames: encoding.featureNames,
      columns: (sourceCells, targetCells), using: &generator)
    func test(_ column: String, _ type: ShiftDetectionResult.FeatureTest.Kind) throws
      -> ShiftDetectionResult.FeatureTest
    {
      try #require(detection.features.first { $0.feature == column && $0.type == type })
    }
    let family = detection.level / 3
    // channel: (0.5, 0.3, 0.2) → (0.2, 0.3, 0.5): V = 0.3586 for equal sides (sd ≈ 0.016).
    let channel = try test("channel", .categorical)
    #expect(channel.adjustedPValue <= family)
    #expect(
      abs(
        channel.effectSize
          - SimulatedMixedTable.cramersV(
            SimulatedMixedTable.channelShares.source, SimulatedMixedTable.channelShares.target, sourceShare: 0.5))
        < 0.05)
    // income's missing rate 5 % → 20 % (sd of the difference ≈ 0.010).
    let incomeMissing = try test("income", .missingRate)
    #expect(incomeMissing.adjustedPValue <= family)
    #expect(abs(incomeMissing.effectSize - SimulatedMixedTable.incomeMissingRateDifference) < 0.03)
    #expect(abs(incomeMissing.missingRateSource - 0.05) < 0.02 && abs(incomeMissing.missingRateTarget - 0.2) < 0.03)
    // age: N(40, 10) → N(45, 10): KS distance 2Φ(0.25) − 1 = 0.1974 (sd ≈ 0.012).
    let age = try test("age", .numeric)
    #expect(age.adjustedPValue <= family)
    #expect(abs(age.effectSize - SimulatedMixedTable.ageKSDistance) < 0.04)
    // region gains a level the source never had in 3 % of the target rows: V = 0.1234 (sd ≈ 0.016).
    let region = try test("region", .categorical)
    #expect(region.unseenLevels == ["atlantis"])
    let regionV = SimulatedMixedTable.cramersV(
      SimulatedMixedTable.regionShares.source, SimulatedMixedTable.regionShares.target, sourceShare: 0.5)
    #expect(abs(region.effectSize - regionV) < 0.04)
    #expect(region.adjustedPValue <= family)
    // Unshifted: income's values, member, and region's missing rate (never missing).
    #expect(try test("income", .numeric).adjustedPValue > family)
    #expect(try test("member", .boolean).adjustedPValue > family)
    #expect(!detection.features.contains { $0.feature == "region" && $0.type == .missingRate })
    #expect(detection.verdict == .featureShift)
  }
}
