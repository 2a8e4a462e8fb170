// shift-benchmark: training speed of the MLP core against the machine's measured sgemm peak.
//
// Prints, for 1 and 2 BLAS threads: sgemm 2048² GFLOP/s; seconds per epoch (fastest and median),
// samples/s and achieved GFLOP/s for d2l's 784-256-10 and a wide 784-1024-1024-10 network on
// Fashion-MNIST; the time to load Fashion-MNIST; and peak RSS. `--json` prints one object instead.
import Foundation
import ShiftKit

BLASKernel.ensureOptimizedKernel()

struct Options {
  var epochs = 5
  var wideEpochs = 3
  var threads = [1, 2]
  var json = false
  var dataDirectory = FashionMNIST.defaultDirectory

  init(_ arguments: ArraySlice<String>) throws {
    var rest = arguments
    func value(_ flag: String) throws -> String {
      guard let next = rest.popFirst() else { throw BenchmarkError("\(flag) needs a value") }
      return next
    }
    while let flag = rest.popFirst() {
      switch flag {
      case "--epochs": epochs = try Int(value(flag)).orThrow("--epochs takes a number")
      case "--wide-epochs": wideEpochs = try Int(value(flag)).orThrow("--wide-epochs takes a number")
      case "--threads":
        threads = try value(flag).split(separator: ",").map { try Int($0).orThrow("--threads takes numbers like 1,2") }
      case "--data-dir": dataDirectory = try value(flag)
      case "--json": json = true
      case "--help", "-h":
        print("usage: shift-benchmark [--epochs 5] [--wide-epochs 3] [--threads 1,2] [--data-dir DIR] [--json]")
        exit(0)
      default: throw BenchmarkError("unknown argument \(flag) (see --help)")
      }
    }
    guard epochs >= 1, wideEpochs >= 1, !threads.isEmpty, threads.allSatisfy({ $0 >= 1 }) else {
      throw BenchmarkError("epochs and threads must be positive")
    }
  }
}

struct BenchmarkError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

extension Optional {
  func orThrow(_ message: String) throws -> Wrapped {
    guard let self else { throw BenchmarkError(message) }
    return self
  }
}

struct ConfigurationResult: Encodable {
  var name: String
  var sizes: [Int]
  var threads: Int
  var fastestEpochSeconds: Double
  var medianEpochSeconds: Double
  var samplesPerSecond: Double
  var gflops: Double
  var shareOfPeak: Double
  var testAccuracy: Double
}

struct Report: Encodable {
  var kernel: BLASKernel
  var loadSeconds: Double
  var sgemmPeakGFLOPS: [String: Double]
  var configurations: [ConfigurationResult]
  var peakRSSMegabytesAfterD2L: Double
  var peakRSSMegabytes: Double
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

func peakRSSMegabytes() -> Double {
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  return Double(usage.ru_maxrss) / 1024
}

/// Best of several 2048² `sgemm` calls, in GFLOP/s.
func sgemmPeak() -> Double {
  let n = 2048
  var generator = SplitMix64(seed: 1)
  let a = Matrix(rows: n, columns: n, storage: (0..<(n * n)).map { _ in Float(generator.uniformUnit()) })
  var c = Matrix(rows: n, columns: n)
  c.assignProduct(a, a)
  var best = Double.infinity
  for _ in 0..<5 {
    let start = now()
    c.assignProduct(a, a)
    best = min(best, now() - start)
  }
  return 2 * Double(n * n * n) / best / 1e9
}

/// Floating-point operations of one training epoch: forward `X·W`, backward `Aᵀ·Δ` for every
/// layer and `Δ·Wᵀ` for every layer but the first (elementwise work is not counted).
func flopsPerEpoch(sizes: [Int], examples: Int) -> Double {
  let products = zip(sizes, sizes.dropFirst()).map { Double($0 * $1) }
  return 2 * Double(examples) * (2 * products.reduce(0, +) + products.dropFirst().reduce(0, +))
}

do {
  let options = try Options(CommandLine.arguments.dropFirst())
  let log: (String) -> Void = { message in
    if options.json { FileHandle.standardError.write(Data((message + "\n").utf8)) } else { print(message) }
  }
  log(BLASKernel.current.advice)
  let loadStart = now()
  var train = try FashionMNIST.load(.train, directory: options.dataDirectory)
  var test = try FashionMNIST.load(.test, directory: options.dataDirectory)
  let loadSeconds = now() - loadStart
  log(String(format: "Fashion-MNIST load (4 gz files, 70 000 images): %.3f s", loadSeconds))
  FashionMNIST.pixelScaling.standardize(&train.features)
  FashionMNIST.pixelScaling.standardize(&test.features)

  var peaks: [Int: Double] = [:]
  for threads in options.threads {
    BLASKernel.threadCount = threads
    peaks[threads] = sgemmPeak()
    log(String(format: "sgemm 2048² peak, %d thread(s): %.1f GFLOP/s", threads, peaks[threads]!))
  }

  let configurations: [(name: String, sizes: [Int], initialization: Initialization, epochs: Int)] = [
    ("d2l", [784, 256, 10], .normal(standardDeviation: 0.01), options.epochs),
    ("wide", [784, 1024, 1024, 10], .xavierUniform, options.wideEpochs),
  ]
  var results: [ConfigurationResult] = []
  var rssAfterD2L = 0.0
  log("")
  log("config  threads  fastest s/epoch  median s/epoch  samples/s   GFLOP/s  % of peak  test acc")
  for configuration in configurations {
    for threads in options.threads {
      BLASKernel.threadCount = threads
      var generator = SplitMix64(seed: 1)
      var network = try MLP(sizes: configuration.sizes, initialization: configuration.initialization, using: &generator)
      let history = try network.train(
        on: train, configuration: TrainingConfiguration(epochs: configuration.epochs), using: &generator)
      let fastest = history.epochs.map(\.seconds).min()!
      let flops = flopsPerEpoch(sizes: configuration.sizes, examples: train.count) / fastest / 1e9
      let (_, accuracy) = try network.evaluateLoss(
        features: test.features, targets: .classes(test.labels), loss: .softmaxCrossEntropy)
      let result = ConfigurationResult(
        name: configuration.name, sizes: configuration.sizes, threads: threads, fastestEpochSeconds: fastest,
        medianEpochSeconds: history.medianSecondsPerEpoch, samplesPerSecond: Double(train.count) / fastest,
        gflops: flops, shareOfPeak: flops / peaks[threads]!, testAccuracy: accuracy ?? 0)
      results.append(result)
      log(
        configuration.name.padding(toLength: 6, withPad: " ", startingAt: 0)
          + String(
            format: "  %7d  %15.3f  %14.3f  %9.0f  %8.1f  %8.0f%%  %8.4f", threads, fastest,
            result.medianEpochSeconds, result.samplesPerSecond, flops, 100 * result.shareOfPeak, result.testAccuracy))
    }
    if configuration.name == "d2l" { rssAfterD2L = peakRSSMegabytes() }
  }
  log(String(format: "\npeak RSS: %.0f MB after the d2l runs, %.0f MB overall", rssAfterD2L, peakRSSMegabytes()))
  if options.json {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let report = Report(
      kernel: BLASKernel.current, loadSeconds: loadSeconds,
      sgemmPeakGFLOPS: Dictionary(uniqueKeysWithValues: peaks.map { (String($0.key), $0.value) }),
      configurations: results, peakRSSMegabytesAfterD2L: rssAfterD2L, peakRSSMegabytes: peakRSSMegabytes())
    print(String(decoding: try encoder.encode(report), as: UTF8.self))
  }
} catch {
  FileHandle.standardError.write(Data("error: \(error)\n".utf8))
  exit(1)
}
