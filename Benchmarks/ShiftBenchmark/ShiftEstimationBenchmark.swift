// shift-estimation-benchmark: accuracy and speed of the shift estimators against known truth.
//
//   label      Dirichlet (α ∈ {0.1, 1, 10}) and tweak-one (ρ ∈ {0.5, 0.9}) label shift on
//              letter-recognition and Fashion-MNIST, target sizes {500, 2000, 8000}: mean
//              weight-MSE ‖ŵ − w‖²/k per method, `auto`, and the floor (the empirical target
//              frequencies' MSE). `--export DIR` writes the splits, logits and target draws so
//              `Benchmarks/shift_peer.py` can run the Python references on the same data.
//   covariate  selection-bias shift: relMSE of the weights against the oracle, Spearman ρ, ESS,
//              max weight, and the target accuracy of unweighted vs weighted retraining.
//   coverage   how often the 95 % bootstrap intervals for the target prior cover the truth.
//   performance  label-free target-accuracy estimates against the actual accuracy.
//   detection  false-positive rate and power of the shift verdict.
//   detection-null  level and p-value uniformity under exact no-shift splits; mixed-table power.
//   timing     estimation time on 10 000 × 50 (covariate and label).
//   monitoring  the monitor's accuracy estimates, intervals and alerts on seeded streams
//              (stable, then covariate drift, label shift or concept shift) beside NannyML's CBPE.
//   monitoring-scale  `shiftcli monitor` on 1 000 000 rows: seconds, rows/s, peak RSS, beside CBPE.
//   table      writes the profiling benchmark's generated 20-column production table.
//   reading    seconds and peak RSS of the numeric and the mixed-table readers, same cells.
import ArgumentParser
import Foundation
import ShiftKit

@main
struct ShiftEstimationBenchmark: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "shift-estimation-benchmark",
    abstract: "Accuracy and speed of the shift estimators on simulated shift with known truth.",
    subcommands: [
      QuantificationBenchmark.self, CovariateBenchmark.self, CoverageBenchmark.self, DetectionBenchmark.self,
      NullDetectionBenchmark.self, PerformanceBenchmark.self, MonitoringBenchmark.self,
      MonitoringScaleBenchmark.self, TimingBenchmark.self,
      ReadingBenchmark.self, StreamingBenchmark.self, ProfilingBenchmark.self, ProductionTableCommand.self,
    ])

  static func main() {
    BLASKernel.ensureOptimizedKernel()
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch {
      exit(withError: error)
    }
  }
}

/// The data sets the benchmarks run on.
enum BenchmarkData: String, ExpressibleByArgument, CaseIterable {
  case letter, fashion

  /// All rows: letter-recognition from its CSV; Fashion-MNIST's train rows then its test rows.
  func load(letterFile: String, fashionDirectory: String) throws -> Dataset {
    switch self {
    case .letter: return try Dataset(csvFile: letterFile, labelColumn: "lettr")
    case .fashion:
      let train = try FashionMNIST.load(.train, directory: fashionDirectory)
      let test = try FashionMNIST.load(.test, directory: fashionDirectory)
      return Dataset(
        features: Matrix(stacking: [train.features, test.features]), labels: train.labels + test.labels,
        classes: train.classes, featureNames: train.featureNames)
    }
  }
}

struct DataLocations: ParsableArguments {
  @Option(help: "letter-recognition CSV.")
  var letterFile = "Datasets/letter-recognition.csv"
  @Option(help: "Fashion-MNIST directory.")
  var fashionDirectory = FashionMNIST.defaultDirectory

  /// A data set named `letter`, `fashion` or by the path of a CSV file whose label column is
  /// `label` (read as `shiftcli` reads a table: categories one-hot, missing cells imputed); its
  /// name in exports; and the rows of its own training part (Fashion-MNIST's first 60 000) when
  /// it has one.
  func load(_ name: String, label: String?) throws -> (data: Dataset, name: String, trainRows: Int?) {
    if let data = BenchmarkData(rawValue: name) {
      return (
        try data.load(letterFile: letterFile, fashionDirectory: fashionDirectory), name,
        data == .fashion ? 60_000 : nil
      )
    }
    guard let label else { throw ValidationError("the CSV data set \(name) needs --label COL") }
    let table = try MixedTable(contentsOf: name, options: SchemaOptions(label: label))
    let encoding = TableEncoding(fittedTo: table)
    let classes = try table.classIndex()
    let labels = try classes.indices(of: table.labels ?? [], file: name, lines: table.rowLines)
    let features = encoding.encoder.expand(try encoding.cells(of: table).cells)
    let stem = URL(fileURLWithPath: name).deletingPathExtension().lastPathComponent
    return (
      Dataset(features: features, labels: labels, classes: classes, featureNames: encoding.featureNames), stem, nil
    )
  }
}

func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

func log(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }

/// Every row's features as little-endian Float32 (`rows × columns`, row-major) in
/// `<stem>-features.f32`, their shape in `<stem>-features.json` and the labels in
/// `<stem>-labels.csv`: what the Python peers read, so that they see the very rows we do.
func exportFeatures(_ all: Dataset, to stem: String) throws {
  let bytes = all.features.storage.withUnsafeBufferPointer { Data(buffer: $0) }
  try AtomicFile.write(bytes, to: stem + "-features.f32")
  try writeJSON(
    ["rows": all.count, "columns": all.features.columns, "labels": all.labels.count], to: stem + "-features.json")
  try AtomicFile.write(all.labels.map(String.init).joined(separator: "\n") + "\n", to: stem + "-labels.csv")
}

/// `prior` restricted to the classes `pool` has rows of, renormalised (uniform over them if
/// none is left): a small data set's random split can leave a rare class out of the pool.
func drawable(_ prior: [Double], from pool: Dataset) -> [Double] {
  drawable(prior, present: classesPresent(in: pool))
}

/// `prior` restricted to the `present` classes, renormalised (uniform over them if none is left).
func drawable(_ prior: [Double], present: [Bool]) -> [Double] {
  let kept = prior.indices.map { present[$0] ? prior[$0] : 0 }
  let total = kept.reduce(0, +)
  if total > 0 { return kept.map { $0 / total } }
  let count = Double(present.filter { $0 }.count)
  return present.map { $0 ? 1 / count : 0 }
}

/// Whether `pool` has rows of each of its classes.
func classesPresent(in pool: Dataset) -> [Bool] {
  rowIndicesByClass(pool.labels, classCount: pool.classes.count).map { !$0.isEmpty }
}

func writeJSON(_ value: some Encodable, to path: String) throws {
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.sortedKeys]
  try AtomicFile.write(try encoder.encode(value), to: path)
}

func writeMatrixCSV(_ matrix: Matrix, to path: String) throws {
  var text = ""
  text.reserveCapacity(matrix.rows * matrix.columns * 10)
  for i in 0..<matrix.rows {
    text += matrix.row(i).map { String($0) }.joined(separator: ",")
    text += "\n"
  }
  try AtomicFile.write(Data(text.utf8), to: path)
}
