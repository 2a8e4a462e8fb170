import ArgumentParser
import Foundation
import ShiftKit

/// Selection-bias covariate shift with oracle weights: how close the estimated weights come to
/// the oracle, what they cost in ESS, and what weighted retraining does to target accuracy.
struct CovariateBenchmark: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "covariate",
    abstract: "Covariate-shift weights vs the selection-bias oracle, and weighted vs unweighted retraining.")

  @OptionGroup var locations: DataLocations

  @Option(parsing: .upToNextOption, help: "Data sets.")
  var data: [BenchmarkData] = BenchmarkData.allCases

  @Option(help: "Repetitions (seeds).")
  var repetitions = 5

  @Option(help: "Selection strength γ: target rows are kept with probability σ(γ·PC1 score + b).")
  var strength = 2.0

  @Option(help: "Selection intercept b (negative: rare selection, heavy-tailed weights).")
  var intercept = 0.0

  @Option(help: "Write the samples, oracle weights and our weights here for Benchmarks/shift_peer.py.")
  var export: String?

  @Option(help: "Also retrain with the weight files the peer wrote into this directory (<stem>-<name>-weights.csv).")
  var peerWeights: String?

  @Flag(help: "Skip retraining (weights only).")
  var noRetraining = false

  /// Source and target sizes per data set (the anchors' settings).
  func sizes(_ dataset: BenchmarkData) -> Int { dataset == .letter ? 3000 : 5000 }

  struct Row {
    var relativeMSE: [Double] = []
    var spearman: [Double] = []
    var ess: [Double] = []
    var maxWeight: [Double] = []
    var seconds: [Double] = []
    var accuracy: [Double] = []
  }

  func run() throws {
    if let export { try FileManager.default.createDirectory(atPath: export, withIntermediateDirectories: true) }
    for dataset in data {
      var all = try dataset.load(letterFile: locations.letterFile, fashionDirectory: locations.fashionDirectory)
      if dataset == .fashion { all = all.subset(0..<60_000) }
      var rows: [String: Row] = [:]
      var order: [String] = []
      func record(_ name: String, _ update: (inout Row) -> Void) {
        if rows[name] == nil { order.append(name) }
        update(&rows[name, default: Row()])
      }
      for repetition in 0..<repetitions {
        let start = DispatchTime.now().uptimeNanoseconds
        var generator = SplitMix64(seed: UInt64(2000 + repetition))
        let n = sizes(dataset)
        // Pool: every row; the simulation's source half is cut to n rows and the target capped at n.
        let pool = Array(0..<all.count)
        let simulation = try SelectionBiasSimulation(
          features: all.features.rows(at: pool), strength: strength, intercept: intercept, targetLimit: n,
          using: &generator)
        let sourceRows = Array(simulation.sourceRows.prefix(n)).map { pool[$0] }
        let targetRows = simulation.targetRows.map { pool[$0] }
        let oracle = simulation.oracleWeights(ofFirst: n)
        let source = all.subset(sourceRows)
        let target = all.subset(targetRows)
        let stem = export.map { "\($0)/\(dataset.rawValue)-covariate-rep\(repetition)" }
        if let stem {
          try writeJSON(["sourceRows": sourceRows, "targetRows": targetRows], to: stem + "-samples.json")
          try AtomicFile.write(
            "weight\n" + oracle.map { String($0) }.joined(separator: "\n") + "\n", to: stem + "-oracle-weights.csv")
        }
        var candidates: [(String, [Double])] = [("oracle", oracle)]
        for clipping in [WeightClipping.quantile(0.99), .none] {
          let fitStart = DispatchTime.now().uptimeNanoseconds
          var estimateGenerator = SplitMix64(seed: UInt64(repetition))
          let result = try CovariateShiftEstimator(clipping: clipping).estimate(
            source: source.features, target: target.features, using: &estimateGenerator)
          let name = "ours cross-fit clip \(clipping)"
          record(name) { $0.seconds.append(seconds(since: fitStart)) }
          candidates.append((name, result.weights))
          if let stem, clipping == .quantile(0.99) {
            try AtomicFile.write(
              "weight\n" + result.weights.map { String($0) }.joined(separator: "\n") + "\n",
              to: stem + "-ours-weights.csv")
          }
        }
        if let peerWeights {
          let prefix = "\(dataset.rawValue)-covariate-rep\(repetition)-"
          for file in try FileManager.default.contentsOfDirectory(atPath: peerWeights).sorted()
          where file.hasPrefix(prefix) && file.hasSuffix("-weights.csv") && !file.contains("-oracle-")
            && !file.contains("-ours-")
          {
            let table = try CSVTable(contentsOf: "\(peerWeights)/\(file)", labelColumn: nil, labelRequired: false)
            let name = String(file.dropFirst(prefix.count).dropLast("-weights.csv".count))
            candidates.append((name, table.features.storage.map(Double.init)))
          }
        }
        for (name, weights) in candidates {
          guard weights.count == n else {
            throw ValidationError("\(name): \(weights.count) weights for \(n) source rows")
          }
          let squaredError: Double = zip(weights, oracle).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
          let oracleSquares: Double = oracle.reduce(0) { $0 + $1 * $1 }
          record(name) {
            $0.relativeMSE.append(squaredError / oracleSquares)
            $0.spearman.append(spearmanCorrelation(weights, oracle))
            $0.ess.append(CovariateShiftEstimate.effectiveSampleSize(weights))
            $0.maxWeight.append(weights.max() ?? 0)
          }
        }
        if !noRetraining {
          for (name, weights) in [("unweighted", nil)] + candidates.map({ ($0.0, Optional($0.1)) }) {
            var trainGenerator = SplitMix64(seed: UInt64(3000 + repetition))
            let classifier = try ClassifierTraining().train(on: source, weights: weights, using: &trainGenerator)
            let predicted = try classifier.predictedClasses(for: target.features)
            let targetAccuracy = accuracy(predicted: predicted, labels: target.labels)
            record(name) { $0.accuracy.append(targetAccuracy) }
          }
        }
        log(
          String(
            format: "%@ repetition %d/%d: %.1f s", dataset.rawValue, repetition + 1, repetitions, seconds(since: start))
        )
      }
      print(
        "\n\(dataset.rawValue): selection bias σ(\(strength)·PC1 + \(intercept)), n_s = \(sizes(dataset)), n_t ≤ \(sizes(dataset)), \(repetitions) repetitions (means)"
      )
      print(
        "weights".padding(toLength: 34, withPad: " ", startingAt: 0)
          + "relMSE   Spearman  ESS      max w    fit s   target acc")
      for name in order {
        let row = rows[name]!
        func mean(_ values: [Double]) -> String {
          values.isEmpty ? "-" : String(format: "%.4g", values.reduce(0, +) / Double(values.count))
        }
        print(
          name.padding(toLength: 34, withPad: " ", startingAt: 0)
            + [
              mean(row.relativeMSE), mean(row.spearman), mean(row.ess), mean(row.maxWeight), mean(row.seconds),
              mean(row.accuracy),
            ]
            .map { $0.padding(toLength: 9, withPad: " ", startingAt: 0) }.joined())
      }
    }
  }
}
