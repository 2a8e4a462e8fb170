import Foundation
import Testing
import ShiftKit

/// Keeps the README's shift-module example compiling and working: the body between the markers
/// is the README's code, and a check below fails when the README and this copy drift apart.
@Suite struct ReadmeShiftExampleTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized

  @Test func shiftExample() throws {
    var generator = SplitMix64(seed: 2)
    let letters = try Dataset(csvFile: Self.root.appendingPathComponent("Datasets/letter-recognition.csv").path, labelColumn: "lettr")
    let (rest, source) = try letters.split(fraction: 0.3, using: &generator)
    let (target, newlyLabelled) = try rest.split(fraction: 0.1, using: &generator)
    let (sourceTrain, holdout) = try source.split(fraction: 0.3, using: &generator)
    var classifier = try ClassifierTraining(epochs: 5).train(on: sourceTrain, using: &generator)
    let targetFeatures = target.features
    // --- README shift example begins ---
    // Covariate shift: one weight per source row, with diagnostics.
    let covariate = try CovariateShiftEstimator(folds: 5, clipping: .quantile(0.99))
      .estimate(source: source.features, target: target.features, using: &generator)
    print(covariate.domainAUC, covariate.effectiveSampleSize, covariate.warnings)

    // Label shift: from a classifier's logits on a labelled source holdout and on the target.
    let problem = try LabelShiftProblem(
      holdoutLogits: classifier.logits(for: holdout.features), holdoutLabels: holdout.labels,
      targetLogits: classifier.logits(for: targetFeatures), sourcePrior: source.classPriors)
    let label = try LabelShiftEstimator(method: .auto).estimate(problem, using: &generator)
    let intervals = try LabelShiftBootstrap(replicates: 200).intervals(for: label.method, on: problem, using: &generator)
    // Or cross-fitted: five MLPs, each holding out one fold of the source.
    let folds = try HeldOutClassifiers(crossFitting: source, folds: 5, using: &generator)
    let crossFitted = try LabelShiftEstimator().estimate(crossFitted: folds.problems(forTarget: targetFeatures), using: &generator)

    // Correction: weighted retraining, prior correction, fine-tuning.
    let retrained = try ClassifierTraining().train(on: source, weights: label.sampleWeights(for: source.labels), using: &generator)
    let corrected = priorCorrected(probabilities: try classifier.probabilities(for: targetFeatures), weights: label.weights)
    try classifier.fineTune(on: newlyLabelled, configuration: TrainingConfiguration(epochs: 5), using: &generator)
    // --- README shift example ends ---
    #expect(covariate.weights.count == source.count)
    // Random halves of one file: no covariate shift to find, and target priors near the source's.
    #expect(abs(covariate.domainAUC - 0.5) < 0.05)
    #expect(label.weights.allSatisfy { $0 > 0.5 && $0 < 1.5 })
    #expect(crossFitted.weights.allSatisfy { $0 > 0.5 && $0 < 1.5 })
    #expect(intervals.weights.count == 26)
    #expect(retrained.classes == source.classes && corrected.rows == target.count)
  }

  /// Every line between the markers of both README examples appears in README.md.
  @Test func readmeMatchesTheTestedCode() throws {
    let readme = Set(try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
      .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
    let directory = Self.root.appendingPathComponent("Tests/ShiftCLITests")
    for (file, marker) in [("ReadmeExampleTests.swift", "README example"), ("ReadmeShiftExampleTests.swift", "README shift example")] {
      let lines = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8).split(separator: "\n")
      let begin = try #require(lines.firstIndex { $0.contains("// --- \(marker) begins ---") })
      let end = try #require(lines.firstIndex { $0.contains("// --- \(marker) ends ---") })
      for line in lines[(begin + 1)..<end] {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { continue }
        #expect(readme.contains(trimmed), "README.md lacks: \(trimmed)")
      }
    }
  }
}
