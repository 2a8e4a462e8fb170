import Foundation
import RealModule
import ShiftKit
import Testing

/// Keeps the README's shift-module example compiling and working: the body between the markers
/// is the README's code, and a check below fails when the README and this copy drift apart.
@Suite struct ReadmeShiftExampleTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..")
    .standardized

  @Test func shiftExample() throws {
    var generator = SplitMix64(seed: 2)
    let letters = try Dataset(
      csvFile: Self.root.appendingPathComponent("Datasets/letter-recognition.csv").path, labelColumn: "lettr")
    let (rest, source) = try letters.split(fraction: 0.3, using: &generator)
    let (target, newlyLabelled) = try rest.split(fraction: 0.1, using: &generator)
    let (sourceTrain, holdout) = try source.split(fraction: 0.3, using: &generator)
    var classifier = try ClassifierTraining(epochs: 5).train(on: sourceTrain, using: &generator)
    let targetFeatures = target.features
    // --- README workflow example begins ---
    // `shiftcli estimate --shift label`: cross-fitted MLPs, EM-BCTS, bootstrap intervals.
    let estimated = try LabelShiftWorkflow(
      holdout: .crossFitted(folds: 5), training: ClassifierTraining(epochs: 20),
      bootstrap: LabelShiftBootstrap(replicates: 50)
    ).run(source: source, targetFeatures: target.features, using: &generator)
    print(estimated.estimate.method, estimated.estimate.targetPrior, estimated.intervals?.weights ?? [])

    // `shiftcli correct`: detect, estimate, correct and estimate target accuracy without labels.
    let analysis = try CorrectionWorkflow(correction: .auto, training: ClassifierTraining(epochs: 20))
      .analyze(source: source, targetFeatures: target.features, targetLabels: nil, using: &generator)
    print(analysis.detection.sentence, analysis.applied, analysis.performanceEstimates.map(\.accuracy))
    let (markdown, charts) = MarkdownReport(
      title: "Shift report", command: "", sourceName: "source", targetName: "target"
    ).render(analysis)
    // --- README workflow example ends ---
    // Random halves of one file: weights near 1, no shift to correct.
    #expect(estimated.estimate.weights.allSatisfy { $0 > 0.5 && $0 < 1.5 })
    #expect(estimated.intervals?.weights.count == 26)
    #expect(analysis.detection.verdict == .noShift && analysis.applied == .none)
    #expect(markdown.hasPrefix("# Shift report\n") && charts.isEmpty)
    // --- README shift example begins ---
    // Covariate shift: one weight per source row, with diagnostics.
    let covariate = try CovariateShiftEstimator(folds: 5, clipping: .quantile(0.99))
      .estimate(source: source.features, target: target.features, using: &generator)
    print(covariate.domainAUC, covariate.effectiveSampleSize, covariate.warnings)

    // Label shift: from a classifier's logits on a labelled source holdout and on the target.
    let problem = try LabelShiftProblem(
      holdoutLogits: classifier.logits(for: holdout.features), holdoutLabels: holdout.labels,
      targetLogits: classifier.logits(for: targetFeatures), sourcePrior: source.classPriors)
    let label = try LabelShiftEstimator().estimate(problem, using: &generator)
    let intervals = try LabelShiftBootstrap(replicates: 200).intervals(
      for: label.method, on: problem, using: &generator)
    // Or cross-fitted: five MLPs, each holding out one fold of the source, pooled.
    let folds = try HeldOutClassifiers(crossFitting: source, folds: 5, using: &generator)
    let crossFitted = try LabelShiftEstimator().estimate(folds.problem(forTarget: targetFeatures), using: &generator)

    // Correction: weighted retraining, prior correction, fine-tuning.
    let retrained = try ClassifierTraining().train(
      on: source, weights: label.sampleWeights(for: source.labels), using: &generator)
    let corrected = priorCorrected(
      probabilities: try classifier.probabilities(for: targetFeatures), weights: label.weights)
    try classifier.fineTune(on: newlyLabelled, configuration: TrainingConfiguration(epochs: 5), using: &generator)
    // --- README shift example ends ---
    #expect(covariate.weights.count == source.count)
    // Random halves of one file: no covariate shift to find, and target priors near the source's.
    #expect(covariate.domainAUC.isApproximatelyEqual(to: 0.5, absoluteTolerance: 0.05))
    #expect(label.weights.allSatisfy { $0 > 0.5 && $0 < 1.5 })
    #expect(crossFitted.weights.allSatisfy { $0 > 0.5 && $0 < 1.5 })
    #expect(intervals.weights.count == 26)
    #expect(retrained.classes == source.classes && corrected.rows == target.count)
  }

  /// Every line between the markers of both README examples appears in README.md.
  @Test func readmeMatchesTheTestedCode() throws {
    let readme = Set(
      try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
    let directory = Self.root.appendingPathComponent("Tests/ShiftCLITests")
    for (file, marker) in [
      ("ReadmeExampleTests.swift", "README example"), ("ReadmeShiftExampleTests.swift", "README workflow example"),
      ("ReadmeShiftExampleTests.swift", "README shift example"),
    ] {
      let lines = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8).split(separator: "\n")
      let begin = try #require(lines.firstIndex { $0.contains("// --- \(marker) begins ---") })
      let end = try #require(lines.firstIndex { $0.contains("// --- \(marker) ends ---") })
      let missing = lines[(begin + 1)..<end].map { $0.trimmingCharacters(in: .whitespaces) }
        .filter { !$0.isEmpty && !readme.contains($0) }
      #expect(missing.isEmpty, "README.md lacks: \(missing.joined(separator: "\n"))")
    }
  }
}
