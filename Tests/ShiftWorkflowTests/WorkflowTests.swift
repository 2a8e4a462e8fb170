import Datasets
import Foundation
import LinearAlgebra
import NeuralNetwork
import RealModule
import ShiftEstimation
import ShiftTestFixtures
import Summaries
import Testing

@testable import ShiftWorkflow

@Suite struct LabelShiftWorkflowTests {
  /// With the user's model the workflow is exactly the estimator on that model's logits: the
  /// whole source is the holdout, one fold, no training.
  @Test func withAModelItIsTheEstimatorOnTheModelsLogits() throws {
    let setting = Fixtures.labelSetting
    let holdout = Dataset(
      features: Fixtures.labelHoldoutFeatures, labels: setting.holdoutLabels, classes: setting.classifier.classes)
    let target = Fixtures.poolFeatures.rows(at: 0..<1500)
    var first = SplitMix64(seed: 3)
    let analysis = try LabelShiftWorkflow(
      holdout: .model(setting.classifier), estimator: LabelShiftEstimator(method: .emBCTS),
      bootstrap: LabelShiftBootstrap(replicates: 5)
    ).run(source: holdout, targetFeatures: target, using: &first)
    var second = SplitMix64(seed: 3)
    let targetLogits = try setting.classifier.logits(for: target)
    // The workflow keys the target's rows by their features (so that several models' samples agree).
    var summary = PredictionSummary(classCount: targetLogits.columns, sampleCapacity: 1500)
    summary.add(logits: targetLogits, firstOrdinal: 0, keys: StableHash.hashes(ofRows: target))
    let problem = try LabelShiftProblem(
      holdoutLogits: setting.classifier.logits(for: holdout.features), holdoutLabels: holdout.labels,
      target: summary, sourcePrior: holdout.classPriors)
    let estimate = try LabelShiftEstimator(method: .emBCTS).estimate(problem, using: &second)
    let intervals = try LabelShiftBootstrap(replicates: 5).intervals(for: .emBCTS, on: problem, using: &second)
    #expect(analysis.estimate == estimate)
    #expect(analysis.intervals == intervals)
    // The rows in file order instead of the sample's key order: the same prior within rounding.
    var third = SplitMix64(seed: 3)
    let inOrder = try LabelShiftEstimator(method: .emBCTS).estimate(
      LabelShiftProblem(
        holdoutLogits: problem.holdoutLogits, holdoutLabels: holdout.labels, targetLogits: targetLogits,
        sourcePrior: holdout.classPriors), using: &third)
    for (a, b) in zip(inOrder.targetPrior, estimate.targetPrior) { #expect(abs(a - b) < 1e-12) }
    #expect(analysis.folds == 1 && analysis.heldOutRows == holdout.count && analysis.targetRows == 1500)
    #expect(analysis.holdoutAccuracy.isApproximatelyEqual(to: problem.holdoutAccuracy, absoluteTolerance: 1e-12))
  }

  /// A target streamed in batches is the target read whole, as long as it fits the sample;
  /// beyond it the counts still cover every row and EM runs on the sampled rows.
  @Test func aStreamedTargetIsTheWholeTarget() throws {
    let setting = Fixtures.labelSetting
    let holdout = Dataset(
      features: Fixtures.labelHoldoutFeatures, labels: setting.holdoutLabels, classes: setting.classifier.classes)
    let target = Fixtures.poolFeatures.rows(at: 0..<1500)
    let workflow = LabelShiftWorkflow(
      holdout: .model(setting.classifier), estimator: LabelShiftEstimator(),
      bootstrap: LabelShiftBootstrap(replicates: 5))
    var first = SplitMix64(seed: 4)
    let whole = try workflow.run(source: holdout, targetFeatures: target, using: &first)
    func streamed(capacity: Int) throws -> LabelShiftAnalysis {
      var start = 0
      var generator = SplitMix64(seed: 4)
      return try workflow.run(
        source: holdout,
        targetBatches: {
          guard start < target.rows else { return nil }
          defer { start += 97 }
          return target.rows(at: start..<min(start + 97, target.rows))
        }, sampleCapacity: capacity, using: &generator)
    }
    #expect(try streamed(capacity: 1500) == whole)
    // A sample of 500 of the 1 500 rows: BBSE's counts are every row's; EM's prior is within
    // sampling error of the whole's (its standard error with 500 rows is at most √(q(1−q)/500) ≈ 0.01).
    let sampled = try streamed(capacity: 500)
    #expect(sampled.targetRows == 1500)
    let counted = try LabelShiftWorkflow(
      holdout: .model(setting.classifier), estimator: LabelShiftEstimator(method: .bbseHard))
    var a = SplitMix64(seed: 5)
    var b = SplitMix64(seed: 5)
    var start = 0
    let wholeCounts = try counted.run(source: holdout, targetFeatures: target, using: &a)
    let streamedCounts = try counted.run(
      source: holdout,
      targetBatches: {
        guard start < target.rows else { return nil }
        defer { start += 500 }
        return target.rows(at: start..<start + 500)
      }, sampleCapacity: 100, using: &b)
    for (x, y) in zip(wholeCounts.estimate.targetPrior, streamedCounts.estimate.targetPrior) {
      #expect(abs(x - y) < 1e-12)
    }
    for (x, y) in zip(whole.estimate.targetPrior, sampled.estimate.targetPrior) { #expect(abs(x - y) < 0.03) }
  }

  @Test func aModelWithOtherClassesIsRefused() throws {
    let setting = Fixtures.labelSetting
    let other = Dataset(
      features: Matrix(rows: 2, columns: 16), labels: [0, 1], classes: ClassIndex(orderedNames: ["A", "B"]))
    var generator = SplitMix64(seed: 1)
    #expect(throws: ShiftEstimationError.self) {
      try LabelShiftWorkflow(holdout: .model(setting.classifier)).run(
        source: other, targetFeatures: Matrix(rows: 5, columns: 16), using: &generator)
    }
  }

  /// Cross-fitted and split holdouts on a known tweak-one shift (letter E at 40 % of 3 000
  /// target rows): both recover the tweaked share. Its sampling standard error is
  /// √(0.4·0.6/3000) ≈ 0.009; 0.05 leaves room for a small, briefly trained base model.
  @Test(arguments: [LabelShiftWorkflow.Holdout.crossFitted(folds: 2), .split(share: 0.3)])
  func recoversATweakedClassShare(holdout: LabelShiftWorkflow.Holdout) throws {
    var generator = SplitMix64(seed: 8)
    let letters = Fixtures.letters
    let e = try #require(letters.classes.index(of: "E"))
    let shift = try SimulatedShift(
      data: letters, kind: .tweakOne(classIndex: e, share: 0.4), targetSize: 3000, sourceSize: 5000, using: &generator)
    var messages: [String] = []
    let analysis = try LabelShiftWorkflow(
      holdout: holdout, training: ClassifierTraining(hiddenSizes: [64], epochs: 15),
      estimator: LabelShiftEstimator(method: .bbseHard)
    ).run(source: shift.source, targetFeatures: shift.target.features, using: &generator) { messages.append($0) }
    #expect(analysis.estimate.targetPrior[e].isApproximatelyEqual(to: 0.4, absoluteTolerance: 0.05))
    #expect(messages.last == "estimating with bbse-hard…")
  }
}

/// The default estimator on data and a shift the quantification benchmark never saw: Palmer
/// penguins (a mixed table, `NA` cells, 3 species), a target whose prior reverses the source's
/// class order (the rarest species becomes the most common), drawn from the other half of each
/// species.
///
/// Tolerance: the species are nearly separable (held-out accuracy ≈ 0.98), so the estimate is
/// the target's own shares plus the holdout's noise in the confusion and calibration (172
/// labelled rows: a few hundredths at most per class); 0.04 per class is two such errors, while
/// the source prior — what an estimator that saw no shift returns — misses by 0.2 or more.
@Suite struct OutOfGridLabelShiftTests {
  /// Palmer penguins (a mixed table with missing cells, 3 species) split in two halves of the
  /// same class shares, stratified: a source and a pool to draw targets from.
  static func penguins(using generator: inout SplitMix64) throws -> (source: Dataset, pool: Dataset) {
    let file = URL(fileURLWithPath: Fixtures.letterFile).deletingLastPathComponent()
      .appendingPathComponent("penguins.csv").path
    let table = try MixedTable(contentsOf: file, options: SchemaOptions(label: "species"))
    let encoding = TableEncoding(fittedTo: table)
    let classes = try table.classIndex()
    let data = Dataset(
      features: encoding.encoder.expand(try encoding.cells(of: table).cells),
      labels: try classes.indices(of: table.labels ?? [], file: file, lines: table.rowLines), classes: classes)
    var (sourceRows, poolRows) = ([Int](), [Int]())
    for var rows in rowIndicesByClass(data.labels, classCount: classes.count) {
      rows.fisherYatesShuffle(using: &generator)
      sourceRows += rows[..<(rows.count / 2)]
      poolRows += rows[(rows.count / 2)...]
    }
    return (data.subset(sourceRows), data.subset(poolRows))
  }

  /// No shift, five cross-fitted models: every method, on the pooled problem (the holdout
  /// scored by single models, the target by their ensemble), finds the target's own shares.
  /// The models classify penguins almost without error, so what is left is any mismatch
  /// between single models and their ensemble (a bias every target row would share): 0.03 per
  /// class is 5 of the 172 rows.
  @Test func everyMethodFindsNoShiftOnTheEnsemble() throws {
    var generator = SplitMix64(seed: 32)
    let (source, pool) = try Self.penguins(using: &generator)
    let models = try HeldOutClassifiers(
      crossFitting: source, folds: 5, training: ClassifierTraining(hiddenSizes: [32], epochs: 40), using: &generator)
    let problem = try models.problem(forTarget: pool.features)
    for method in LabelShiftMethod.concrete {
      let estimate = try LabelShiftEstimator(method: method).estimate(problem, using: &generator)
      for (estimated, truth) in zip(estimate.targetPrior, pool.classPriors) {
        #expect(abs(estimated - truth) < 0.03, "\(method.rawValue)")
      }
    }
  }

  @Test func theDefaultRecoversAReversedPriorOnPenguins() throws {
    var generator = SplitMix64(seed: 31)
    let (source, pool) = try Self.penguins(using: &generator)
    let classes = source.classes
    // The source's class order reversed: the largest share goes to the rarest class.
    let order = source.classPriors.indices.sorted { source.classPriors[$0] < source.classPriors[$1] }
    var prior = [Double](repeating: 0, count: classes.count)
    for (rank, j) in order.enumerated() { prior[j] = source.classPriors.sorted(by: >)[rank] }
    let rows = try LabelShiftSimulation.sample(labels: pool.labels, prior: prior, count: 400, using: &generator)
    let shares = classShares(rows.map { pool.labels[$0] }, classCount: classes.count)
    let analysis = try LabelShiftWorkflow().run(
      source: source, targetFeatures: pool.features.rows(at: rows), using: &generator)
    for (estimate, truth) in zip(analysis.estimate.targetPrior, shares) {
      #expect(abs(estimate - truth) < 0.04)
    }
    #expect(zip(source.classPriors, shares).contains { abs($0 - $1) >= 0.2 })
  }
}

@Suite struct CorrectionWorkflowTests {
  /// Known truth: a Dirichlet label shift is called label shift and prior-corrected; a random
  /// sample of the same pool is called no shift and left alone (the verdict's false-positive
  /// rate is at most 5 %, so the seeded control is a regression check, not a test of the level).
  @Test func tellsLabelShiftFromNoShiftAndCorrectsOnlyTheShift() throws {
    var generator = SplitMix64(seed: 12)
    let letters = Fixtures.letters
    let workflow = CorrectionWorkflow(
      training: ClassifierTraining(hiddenSizes: [64], epochs: 20), metricReplicates: 20, performanceReplicates: 10)
    let shifted = try SimulatedShift(
      data: letters, kind: .dirichlet(concentration: 1), targetSize: 1500, sourceSize: 4000, using: &generator)
    let label = try workflow.analyze(
      source: shifted.source, targetFeatures: shifted.target.features, targetLabels: shifted.target.labels,
      using: &generator)
    #expect(label.detection.verdict == .labelShift && label.applied == .label)
    let estimate = try #require(label.labelShift)
    let truth = LabelShiftWeights(
      targetPrior: try #require(shifted.targetPrior), sourcePrior: shifted.source.classPriors)
    #expect(estimate.priors.meanSquaredError(against: truth) < 0.1)
    let before = try #require(label.before)
    let after = try #require(label.after)
    #expect(after.accuracy >= before.accuracy - 0.005)
    #expect(label.performanceEstimates.count == 4 && label.targetLabelPrior == shifted.target.classPriors)

    let control = try SimulatedShift(data: letters, kind: .none, targetSize: 1500, sourceSize: 4000, using: &generator)
    let none = try workflow.analyze(
      source: control.source, targetFeatures: control.target.features, targetLabels: nil, using: &generator)
    #expect(none.detection.verdict == .noShift && none.applied == .none)
    #expect(none.before == nil && none.labelShift == nil && none.covariateShift == nil)
  }

  @Test func autoFollowsTheVerdict() {
    #expect(CorrectionWorkflow.correction(for: .noShift) == .none)
    #expect(CorrectionWorkflow.correction(for: .featureShift) == .covariate)
    #expect(CorrectionWorkflow.correction(for: .covariateShift) == .covariate)
    #expect(CorrectionWorkflow.correction(for: .labelShift) == .label)
    #expect(CorrectionWorkflow.correction(for: .shift) == .label)
  }

  @Test func tooSmallInputsAreRefusedBeforeAnyTraining() {
    var generator = SplitMix64(seed: 1)
    let source = Fixtures.letters.subset(0..<30)
    #expect(throws: WorkflowError.invalidInput("the target needs at least 5 rows, got 3")) {
      try CorrectionWorkflow().analyze(
        source: source, targetFeatures: Fixtures.letters.features.rows(at: 0..<3), targetLabels: nil, using: &generator)
    }
    #expect(throws: WorkflowError.self) {
      try CorrectionWorkflow().analyze(
        source: source, targetFeatures: Fixtures.letters.features.rows(at: 0..<50), targetLabels: nil, using: &generator
      )
    }
    #expect(throws: WorkflowError.self) {
      try CorrectionWorkflow().analyze(
        source: source, targetFeatures: Matrix(rows: 50, columns: 3), targetLabels: nil, using: &generator)
    }
  }
}

@Suite struct SimulationTruthTests {
  @Test func recordsTheDrawnPriorItsWeightsAndTheParameters() throws {
    var generator = SplitMix64(seed: 4)
    let letters = Fixtures.letters
    let shift = try SimulatedShift(
      data: letters, kind: .tweakOne(classIndex: 2, share: 0.5), targetSize: 400, using: &generator)
    let truth = SimulationTruth(simulation: shift, data: "letters.csv", seed: 4, command: "shiftcli simulate")
    #expect(truth.shift == "tweak-one" && truth.rho == 0.5 && truth.alpha == nil && truth.tweakedClass == "C")
    let prior = try #require(truth.targetPrior)
    #expect(prior[2] == 0.5 && truth.targetRows == 400 && truth.sourceRows == shift.source.count)
    let weights = try #require(truth.labelShiftWeights)
    #expect(zip(zip(weights, prior), truth.sourcePrior).allSatisfy { abs($0.0 * $1 - $0.1) < 1e-12 })

    let selection = try SimulatedShift(
      data: letters.subset(0..<4000), kind: .selectionBias(strength: 2, intercept: -1), targetSize: 500,
      using: &generator)
    let selectionTruth = SimulationTruth(simulation: selection, data: "letters.csv", seed: 4, command: "")
    #expect(selectionTruth.strength == 2 && selectionTruth.intercept == -1 && selectionTruth.targetPrior == nil)
    #expect((selectionTruth.oracleEffectiveSampleSize ?? 0) > 0)
  }
}
