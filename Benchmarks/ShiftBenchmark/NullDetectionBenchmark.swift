import ArgumentParser
import Foundation
import ShiftKit
import ShiftTestFixtures

/// Does the detector keep its level when nothing shifted, and do its domain-classifier
/// p-values look uniform? Exact no-shift splits of real and simulated tables, and the power
/// and effect sizes on a simulated mixed table with known shifts.
struct NullDetectionBenchmark: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "detection-null",
    abstract:
      "False-positive rates and the uniformity of the domain-classifier p-values under no shift (letter, Fashion-MNIST, penguins, a simulated mixed table); power and effect sizes on the mixed table's known shifts."
  )

  @OptionGroup var locations: DataLocations

  @Option(help: "Penguins CSV (a real mixed table).")
  var penguinsFile = "Datasets/penguins.csv"

  @Option(help: "Repetitions per data set (each its own split).")
  var repetitions = 100

  @Option(help: "Level α of the verdict.")
  var level = 0.05

  @Option(help: "The domain classifier's inverse L2 strength C (default: chosen by cross-fitted log-loss).")
  var domainC: Double?

  @Option(help: "Data sets: letter, fashion, penguins, mixed (comma-separated).")
  var datasets = "letter,fashion,penguins,mixed"

  /// One data set's no-shift split: encoded features and cells of both sides.
  struct Split {
    var source: Matrix
    var target: Matrix
    var names: [String]
    var columns: (source: ColumnCells, target: ColumnCells)?
  }

  func run() throws {
    let chosen = datasets.split(separator: ",").map(String.init)
    print("no shift: exact splits, \(repetitions) repetitions each, verdict at α = \(level) (each family at α/3)")
    print("KS: the domain-classifier p-values against Uniform(0, 1) (D and its p-value)")
    print(
      ["data set", "source", "target", "verdict", "columns", "domain", "KS D", "KS p", "s/rep"].map {
        $0.padding(toLength: 10, withPad: " ", startingAt: 0)
      }.joined())
    for name in chosen {
      let make = try splitter(for: name)
      var verdicts = 0
      var columnRejections = 0
      var domainRejections = 0
      var domainPValues: [Double] = []
      var sizes = (0, 0)
      let start = DispatchTime.now().uptimeNanoseconds
      for repetition in 0..<repetitions {
        var generator = SplitMix64(seed: UInt64(9000 + repetition))
        let split = try make(&generator)
        sizes = (split.source.rows, split.target.rows)
        var detector = ShiftDetector(level: level)
        detector.domainClassifier.inverseRegularization = domainC
        let detection = try detector.detect(
          source: split.source, target: split.target, featureNames: split.names, columns: split.columns,
          using: &generator)
        if detection.verdict != .noShift { verdicts += 1 }
        if (detection.features.map(\.adjustedPValue).min() ?? 1) <= level / 3 { columnRejections += 1 }
        if detection.domain.pValue <= level / 3 { domainRejections += 1 }
        domainPValues.append(detection.domain.pValue)
      }
      let uniformity = Self.uniformityTest(domainPValues)
      let rate = { (count: Int) in String(format: "%.3f", Double(count) / Double(repetitions)) }
      print(
        [
          name, String(sizes.0), String(sizes.1), rate(verdicts), rate(columnRejections), rate(domainRejections),
          String(format: "%.3f", uniformity.distance), String(format: "%.3f", uniformity.pValue),
          String(format: "%.2f", seconds(since: start) / Double(repetitions)),
        ].map { $0.padding(toLength: 10, withPad: " ", startingAt: 0) }.joined())
    }
    if chosen.contains("mixed") { try mixedPower() }
  }

  /// One-sample KS of `pValues` against Uniform(0, 1).
  static func uniformityTest(_ pValues: [Double]) -> (distance: Double, pValue: Double) {
    let sorted = pValues.sorted()
    let n = Double(sorted.count)
    var distance = 0.0
    for (index, p) in sorted.enumerated() {
      distance = max(distance, abs(Double(index + 1) / n - p), abs(p - Double(index) / n))
    }
    let root = n.squareRoot()
    return (distance, KolmogorovSmirnovTest.kolmogorovSurvival((root + 0.12 + 0.11 / root) * distance))
  }

  /// A function drawing one no-shift split of the data set `name`.
  func splitter(for name: String) throws -> (inout SplitMix64) throws -> Split {
    switch name {
    case "letter", "fashion":
      let all = try (name == "letter" ? BenchmarkData.letter : .fashion).load(
        letterFile: locations.letterFile, fashionDirectory: locations.fashionDirectory)
      // letter: a half as source; Fashion-MNIST: 5 000 source rows (its 784 pixels make each
      // domain classifier costly). Then 1 000 target rows from the rest.
      let sourceSize = name == "letter" ? all.count / 2 : 5000
      return { generator in
        let order = randomPermutation(all.count, using: &generator)
        let source = all.features.rows(at: Array(order[..<sourceSize]))
        let target = all.features.rows(at: Array(order[sourceSize..<(sourceSize + 1000)]))
        return Split(source: source, target: target, names: all.featureNames, columns: nil)
      }
    case "penguins", "mixed":
      let table: MixedTable
      if name == "penguins" {
        table = try MixedTable(contentsOf: penguinsFile, options: SchemaOptions(label: "species"))
      } else {
        var generator = SplitMix64(seed: 77)
        let csv = SimulatedMixedTable.csv(rows: 4000, shifted: false, using: &generator)
        table = try MixedTable(bytes: Array(csv.utf8), file: "simulated", options: SchemaOptions(label: "y"))
      }
      // Half the rows as source; the other half (penguins) or 1 000 of it (mixed) as target.
      let targetSize = name == "penguins" ? table.rowCount - table.rowCount / 2 : 1000
      return { generator in
        let order = randomPermutation(table.rowCount, using: &generator)
        let half = table.rowCount / 2
        let source = table.rows(at: Array(order[..<half]))
        let target = table.rows(at: Array(order[half..<(half + targetSize)]))
        let encoding = TableEncoding(fittedTo: source)
        let cells = (try encoding.cells(of: source), try encoding.cells(of: target))
        return Split(
          source: encoding.encoder.expand(cells.0.cells), target: encoding.encoder.expand(cells.1.cells),
          names: encoding.featureNames, columns: cells)
      }
    default:
      throw ValidationError("unknown data set '\(name)': letter, fashion, penguins or mixed")
    }
  }

  /// Rejection rates and mean effect sizes on the simulated mixed table's known shifts.
  func mixedPower() throws {
    var flagged = [String: Int]()
    var effects = [String: [Double]]()
    for repetition in 0..<repetitions {
      var generator = SplitMix64(seed: UInt64(9500 + repetition))
      let sourceCSV = SimulatedMixedTable.csv(rows: 2000, shifted: false, using: &generator)
      let targetCSV = SimulatedMixedTable.csv(rows: 1000, shifted: true, using: &generator)
      let source = try MixedTable(bytes: Array(sourceCSV.utf8), file: "source", options: SchemaOptions(label: "y"))
      let target = try MixedTable(bytes: Array(targetCSV.utf8), file: "target", schema: source.schema)
      let encoding = TableEncoding(fittedTo: source)
      let cells = (try encoding.cells(of: source), try encoding.cells(of: target))
      let detection = try ShiftDetector(level: level).detect(
        source: encoding.encoder.expand(cells.0.cells), target: encoding.encoder.expand(cells.1.cells),
        featureNames: encoding.featureNames, columns: cells, using: &generator)
      for test in detection.features {
        let key = "\(test.feature) (\(test.type.rawValue))"
        if test.adjustedPValue <= level / 3 { flagged[key, default: 0] += 1 }
        effects[key, default: []].append(test.effectSize)
      }
    }
    let share = 2.0 / 3  // 2 000 of the 3 000 rows are the source's
    let truth = [
      "channel (categorical)": String(
        format: "%.4f",
        SimulatedMixedTable.cramersV(
          SimulatedMixedTable.channelShares.source, SimulatedMixedTable.channelShares.target, sourceShare: share)),
      "region (categorical)": String(
        format: "%.4f",
        SimulatedMixedTable.cramersV(
          SimulatedMixedTable.regionShares.source, SimulatedMixedTable.regionShares.target, sourceShare: share)),
      "income (missing rate)": String(format: "%.4f", SimulatedMixedTable.incomeMissingRateDifference),
      "age (numeric)": String(format: "%.4f", SimulatedMixedTable.ageKSDistance),
    ]
    print("\nsimulated mixed table, 2 000 source vs 1 000 shifted target rows, \(repetitions) repetitions")
    print(
      ["column (test)", "flagged", "mean effect", "sd", "population"].enumerated().map {
        $0.element.padding(toLength: $0.offset == 0 ? 26 : 13, withPad: " ", startingAt: 0)
      }.joined())
    for key in effects.keys.sorted() {
      let values = effects[key] ?? []
      let mean = values.reduce(0, +) / Double(values.count)
      let sd = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(values.count - 1, 1))).squareRoot()
      print(
        [
          key, String(format: "%.2f", Double(flagged[key] ?? 0) / Double(repetitions)), String(format: "%.4f", mean),
          String(format: "%.4f", sd), truth[key] ?? "0 (no shift)",
        ].enumerated().map { $0.element.padding(toLength: $0.offset == 0 ? 26 : 13, withPad: " ", startingAt: 0) }
          .joined())
    }
  }
}
