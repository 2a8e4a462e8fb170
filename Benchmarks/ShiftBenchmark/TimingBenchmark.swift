import ArgumentParser
import Foundation
import ShiftKit

/// Estimation time on synthetic data of a fixed size (the 10 000 × 50 target).
struct TimingBenchmark: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "timing",
    abstract:
      "Seconds to estimate covariate weights (n_s = n_t = rows, d = columns) and label-shift weights (rows × classes logits)."
  )

  @Option(help: "Rows of each sample.")
  var rows = 10_000

  @Option(help: "Features (covariate) and classes (label).")
  var columns = 50

  @Option(help: "Timed runs; the fastest and the median are printed.")
  var runs = 3

  func run() throws {
    var generator = SplitMix64(seed: 7)
    // Covariate: Gaussian source, target shifted along the first feature.
    let source = Matrix(
      rows: rows, columns: columns, storage: (0..<(rows * columns)).map { _ in Float(generator.standardNormal()) })
    let target = Matrix(
      rows: rows, columns: columns,
      storage: (0..<(rows * columns)).map { index in
        Float(generator.standardNormal()) + (index % columns == 0 ? 0.5 : 0)
      })
    try report("covariate, \(rows) + \(rows) rows × \(columns) features, 5-fold") {
      var seed = SplitMix64(seed: 1)
      _ = try CovariateShiftEstimator().estimate(source: source, target: target, using: &seed)
    }
    // Label: logits of a noisy classifier over `columns` classes.
    func logits(_ labels: [Int]) -> Matrix {
      var matrix = Matrix(rows: labels.count, columns: columns)
      for (i, label) in labels.enumerated() {
        for j in 0..<columns { matrix[i, j] = Float(generator.standardNormal()) + (j == label ? 3 : 0) }
      }
      return matrix
    }
    let holdoutLabels = (0..<rows).map { $0 % columns }
    let targetLabels = (0..<rows).map { _ in generator.uniformIndex(below: columns / 2) }
    let problem = try LabelShiftProblem(
      holdoutLogits: logits(holdoutLabels), holdoutLabels: holdoutLabels, targetLogits: logits(targetLabels),
      sourcePrior: [Double](repeating: 1 / Double(columns), count: columns))
    for method in LabelShiftMethod.allCases {
      try report("label \(method.rawValue), \(rows) holdout + \(rows) target rows × \(columns) classes") {
        var seed = SplitMix64(seed: 1)
        _ = try LabelShiftEstimator(method: method).estimate(problem, using: &seed)
      }
    }
  }

  private func report(_ name: String, _ body: () throws -> Void) rethrows {
    var times: [Double] = []
    for _ in 0..<runs {
      let start = DispatchTime.now().uptimeNanoseconds
      try body()
      times.append(seconds(since: start))
    }
    times.sort()
    print(String(format: "%-70@ fastest %.3f s, median %.3f s", name as NSString, times[0], times[times.count / 2]))
  }
}
