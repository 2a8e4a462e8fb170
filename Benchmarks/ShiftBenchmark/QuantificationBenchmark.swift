import ArgumentParser
import Foundation
import ShiftKit

/// `shift-estimation-benchmark quantification`: every label-shift method of ours, and the
/// default (EM-BCTS) and `auto`, on cross-fitted MLPs (the pooled problem: every fold's held-out rows, the
/// folds' mean probability on the target), over a grid of simulated label
/// shifts of any labelled data set (Dirichlet priors, tweak-one priors, several target sizes,
/// repetitions with their own split, models and draws). Errors are measured against each
/// drawn target's own class shares (what an estimator can recover), as in LeQua: the weight
/// MSE ‖ŵ − w‖²/k, the absolute error (AE) and the relative absolute error (RAE) of the prior.
///
/// With `--export DIR` it writes what `Benchmarks/quapy_peer.py` needs to run QuaPy's methods
/// on the same posteriors and the same draws, and `Benchmarks/compare_quantification.py` puts
/// both side by side.
struct QuantificationBenchmark: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "quantification",
    abstract:
      "Label-shift (quantification) accuracy of every method on cross-fitted posteriors, any labelled data set.",
    discussion: """
      Each data set is split in two halves within each class: the source (labelled; MLPs are \
      cross-fitted on it) and the pool the targets are drawn from. Every data set is letter, \
      fashion or a CSV file whose label column is --label. Classes with fewer than two rows are \
      left out (named on stderr).
      """)

  @OptionGroup var locations: DataLocations

  @Option(parsing: .upToNextOption, help: "Data sets: letter, fashion, or CSV files (their label column is --label).")
  var data: [String] = ["letter", "fashion"]

  @Option(help: "The label column of the CSV data sets.")
  var label: String?

  @Option(help: "Repetitions (each with its own split, models and target draws).")
  var repetitions = 10

  @Option(help: "Target sizes, comma-separated.")
  var sizes = "500,2000,8000"

  @Option(help: "Dirichlet concentrations of the target priors, comma-separated.")
  var alphas = "0.1,1,10"

  @Option(help: "Tweak-one shares (one class gets this share, the rest share the remainder), comma-separated.")
  var rhos = "0.5,0.9"

  @Option(help: "Cross-fitting folds.")
  var folds = 5

  @Option(help: "Largest source (rows drawn within classes; 0: the whole half).")
  var maxSourceRows = 0

  @Option(help: "The priors auto's simulated shifts are drawn with: pilot or artificial.")
  var selectionPriors = "pilot"

  @Option(help: "Methods of ours, comma-separated (default: every method and auto).")
  var methods = (LabelShiftMethod.concrete + [.auto]).map(\.rawValue).joined(separator: ",")

  @Option(help: "Write posteriors, splits and draws here for Benchmarks/quapy_peer.py.")
  var export: String?

  @Option(
    help:
      "Train nothing: re-estimate the draws of an earlier --export from its posteriors with --methods (their estimates are added to its draws)."
  )
  var fromExport: String?

  @Flag(help: "Print one JSON object instead of the table.")
  var json = false

  func validate() throws {
    guard repetitions >= 1, folds >= 2 else { throw ValidationError("--repetitions ≥ 1 and --folds ≥ 2") }
    guard !grid.isEmpty, !targetSizes.isEmpty else { throw ValidationError("no shifts or no target sizes") }
    guard data.allSatisfy({ ["letter", "fashion"].contains($0) }) || label != nil else {
      throw ValidationError("a CSV data set needs --label COL")
    }
    _ = try chosenMethods()
  }

  var targetSizes: [Int] { sizes.split(separator: ",").compactMap { Int($0) }.filter { $0 > 0 } }

  var grid: [LabelShiftKind] {
    alphas.split(separator: ",").compactMap { Double($0) }.filter { $0 > 0 }.map {
      LabelShiftKind(family: .dirichlet, parameter: $0)
    }
      + rhos.split(separator: ",").compactMap { Double($0) }.filter { $0 > 0 && $0 < 1 }.map {
        LabelShiftKind(family: .tweakOne, parameter: $0)
      }
  }

  func chosenMethods() throws -> [LabelShiftMethod] {
    try methods.split(separator: ",").map { name in
      guard let method = LabelShiftMethod(rawValue: String(name)) else {
        throw ValidationError("unknown method '\(name)'; methods: \(LabelShiftMethod.allCases.map(\.rawValue))")
      }
      return method
    }
  }

  /// One target draw: its cell, the rows drawn from the pool, and every method's prior.
  struct Draw: Codable {
    /// The shift's name in tables.
    var kind: LabelShiftKind { LabelShiftKind(family: .init(rawValue: shift) ?? .dirichlet, parameter: parameter) }

    var shift: String
    var parameter: Double
    var n: Int
    var prior: [Double]
    /// Positions in the pool.
    var targetRows: [Int]
    /// The drawn target's own class shares.
    var shares: [Double]
    /// Each method's estimated target prior.
    var estimates: [String: [Double]]
  }

  /// What the peer needs of one repetition besides its draws.
  struct ExportedSplit: Codable {
    var data: String
    var repetition: Int
    var classes: [String]
    /// Rows of the data set (as exported in `<data>-features.f32`) in the source, and in the pool.
    var sourceRows: [Int]
    var poolRows: [Int]
    var sourcePrior: [Double]
    var folds: Int
  }

  func run() throws {
    let methods = try chosenMethods()
    if let export { try FileManager.default.createDirectory(atPath: export, withIntermediateDirectories: true) }
    var errors: [String: [String: [Double]]] = [:]  // cell → method:metric → values
    var cellOrder: [String] = []
    /// Records every method's errors on a draw.
    func score(_ draw: Draw, data: String, sourcePrior: [Double]) {
      let cell = "\(data)|\(draw.kind)|\(draw.n)"
      if !cellOrder.contains(cell) { cellOrder.append(cell) }
      for (method, estimate) in draw.estimates {
        for (metric, value) in QuantificationError.all(
          estimate, truth: draw.shares, sourcePrior: sourcePrior, targetSize: draw.n)
        {
          errors[cell, default: [:]]["\(method):\(metric)", default: []].append(value)
        }
      }
    }
    if let directory = fromExport {
      try reestimate(directory, methods: methods) { draw, data, sourcePrior in
        score(draw, data: data, sourcePrior: sourcePrior)
      }
    }
    for name in fromExport == nil ? data : [] {
      let (all, dataName, trainRows) = try locations.load(name, label: label)
      if let export { try exportFeatures(all, to: "\(export)/\(dataName)") }
      for repetition in 0..<repetitions {
        let start = DispatchTime.now().uptimeNanoseconds
        var generator = SplitMix64(seed: UInt64(2000 + repetition))
        let (sourceRows, poolRows) = split(all, trainRows: trainRows, using: &generator)
        let source = all.subset(sourceRows)
        let pool = all.subset(poolRows)
        let crossFitted = try HeldOutClassifiers(crossFitting: source, folds: folds, using: &generator)
        let poolLogits = try crossFitted.classifiers.map { try $0.logits(for: pool.features) }
        var draws: [Draw] = []
        for kind in grid {
          for n in targetSizes {
            var cellGenerator = SplitMix64(seed: UInt64(repetition) &* 1_000_003 &+ UInt64(n) &+ kind.seed)
            let prior = try drawablePrior(kind, pool: pool, using: &cellGenerator)
            let targetRows = try LabelShiftSimulation.sample(
              labels: pool.labels, prior: prior, count: n, using: &cellGenerator)
            let shares = classShares(targetRows.map { pool.labels[$0] }, classCount: prior.count)
            let problem = try crossFitted.problem(forTargetLogits: poolLogits.map { $0.rows(at: targetRows) })
            var estimates: [String: [Double]] = [:]
            for method in methods {
              estimates[method.rawValue] =
                try LabelShiftEstimator(method: method, selectionPriors: .init(rawValue: selectionPriors) ?? .pilot)
                .estimate(problem, using: &cellGenerator).targetPrior
            }
            let draw = Draw(
              shift: kind.family.rawValue, parameter: kind.parameter, n: n, prior: prior, targetRows: targetRows,
              shares: shares, estimates: estimates)
            score(draw, data: dataName, sourcePrior: crossFitted.sourcePrior)
            draws.append(draw)
          }
        }
        if let export {
          try exportRepetition(
            dataName, repetition, all: all, sourceRows: sourceRows, poolRows: poolRows, crossFitted: crossFitted,
            poolLogits: poolLogits, draws: draws, to: export)
        }
        log(
          String(
            format: "%@ repetition %d/%d: %d source rows, %d in the pool, %.1f s", dataName, repetition + 1,
            repetitions, sourceRows.count, poolRows.count, seconds(since: start)))
      }
    }
    let summary = Summary(cells: cellOrder, errors: errors, methods: methods.map(\.rawValue))
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      print(String(decoding: try encoder.encode(summary), as: UTF8.self))
    } else {
      summary.printTable()
    }
  }

  /// Re-runs `methods` on every draw of an export (the pooled problem of its exported logits:
  /// the out-of-fold holdout, every fold model's pool logits; the same as in the run that
  /// exported them), adds their estimates to its draws, and hands
  /// each draw to `score` with its data set's name and source prior.
  private func reestimate(
    _ directory: String, methods: [LabelShiftMethod], score: (Draw, String, [Double]) -> Void
  ) throws {
    let splits = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix("-split.json") }
      .sorted()
    for file in splits {
      let stem = "\(directory)/\(file.dropLast("-split.json".count))"
      let split = try JSONDecoder().decode(
        ExportedSplit.self, from: Data(contentsOf: URL(fileURLWithPath: stem + "-split.json")))
      let holdout = try readNumbers(stem + "-holdout-logits.csv")
      let k = split.classes.count
      let labels = holdout.map { Int($0[1]) }
      let holdoutLogits = Matrix(holdout.map { $0[2...].map(Float.init) })
      // Each fold model's pool logits, which the pooled problem combines.
      let folds = try (0..<split.folds).map { fold in
        Matrix(try readNumbers(stem + "-pool-logits-fold\(fold).csv").map { $0.map(Float.init) })
      }
      guard holdoutLogits.columns == k, folds.allSatisfy({ $0.columns == k }) else {
        throw ValidationError("\(stem): logits of other than \(k) classes")
      }
      let lines = try String(contentsOfFile: stem + "-draws.jsonl", encoding: .utf8).split(separator: "\n")
      var draws = try lines.map { try JSONDecoder().decode(Draw.self, from: Data($0.utf8)) }
      for index in draws.indices {
        var generator = SplitMix64(seed: UInt64(split.repetition) &* 1_000_003 &+ UInt64(index))
        let problem = try LabelShiftProblem(
          holdoutLogits: holdoutLogits, holdoutLabels: labels,
          classifiersTargetLogits: folds.map { $0.rows(at: draws[index].targetRows) }, sourcePrior: split.sourcePrior)
        for method in methods {
          draws[index].estimates[method.rawValue] =
            try LabelShiftEstimator(method: method, selectionPriors: .init(rawValue: selectionPriors) ?? .pilot)
            .estimate(problem, using: &generator).targetPrior
        }
        score(draws[index], split.data, split.sourcePrior)
      }
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys]
      let text = try draws.map { String(decoding: try encoder.encode($0), as: UTF8.self) }.joined(separator: "\n")
      try AtomicFile.write(text + "\n", to: stem + "-draws.jsonl")
      log("\(stem): \(draws.count) draws re-estimated")
    }
  }

  /// The rows of a CSV of numbers.
  private func readNumbers(_ path: String) throws -> [[Double]] {
    try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { line in
      try line.split(separator: ",").map { cell in
        guard let value = Double(cell) else { throw ValidationError("\(path): '\(cell)' is not a number") }
        return value
      }
    }
  }

  /// Each class's rows halved at random (the source, the pool); a class of fewer than two rows is
  /// left out. A data set with its own training part keeps its split (those rows, the rest). The
  /// source is cut to `maxSourceRows` within classes.
  private func split(_ all: Dataset, trainRows: Int?, using generator: inout SplitMix64) -> ([Int], [Int]) {
    var source: [Int] = []
    var pool: [Int] = []
    if let trainRows {
      source = Array(0..<trainRows)
      pool = Array(trainRows..<all.count)
    } else {
      for (j, var rows) in rowIndicesByClass(all.labels, classCount: all.classes.count).enumerated() {
        guard rows.count >= 2 else {
          if !rows.isEmpty { log("class '\(all.classes.names[j])' has one row: left out") }
          continue
        }
        rows.fisherYatesShuffle(using: &generator)
        source += rows[..<(rows.count / 2)]
        pool += rows[(rows.count / 2)...]
      }
    }
    if maxSourceRows > 0, source.count > maxSourceRows {
      var kept: [Int] = []
      for var rows in rowIndicesByClass(source.map { all.labels[$0] }, classCount: all.classes.count) {
        rows.fisherYatesShuffle(using: &generator)
        let share = Int((Double(rows.count) * Double(maxSourceRows) / Double(source.count)).rounded(.up))
        kept += rows.prefix(max(share, 1)).map { source[$0] }
      }
      source = kept
    }
    return (source.sorted(), pool.sorted())
  }

  /// The cell's prior, with no mass on a class the pool lacks.
  private func drawablePrior(_ kind: LabelShiftKind, pool: Dataset, using generator: inout SplitMix64) throws
    -> [Double]
  {
    let present = classesPresent(in: pool)
    var prior: [Double]
    // Redrawn while all its mass falls on classes the pool lacks.
    repeat {
      prior = try kind.prior(classCount: present.count, using: &generator)
    } while !prior.indices.contains { present[$0] && prior[$0] > 0 }
    return drawable(prior, present: present)
  }

  /// The split, the out-of-fold source logits (fold after fold, with each row's fold and
  /// label), each fold model's pool logits, and the draws with our estimates. Logits, not
  /// probabilities: a confident model's probabilities underflow, and their logarithms would not
  /// give its logits back.
  private func exportRepetition(
    _ dataName: String, _ repetition: Int, all: Dataset, sourceRows: [Int], poolRows: [Int],
    crossFitted: HeldOutClassifiers, poolLogits: [Matrix], draws: [Draw], to directory: String
  ) throws {
    let stem = "\(directory)/\(dataName)-rep\(repetition)"
    try writeJSON(
      ExportedSplit(
        data: dataName, repetition: repetition, classes: all.classes.names, sourceRows: sourceRows,
        poolRows: poolRows, sourcePrior: crossFitted.sourcePrior, folds: crossFitted.classifiers.count),
      to: stem + "-split.json")
    var holdout = ""
    for (fold, (logits, labels)) in zip(crossFitted.heldOutLogits, crossFitted.heldOutLabels).enumerated() {
      for row in 0..<logits.rows {
        holdout += "\(fold),\(labels[row]),"
        holdout += logits.row(row).map { String($0) }.joined(separator: ",") + "\n"
      }
    }
    try AtomicFile.write(holdout, to: stem + "-holdout-logits.csv")
    for (fold, logits) in poolLogits.enumerated() {
      try writeMatrixCSV(logits, to: stem + "-pool-logits-fold\(fold).csv")
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let lines = try draws.map { String(decoding: try encoder.encode($0), as: UTF8.self) }.joined(separator: "\n")
    try AtomicFile.write(lines + "\n", to: stem + "-draws.jsonl")
  }

  /// Per cell and method, the mean of each error over the repetitions, and per method the
  /// geometric mean over cells.
  struct Summary: Encodable {
    var cells: [String]
    var methods: [String]
    /// cell → "method:metric" → mean over repetitions.
    var means: [String: [String: Double]]

    init(cells: [String], errors: [String: [String: [Double]]], methods: [String]) {
      self.cells = cells
      self.methods = methods
      means = errors.mapValues { $0.mapValues { $0.reduce(0, +) / Double(max($0.count, 1)) } }
    }

    /// The geometric mean over cells of `method`'s mean `metric`.
    func geometricMean(_ method: String, _ metric: String) -> Double {
      let values = cells.compactMap { means[$0]?["\(method):\(metric)"] }.filter { $0 > 0 }
      guard !values.isEmpty else { return .nan }
      return exp(values.map(log).reduce(0, +) / Double(values.count))
    }

    func printTable() {
      for metric in QuantificationError.names {
        print("\n\(metric) (mean over repetitions, against each target's own class shares; lower is better)")
        print("data|shift|n".padding(toLength: 34, withPad: " ", startingAt: 0) + methods.map { pad($0) }.joined())
        for cell in cells {
          print(
            cell.padding(toLength: 34, withPad: " ", startingAt: 0)
              + methods.map { pad(String(format: "%.3g", means[cell]?["\($0):\(metric)"] ?? .nan)) }.joined())
        }
        print(
          "geometric mean".padding(toLength: 34, withPad: " ", startingAt: 0)
            + methods.map { pad(String(format: "%.3g", geometricMean($0, metric))) }.joined())
      }
    }

    private func pad(_ text: String) -> String { text.padding(toLength: 11, withPad: " ", startingAt: 0) }
  }
}

/// One simulated label shift of the grid.
struct LabelShiftKind: Hashable, CustomStringConvertible {
  enum Family: String {
    case dirichlet
    case tweakOne = "tweak-one"
  }
  var family: Family
  var parameter: Double

  var description: String { family == .dirichlet ? "Dirichlet α=\(parameter)" : "tweak-one ρ=\(parameter)" }

  /// A prior of this kind over `k` classes (tweak-one: a class drawn at random gets the share).
  func prior(classCount k: Int, using generator: inout SplitMix64) throws -> [Double] {
    switch family {
    case .dirichlet: try LabelShiftSimulation.dirichletPrior(classCount: k, concentration: parameter, using: &generator)
    case .tweakOne:
      try LabelShiftSimulation.tweakOnePrior(classCount: k, tweaked: generator.uniformIndex(below: k), share: parameter)
    }
  }

  /// A number that tells the cells' seeds apart.
  var seed: UInt64 { (family == .dirichlet ? 0 : 500_000) &+ UInt64(parameter * 1000) &* 7919 }
}

/// The errors of an estimated class prior against the truth, as the quantification literature
/// (LeQua 2022) reports them.
enum QuantificationError {
  static let names = ["weight-mse", "ae", "rae"]

  /// Weight MSE ‖q̂/p − q/p‖²/k (classes absent from the source left out), AE mean |q̂ − q|, and
  /// RAE mean |q̂ − q|/q after both are smoothed by ε = 1/(2n), n the target's size (LeQua's).
  static func all(_ estimate: [Double], truth: [Double], sourcePrior: [Double], targetSize: Int) -> [(String, Double)] {
    let k = Double(truth.count)
    var mse = 0.0
    var counted = 0.0
    for j in truth.indices where sourcePrior[j] > 0 {
      let d = (estimate[j] - truth[j]) / sourcePrior[j]
      mse += d * d
      counted += 1
    }
    let ae = zip(estimate, truth).map { abs($0 - $1) }.reduce(0, +) / k
    let epsilon = 1 / (2 * Double(targetSize))
    func smooth(_ p: Double) -> Double { (epsilon + p) / (epsilon * k + 1) }
    let rae = zip(estimate, truth).map { abs(smooth($0) - smooth($1)) / smooth($1) }.reduce(0, +) / k
    return [("weight-mse", mse / max(counted, 1)), ("ae", ae), ("rae", rae)]
  }
}
