import ArgumentParser
import Foundation
import ShiftKit

/// Label-free estimates of target accuracy against the truth (any labelled data set, MLP).
struct PerformanceBenchmark: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "performance",
    abstract: "Label-free target accuracy estimates vs the actual accuracy, under label and covariate shift.")

  @OptionGroup var locations: DataLocations

  @Option(help: "Data set: letter, fashion, or a CSV file whose label column is --label.")
  var data = "letter"

  @Option(help: "The label column of a CSV data set.")
  var label: String?

  @Option(help: "Repetitions (each with its own split, base model and targets).")
  var repetitions = 100

  @Option(help: "Bootstrap replicates per interval.")
  var replicates = 100

  struct Tally {
    var absoluteError: [Double] = []
    var covered = 0
  }

  func run() throws {
    let (all, dataName, _) = try locations.load(data, label: label)
    let k = all.classes.count
    let settings = ["Dirichlet α=1, n=2000", "tweak-one ρ=0.9, n=2000", "selection bias, n≤3000"]
    var tallies = [String: Tally]()
    var holdoutErrors = [String: [Double]]()
    var rawConfidenceErrors = [String: [Double]]()
    var targetSizes = [String: [Int]]()
    for repetition in 0..<repetitions {
      var generator = SplitMix64(seed: UInt64(5000 + repetition))
      let (pool, source) = try all.split(fraction: 0.5, using: &generator)
      let (train, holdout) = try source.split(fraction: 0.3, using: &generator)
      let classifier = try ClassifierTraining().train(on: train, using: &generator)
      let holdoutLogits = try classifier.logits(for: holdout.features)
      let holdoutAccuracy = accuracy(predicted: predictedClasses(holdoutLogits), labels: holdout.labels)
      for setting in settings {
        let rows: [Int]
        if setting.hasPrefix("selection") {
          rows = try SelectionBiasSimulation(features: pool.features, strength: 2, targetLimit: 3000, using: &generator)
            .targetRows
        } else if setting.hasPrefix("Dirichlet") {
          let prior = try LabelShiftSimulation.dirichletPrior(classCount: k, concentration: 1, using: &generator)
          rows = try LabelShiftSimulation.sample(
            labels: pool.labels, prior: drawable(prior, from: pool), count: 2000, using: &generator)
        } else {
          let prior = try LabelShiftSimulation.tweakOnePrior(
            classCount: k, tweaked: generator.uniformIndex(below: k), share: 0.9)
          rows = try LabelShiftSimulation.sample(
            labels: pool.labels, prior: drawable(prior, from: pool), count: 2000, using: &generator)
        }
        let target = pool.subset(rows)
        let targetLogits = try classifier.logits(for: target.features)
        let actual = accuracy(predicted: predictedClasses(targetLogits), labels: target.labels)
        let problem = try LabelShiftProblem(
          holdoutLogits: holdoutLogits, holdoutLabels: holdout.labels, targetLogits: targetLogits,
          sourcePrior: source.classPriors)
        let holdoutWeights = try CovariateShiftEstimator().estimate(
          source: holdout.features, target: target.features, using: &generator
        ).weights
        let estimates = try TargetPerformanceEstimator(replicates: replicates).estimate(
          problem, holdoutWeights: holdoutWeights, using: &generator)
        for estimate in estimates {
          let key = "\(setting)|\(estimate.estimator.rawValue)"
          tallies[key, default: Tally()].absoluteError.append(abs(estimate.accuracy - actual) * 100)
          if let interval = estimate.accuracyInterval, interval.contains(actual) {
            tallies[key, default: Tally()].covered += 1
          }
        }
        holdoutErrors[setting, default: []].append(abs(holdoutAccuracy - actual) * 100)
        var probabilities = targetLogits
        softmaxRows(&probabilities)
        let confidence =
          (0..<probabilities.rows).reduce(0.0) { $0 + Double(probabilities.row($1).max()!) }
          / Double(probabilities.rows)
        rawConfidenceErrors[setting, default: []].append(abs(confidence - actual) * 100)
        targetSizes[setting, default: []].append(target.count)
      }
      log("repetition \(repetition + 1)/\(repetitions)")
    }
    func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(values.count, 1)) }
    print(
      "\n\(dataName), MLP base model, \(repetitions) repetitions: mean |estimated − actual| target accuracy (percentage points)"
    )
    print("and the share of 95 % bootstrap intervals (B = \(replicates)) that cover the actual accuracy")
    print(
      "estimator".padding(toLength: 28, withPad: " ", startingAt: 0)
        + settings.map { $0.padding(toLength: 30, withPad: " ", startingAt: 0) }.joined())
    for estimator in TargetPerformanceEstimate.Estimator.allCases {
      var line = estimator.rawValue.padding(toLength: 28, withPad: " ", startingAt: 0)
      for setting in settings {
        let tally = tallies["\(setting)|\(estimator.rawValue)"] ?? Tally()
        line += String(
          format: "%5.2f pp, coverage %.2f", mean(tally.absoluteError),
          Double(tally.covered) / Double(max(tally.absoluteError.count, 1))
        )
        .padding(toLength: 30, withPad: " ", startingAt: 0)
      }
      print(line)
    }
    print(
      "plain holdout".padding(toLength: 28, withPad: " ", startingAt: 0)
        + settings.map {
          String(format: "%5.2f pp", mean(holdoutErrors[$0] ?? [])).padding(toLength: 30, withPad: " ", startingAt: 0)
        }.joined())
    print(
      "raw confidence".padding(toLength: 28, withPad: " ", startingAt: 0)
        + settings.map {
          String(format: "%5.2f pp", mean(rawConfidenceErrors[$0] ?? [])).padding(
            toLength: 30, withPad: " ", startingAt: 0)
        }.joined())
    print(
      "mean target size".padding(toLength: 28, withPad: " ", startingAt: 0)
        + settings.map {
          String(format: "%.0f", mean((targetSizes[$0] ?? []).map(Double.init))).padding(
            toLength: 30, withPad: " ", startingAt: 0)
        }.joined())
  }
}
