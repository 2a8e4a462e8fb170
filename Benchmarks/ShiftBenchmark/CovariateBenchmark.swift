import ArgumentParser
import Foundation
import ShiftKit

/// Selection-bias covariate shift with oracle weights: how close the estimated weights come to
/// the oracle, what they cost in ESS, and what weighted retraining does to target accuracy;
/// ours (the default, and each choice of calibration and clip) beside scikit-learn's logistic
/// regression (`Benchmarks/shift_peer.py`, on the exported samples).
struct CovariateBenchmark: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "covariate",
    abstract: "Covariate-shift weights vs the selection-bias oracle, and weighted vs unweighted retraining.",
    discussion: """
      Each cell is a selection σ(γ·PC1 + b) on the standardised first principal component: half \
      of the rows are the source, the other half is thinned by it into the target (the oracle \
      weight of a source row is its selection probability). Data sets: letter, fashion, or CSV \
      files whose label column is --label (at most 3 000 source rows; Fashion-MNIST 5 000).
      """)

  @OptionGroup var locations: DataLocations

  @Option(parsing: .upToNextOption, help: "Data sets: letter, fashion, or CSV files (their label column is --label).")
  var data: [String] = ["letter", "fashion"]

  @Option(help: "The label column of the CSV data sets.")
  var label: String?

  @Option(help: "Repetitions (seeds).")
  var repetitions = 5

  @Option(
    help:
      "Selections γ:b, comma-separated: target rows are kept with probability σ(γ·PC1 score + b) (a negative b: rare selection, heavy-tailed weights)."
  )
  var selections = "2:0,2.5:-1.5,2:-4"

  @Option(help: "Write the samples, oracle weights and our weights here for Benchmarks/shift_peer.py.")
  var export: String?

  @Option(help: "Also retrain with the weight files the peer wrote into this directory (<stem>-<name>-weights.csv).")
  var peerWeights: String?

  @Flag(help: "Skip retraining (weights only).")
  var noRetraining = false

  /// The source size (and the target's cap): 3 000 rows, Fashion-MNIST 5 000 (the anchors'
  /// settings), at most half a small data set.
  func size(_ name: String, rows: Int) -> Int { min(name == "fashion" ? 5000 : 3000, rows / 2) }

  struct Row {
    var relativeMSE: [Double] = []
    var spearman: [Double] = []
    var ess: [Double] = []
    var maxWeight: [Double] = []
    var seconds: [Double] = []
    var accuracy: [Double] = []
    /// 1 where the spline calibration was kept, 0 where the linear logit was.
    var calibrated: [Double] = []
  }

  /// A repetition whose selection keeps fewer target rows is skipped (a small data set's rare
  /// selection).
  static let minimumTargetRows = 20

  /// The name of our default's row.
  static let defaultName = "ours (default)"

  func run() throws {
    let cells = try selections.split(separator: ",").map { cell -> (strength: Double, intercept: Double) in
      let parts = cell.split(separator: ":")
      guard parts.count == 2, let strength = Double(parts[0]), let intercept = Double(parts[1]) else {
        throw ValidationError("--selections: '\(cell)' is not γ:b")
      }
      return (strength, intercept)
    }
    if let export { try FileManager.default.createDirectory(atPath: export, withIntermediateDirectories: true) }
    var summary: [String] = []
    for name in data {
      var (all, dataName, _) = try locations.load(name, label: label)
      if name == "fashion" { all = all.subset(0..<60_000) }
      if let export { try exportFeatures(all, to: "\(export)/\(dataName)") }
      for (strength, intercept) in cells {
        let cellName = "\(dataName)-selection\(strength)_\(intercept)"
        summary.append(
          try runCell(all: all, cellName: cellName, size: size(name, rows: all.count), strength, intercept))
      }
    }
    print(
      "\nour default against scikit-learn's plain logistic regression (the better of in-sample and cross-fitted, by relMSE)"
    )
    print("cell                                  relMSE ours / LR     ESS ours / LR     target acc ours − LR")
    for line in summary { print(line) }
  }

  /// One data set and selection: every repetition, the table of means, and the summary line.
  func runCell(all: Dataset, cellName: String, size n: Int, _ strength: Double, _ intercept: Double) throws -> String {
    var rows: [String: Row] = [:]
    var order: [String] = []
    func record(_ name: String, _ update: (inout Row) -> Void) {
      if rows[name] == nil { order.append(name) }
      update(&rows[name, default: Row()])
    }
    for repetition in 0..<repetitions {
      let start = DispatchTime.now().uptimeNanoseconds
      var generator = SplitMix64(seed: UInt64(2000 + repetition))
      // The simulation's source half is cut to n rows and the target capped at n.
      // A selection that keeps (almost) nothing of a small data set skips the repetition.
      let simulation = try? SelectionBiasSimulation(
        features: all.features, strength: strength, intercept: intercept, targetLimit: n, using: &generator)
      guard let simulation, simulation.targetRows.count >= Self.minimumTargetRows else {
        log("\(cellName) repetition \(repetition + 1): too few target rows selected, skipped")
        continue
      }
      let sourceRows = Array(simulation.sourceRows.prefix(n))
      let targetRows = simulation.targetRows
      let oracle = simulation.oracleWeights(ofFirst: n)
      let source = all.subset(sourceRows)
      let target = all.subset(targetRows)
      let stem = (export ?? peerWeights).map { "\($0)/\(cellName)-rep\(repetition)" }
      if let stem, export != nil {
        try writeJSON(["sourceRows": sourceRows, "targetRows": targetRows], to: stem + "-samples.json")
        try AtomicFile.write(
          "weight\n" + oracle.map { String($0) }.joined(separator: "\n") + "\n", to: stem + "-oracle-weights.csv")
      }
      var candidates: [(String, [Double])] = [("oracle", oracle)]
      // One domain fit (the default estimator's), then each choice of calibration and clip on it.
      let fitStart = DispatchTime.now().uptimeNanoseconds
      var estimateGenerator = SplitMix64(seed: UInt64(repetition))
      let estimator = CovariateShiftEstimator()
      let linear = try estimator.domainClassifier.fit(
        source: source.features, target: target.features, using: &estimateGenerator)
      let (calibrated, report) = ScoreCalibration.calibrate(linear)
      let fitSeconds = seconds(since: fitStart)
      let variants: [(String, CovariateShiftEstimate)] = [
        (Self.defaultName, CovariateShiftEstimate(domainFit: calibrated, clipping: estimator.clipping)),
        ("ours calibrated, clip none", CovariateShiftEstimate(domainFit: calibrated, clipping: .none)),
        ("ours linear, clip q99", CovariateShiftEstimate(domainFit: linear, clipping: .quantile(0.99))),
        ("ours linear, clip none", CovariateShiftEstimate(domainFit: linear, clipping: .none)),
      ]
      record(Self.defaultName) {
        $0.seconds.append(fitSeconds)
        $0.calibrated.append(report.applied ? 1 : 0)
      }
      for (name, result) in variants {
        candidates.append((name, result.weights))
        if let stem, export != nil, name == Self.defaultName {
          try AtomicFile.write(
            "weight\n" + result.weights.map { String($0) }.joined(separator: "\n") + "\n",
            to: stem + "-ours-weights.csv")
        }
      }
      if let peerWeights {
        let prefix = "\(cellName)-rep\(repetition)-"
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
      log(String(format: "%@ repetition %d/%d: %.1f s", cellName, repetition + 1, repetitions, seconds(since: start)))
    }
    guard !rows.isEmpty else {
      return cellName.padding(toLength: 38, withPad: " ", startingAt: 0) + "skipped (too few target rows)"
    }
    func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }
    func format(_ value: Double?) -> String { value.map { String(format: "%.4g", $0) } ?? "-" }
    print(
      "\n\(cellName): selection σ(\(strength)·PC1 + \(intercept)), n_s = \(n), n_t ≤ \(n), \(repetitions) repetitions (means)"
    )
    print(
      "weights".padding(toLength: 34, withPad: " ", startingAt: 0)
        + "relMSE   Spearman  ESS      max w    fit s    target acc  spline kept")
    for name in order {
      guard let row = rows[name] else { continue }
      print(
        name.padding(toLength: 34, withPad: " ", startingAt: 0)
          + [row.relativeMSE, row.spearman, row.ess, row.maxWeight, row.seconds, row.accuracy, row.calibrated]
          .map { format(mean($0)).padding(toLength: 9, withPad: " ", startingAt: 0) }.joined())
    }
    let plain = ["sklearn-insample", "sklearn-crossfit"].compactMap { name in rows[name].map { (name, $0) } }
      .min { (mean($0.1.relativeMSE) ?? .infinity) < (mean($1.1.relativeMSE) ?? .infinity) }
    guard let ours = rows[Self.defaultName], let (plainName, peer) = plain else {
      return cellName.padding(toLength: 38, withPad: " ", startingAt: 0)
        + "(no peer weights: run Benchmarks/shift_peer.py)"
    }
    let accuracyGap =
      zip([mean(ours.accuracy)], [mean(peer.accuracy)]).compactMap { a, b in
        a.flatMap { a in b.map { String(format: "%+.4f", a - $0) } }
      }.first ?? "-"
    return cellName.padding(toLength: 38, withPad: " ", startingAt: 0)
      + "\(format(mean(ours.relativeMSE))) / \(format(mean(peer.relativeMSE)))".padding(
        toLength: 21, withPad: " ", startingAt: 0)
      + "\(format(mean(ours.ess))) / \(format(mean(peer.ess)))".padding(toLength: 18, withPad: " ", startingAt: 0)
      + "\(accuracyGap) (LR: \(plainName))"
  }
}
