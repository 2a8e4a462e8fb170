import ArgumentParser
import Foundation
import ShiftKit

/// One simulated label shift of the grid.
struct LabelShiftKind: Hashable, CustomStringConvertible {
  enum Family: String {
    case dirichlet
    case tweakOne = "tweak-one"
  }
  var family: Family
  var parameter: Double

  static let grid: [LabelShiftKind] = [
    .init(family: .dirichlet, parameter: 0.1), .init(family: .dirichlet, parameter: 1),
    .init(family: .dirichlet, parameter: 10), .init(family: .tweakOne, parameter: 0.5),
    .init(family: .tweakOne, parameter: 0.9),
  ]

  var description: String { family == .dirichlet ? "Dirichlet α=\(parameter)" : "tweak-one ρ=\(parameter)" }

  func prior(classCount k: Int, using generator: inout SplitMix64) throws -> [Double] {
    switch family {
    case .dirichlet: try LabelShiftSimulation.dirichletPrior(classCount: k, concentration: parameter, using: &generator)
    case .tweakOne:
      try LabelShiftSimulation.tweakOnePrior(classCount: k, tweaked: generator.uniformIndex(below: k), share: parameter)
    }
  }
}

/// What the peer script needs to rerun one cell on the same data.
struct ExportedCell: Encodable {
  var shift: String
  var parameter: Double
  var n: Int
  var prior: [Double]
  /// Positions in the target pool.
  var targetRows: [Int]
}

struct ExportedSplit: Encodable {
  var data: String
  var repetition: Int
  var classes: [String]
  var sourceTrainRows: [Int]
  var holdoutRows: [Int]
  var targetPoolRows: [Int]
  var sourcePrior: [Double]
}

struct LabelBenchmark: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "label", abstract: "Weight-MSE of the label-shift estimators on a grid of simulated shifts.")

  @OptionGroup var locations: DataLocations

  @Option(parsing: .upToNextOption, help: "Data sets.")
  var data: [BenchmarkData] = BenchmarkData.allCases

  @Option(help: "Repetitions (each with its own split, base model and target draws).")
  var repetitions = 10

  @Option(help: "Target sizes, comma-separated.")
  var sizes = "500,2000,8000"

  @Option(help: "Share of the source held out for the confusion matrix and calibration.")
  var holdout = 0.3

  @Option(help: "Also estimate cross-fitted over this many folds of the whole source (0: off).")
  var crossFit = 5

  @Option(help: "Write splits, logits and target draws here for Benchmarks/shift_peer.py.")
  var export: String?

  @Flag(help: "Print one JSON object instead of the table.")
  var json = false

  struct CellResult: Encodable {
    var data: String
    var shift: String
    var n: Int
    var repetitions: Int
    /// Mean weight-MSE per method (and "auto", "floor").
    var meanSquaredError: [String: Double]
    /// How often auto chose each method.
    var autoChoices: [String: Int]
  }

  func run() throws {
    let targetSizes = sizes.split(separator: ",").compactMap { Int($0) }
    guard !targetSizes.isEmpty, targetSizes.allSatisfy({ $0 > 0 }) else {
      throw ValidationError("--sizes takes positive numbers")
    }
    if let export { try FileManager.default.createDirectory(atPath: export, withIntermediateDirectories: true) }
    var results: [CellResult] = []
    for dataset in data {
      let all = try dataset.load(letterFile: locations.letterFile, fashionDirectory: locations.fashionDirectory)
      var sums: [String: [Double]] = [:]  // key "shift|n" → per-method sums in `names` order
      var choices: [String: [String: Int]] = [:]
      let singleSplit = LabelShiftMethod.concrete.map(\.rawValue) + ["auto"]
      let names = singleSplit + (crossFit >= 2 ? singleSplit.map { "cf-" + $0 } : []) + ["floor"]
      for repetition in 0..<repetitions {
        let start = DispatchTime.now().uptimeNanoseconds
        var generator = SplitMix64(seed: UInt64(1000 + repetition))
        let (sourceRows, poolRows) = try sourceAndPool(all, dataset: dataset, using: &generator)
        let source = all.subset(sourceRows)
        let pool = all.subset(poolRows)
        // Positions in the source, so the exported indices refer to `all`.
        let (trainRows, holdoutRows) = try source.splitRows(fraction: holdout, using: &generator)
        var lastEpoch = 0
        let classifier = try ClassifierTraining().train(on: source.subset(trainRows), using: &generator) {
          lastEpoch = $0.epoch
        }
        let holdoutLogits = try classifier.logits(for: source.subset(holdoutRows).features)
        let poolLogits = try classifier.logits(for: pool.features)
        let holdoutLabels = holdoutRows.map { source.labels[$0] }
        let holdoutAccuracy = accuracy(predicted: predictedClasses(holdoutLogits), labels: holdoutLabels)
        let sourcePrior = source.classPriors
        var crossFitted: HeldOutClassifiers? = nil
        var crossFittedPoolLogits: [Matrix] = []
        if crossFit >= 2 {
          let classifiers = try HeldOutClassifiers(crossFitting: source, folds: crossFit, using: &generator)
          crossFitted = classifiers
          crossFittedPoolLogits = try classifiers.classifiers.map { try $0.logits(for: pool.features) }
        }
        if let export {
          let split = ExportedSplit(
            data: dataset.rawValue, repetition: repetition, classes: all.classes.names,
            sourceTrainRows: trainRows.map { sourceRows[$0] }, holdoutRows: holdoutRows.map { sourceRows[$0] },
            targetPoolRows: poolRows, sourcePrior: sourcePrior)
          let stem = "\(export)/\(dataset.rawValue)-rep\(repetition)"
          try writeJSON(split, to: stem + "-split.json")
          try writeMatrixCSV(holdoutLogits, to: stem + "-holdout-logits.csv")
          try writeMatrixCSV(poolLogits, to: stem + "-pool-logits.csv")
        }
        var exported: [ExportedCell] = []
        for kind in LabelShiftKind.grid {
          for n in targetSizes {
            var cellGenerator = SplitMix64(seed: cellSeed(repetition: repetition, kind: kind, n: n))
            let prior = try kind.prior(classCount: all.classes.count, using: &cellGenerator)
            let targetRows = try LabelShiftSimulation.sample(
              labels: pool.labels, prior: prior, count: n, using: &cellGenerator)
            let problem = try LabelShiftProblem(
              holdoutLogits: holdoutLogits, holdoutLabels: holdoutLabels, targetLogits: poolLogits.rows(at: targetRows),
              sourcePrior: sourcePrior)
            let truth = LabelShiftWeights(targetPrior: prior, sourcePrior: sourcePrior).weights
            var errors: [Double] = []
            for method in LabelShiftMethod.concrete {
              errors.append(
                weightMeanSquaredError(
                  try LabelShiftEstimator(method: method).estimate(problem, using: &cellGenerator).weights, truth))
            }
            let auto = try LabelShiftEstimator(method: .auto).estimate(problem, using: &cellGenerator)
            errors.append(weightMeanSquaredError(auto.weights, truth))
            if let crossFitted {
              let problems = try crossFitted.problems(
                forTargetLogits: crossFittedPoolLogits.map { $0.rows(at: targetRows) })
              for method in LabelShiftMethod.concrete + [.auto] {
                let estimate = try LabelShiftEstimator(method: method).estimate(
                  crossFitted: problems, using: &cellGenerator)
                errors.append(weightMeanSquaredError(estimate.weights, truth))
                if method == .auto {
                  choices["\(kind)|\(n)", default: [:]]["cf:" + estimate.method.rawValue, default: 0] += 1
                }
              }
            }
            let floor = LabelShiftWeights(
              targetPrior: classShares(targetRows.map { pool.labels[$0] }, classCount: prior.count),
              sourcePrior: sourcePrior)
            errors.append(weightMeanSquaredError(floor.weights, truth))
            let key = "\(kind)|\(n)"
            sums[key] = zip(sums[key] ?? [Double](repeating: 0, count: names.count), errors).map(+)
            choices[key, default: [:]][auto.method.rawValue, default: 0] += 1
            exported.append(
              .init(shift: kind.family.rawValue, parameter: kind.parameter, n: n, prior: prior, targetRows: targetRows))
          }
        }
        if let export {
          let encoder = JSONEncoder()
          encoder.outputFormatting = [.sortedKeys]
          let lines =
            try exported.map { String(decoding: try encoder.encode($0), as: UTF8.self) }.joined(separator: "\n") + "\n"
          try AtomicFile.write(lines, to: "\(export)/\(dataset.rawValue)-rep\(repetition)-cells.jsonl")
        }
        log(
          String(
            format: "%@ repetition %d/%d: base model %d epochs, holdout accuracy %.4f, %.1f s", dataset.rawValue,
            repetition + 1, repetitions, lastEpoch, holdoutAccuracy, seconds(since: start)))
      }
      for kind in LabelShiftKind.grid {
        for n in targetSizes {
          let key = "\(kind)|\(n)"
          let means = (sums[key] ?? []).map { $0 / Double(repetitions) }
          results.append(
            CellResult(
              data: dataset.rawValue, shift: kind.description, n: n, repetitions: repetitions,
              meanSquaredError: Dictionary(uniqueKeysWithValues: zip(names, means)), autoChoices: choices[key] ?? [:]))
        }
      }
    }
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      print(String(decoding: try encoder.encode(["cells": results]), as: UTF8.self))
    } else {
      printTable(results)
    }
  }

  /// Letter: a stratified half of the rows is the source, the other half the target pool.
  /// Fashion-MNIST: its training rows are the source, its test rows the target pool.
  private func sourceAndPool(_ all: Dataset, dataset: BenchmarkData, using generator: inout SplitMix64) throws -> (
    [Int], [Int]
  ) {
    switch dataset {
    case .fashion: return (Array(0..<60_000), Array(60_000..<all.count))
    case .letter:
      let byClass = rowIndicesByClass(all.labels, classCount: all.classes.count)
      var source: [Int] = []
      var pool: [Int] = []
      for var rows in byClass {
        rows.fisherYatesShuffle(using: &generator)
        source += rows[..<(rows.count / 2)]
        pool += rows[(rows.count / 2)...]
      }
      return (source.sorted(), pool.sorted())
    }
  }

  private func cellSeed(repetition: Int, kind: LabelShiftKind, n: Int) -> UInt64 {
    let kindIndex = LabelShiftKind.grid.firstIndex(of: kind)!
    return UInt64(repetition) * 1_000_003 + UInt64(kindIndex) * 10_007 + UInt64(n)
  }

  private func printTable(_ results: [CellResult]) {
    let methods = results.first.map { Array($0.meanSquaredError.keys).sorted() } ?? []
    print("mean weight-MSE ‖ŵ − w‖²/k over \(repetitions) repetitions (lower is better; cf- = cross-fitted)\n")
    print(
      "data     shift               n     "
        + methods.map { $0.padding(toLength: 13, withPad: " ", startingAt: 0) }.joined() + "auto picks")
    for cell in results {
      var line =
        cell.data.padding(toLength: 9, withPad: " ", startingAt: 0)
        + cell.shift.padding(toLength: 20, withPad: " ", startingAt: 0)
        + String(cell.n).padding(toLength: 6, withPad: " ", startingAt: 0)
      for method in methods { line += String(format: "%-13.5f", cell.meanSquaredError[method] ?? .nan) }
      line += cell.autoChoices.sorted { $0.value > $1.value }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")
      print(line)
    }
  }
}
