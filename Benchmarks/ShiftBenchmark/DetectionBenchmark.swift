import ArgumentParser
import Foundation
import ShiftKit

/// False-positive rate and power of the shift verdict (any labelled data set, MLP base model).
struct DetectionBenchmark: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "detection",
    abstract: "Rejection rates of the shift verdict and its test families: no shift, label shift, selection bias.")

  @OptionGroup var locations: DataLocations

  @Option(help: "Data set: letter, fashion, or a CSV file whose label column is --label.")
  var data = "letter"

  @Option(help: "The label column of a CSV data set.")
  var label: String?

  @Option(help: "Repetitions (each with its own split, base model and targets).")
  var repetitions = 100

  @Option(help: "Level α of the verdict.")
  var level = 0.05

  @Flag(help: "Also tell label from covariate shift (as `shiftcli correct` does), from an estimated target prior.")
  var classify = false

  func run() throws {
    let (all, dataName, _) = try locations.load(data, label: label)
    let k = all.classes.count
    let settings = ["no shift, n=2000", "Dirichlet α=1, n=200", "Dirichlet α=10, n=200", "selection bias, n=50"]
    var rejections = [String: [String: Int]]()
    for repetition in 0..<repetitions {
      var generator = SplitMix64(seed: UInt64(6000 + repetition))
      let (pool, source) = try all.split(fraction: 0.5, using: &generator)
      let (train, holdout) = try source.split(fraction: 0.3, using: &generator)
      let classifier = try ClassifierTraining().train(on: train, using: &generator)
      let holdoutPredicted = try classifier.predictedClasses(for: holdout.features)
      for setting in settings {
        let rows: [Int]
        if setting.hasPrefix("no shift") {
          rows = Array(randomPermutation(pool.count, using: &generator).prefix(2000))
        } else if setting.hasPrefix("selection") {
          rows = try SelectionBiasSimulation(features: pool.features, strength: 2, targetLimit: 50, using: &generator)
            .targetRows
        } else {
          let alpha = setting.contains("α=10") ? 10.0 : 1.0
          let prior = try LabelShiftSimulation.dirichletPrior(classCount: k, concentration: alpha, using: &generator)
          rows = try LabelShiftSimulation.sample(
            labels: pool.labels, prior: drawable(prior, from: pool), count: 200, using: &generator)
        }
        let target = pool.subset(rows)
        var classWeights: (sourceLabels: [Int], weights: [Double])? = nil
        if classify {
          let problem = try LabelShiftProblem(
            holdoutLogits: classifier.logits(for: holdout.features), holdoutLabels: holdout.labels,
            targetLogits: classifier.logits(for: target.features), sourcePrior: source.classPriors)
          classWeights = (source.labels, try LabelShiftEstimator().estimate(problem, using: &generator).weights)
        }
        let detection = try ShiftDetector(level: level).detect(
          source: source.features, target: target.features, featureNames: source.featureNames,
          predictions: PredictionSample(
            classNames: source.classes.names, holdoutClasses: holdoutPredicted,
            targetClasses: try classifier.predictedClasses(for: target.features)),
          classWeights: classWeights, using: &generator)
        let family = level / 3
        var outcome = rejections[setting] ?? [:]
        if detection.verdict != .noShift { outcome["verdict", default: 0] += 1 }
        if (detection.features.map(\.adjustedPValue).min() ?? 1) <= family {
          outcome["features (KS, BH)", default: 0] += 1
        }
        if detection.domain.pValue <= family { outcome["domain classifier", default: 0] += 1 }
        if (detection.predictions?.pValue ?? 1) <= family { outcome["predictions (χ²)", default: 0] += 1 }
        outcome["kind: " + detection.verdict.rawValue, default: 0] += 1
        rejections[setting] = outcome
      }
      log("repetition \(repetition + 1)/\(repetitions)")
    }
    print("\n\(dataName), MLP base model, \(repetitions) repetitions: rejection rate at α = \(level)")
    print("(the verdict rejects when any family rejects at α/3; the no-shift column is its false-positive rate)")
    let rowsToPrint = ["verdict", "features (KS, BH)", "domain classifier", "predictions (χ²)"]
    print(
      "".padding(toLength: 24, withPad: " ", startingAt: 0)
        + settings.map { $0.padding(toLength: 24, withPad: " ", startingAt: 0) }.joined())
    for row in rowsToPrint {
      print(
        row.padding(toLength: 24, withPad: " ", startingAt: 0)
          + settings.map {
            String(format: "%.2f", Double(rejections[$0]?[row] ?? 0) / Double(repetitions)).padding(
              toLength: 24, withPad: " ", startingAt: 0)
          }.joined())
    }
    for setting in settings {
      let kinds = (rejections[setting] ?? [:]).filter { $0.key.hasPrefix("kind: ") }.sorted { $0.value > $1.value }
      print("\(setting): " + kinds.map { "\($0.key.dropFirst(6)) ×\($0.value)" }.joined(separator: ", "))
    }
  }
}
