import ArgumentParser
import Foundation
import ShiftKit

/// How often the label-shift bootstrap intervals cover the true target prior.
struct CoverageBenchmark: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "coverage",
    abstract: "Coverage of the 95 % bootstrap intervals for the target prior (Dirichlet α = 1 label shift).")

  @OptionGroup var locations: DataLocations

  @Option(parsing: .upToNextOption, help: "Data sets: letter, fashion, or CSV files (their label column is --label).")
  var data = ["letter"]

  @Option(help: "The label column of the CSV data sets.")
  var label: String?

  @Option(help: "Repetitions (each with its own split, base model and target).")
  var repetitions = 10

  @Option(help: "Bootstrap replicates per interval.")
  var replicates = 100

  @Option(help: "Target size.")
  var n = 2000

  func run() throws {
    for name in data {
      let (all, dataName, _) = try locations.load(name, label: label)
      var covered = [LabelShiftMethod: Int]()
      var width = [LabelShiftMethod: Double]()
      var total = 0
      for repetition in 0..<repetitions {
        var generator = SplitMix64(seed: UInt64(4000 + repetition))
        let (pool, source) = try all.split(fraction: 0.5, using: &generator)
        let (train, holdout) = try source.split(fraction: 0.3, using: &generator)
        let classifier = try ClassifierTraining().train(on: train, using: &generator)
        let prior = try LabelShiftSimulation.dirichletPrior(
          classCount: all.classes.count, concentration: 1, using: &generator)
        let rows = try LabelShiftSimulation.sample(labels: pool.labels, prior: prior, count: n, using: &generator)
        let problem = try LabelShiftProblem(
          holdoutLogits: classifier.logits(for: holdout.features), holdoutLabels: holdout.labels,
          targetLogits: classifier.logits(for: pool.features.rows(at: rows)), sourcePrior: source.classPriors)
        for method in [LabelShiftMethod.bbseHard, .emBCTS] {
          let intervals = try LabelShiftBootstrap(replicates: replicates).intervals(
            for: method, on: problem, using: &generator)
          covered[method, default: 0] += zip(intervals.targetPrior, prior).filter { $0.contains($1) }.count
          width[method, default: 0] += intervals.targetPrior.reduce(0) { $0 + $1.upper - $1.lower }
        }
        total += prior.count
        log("\(dataName) repetition \(repetition + 1)/\(repetitions)")
      }
      print(
        "\n\(dataName): 95 % percentile-bootstrap intervals (B = \(replicates)) for q, Dirichlet α = 1, n = \(n), \(repetitions) repetitions"
      )
      for method in [LabelShiftMethod.bbseHard, .emBCTS] {
        print(
          String(
            format: "%-10@ coverage %.3f (%d of %d class intervals), mean width %.4f", method.rawValue as NSString,
            Double(covered[method] ?? 0) / Double(total), covered[method] ?? 0, total,
            (width[method] ?? 0) / Double(total)))
      }
    }
  }
}
