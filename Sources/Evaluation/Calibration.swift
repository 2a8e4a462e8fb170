import Foundation
import LinearAlgebra

/// Reliability of predicted probabilities: are predictions made with confidence c right a share
/// c of the time?
public struct CalibrationCurve: Sendable, Codable, Equatable {
  /// One confidence bin.
  public struct Bin: Sendable, Codable, Equatable {
    /// The lower end of the bin's confidence range `[lower, upper)`.
    public var lower: Double
    /// The upper end (the last bin includes 1).
    public var upper: Double
    /// The (weighted) number of predictions in the bin.
    public var weight: Double
    /// Mean confidence (top-class probability) in the bin.
    public var confidence: Double
    /// Share of the bin's predictions that are right.
    public var accuracy: Double
  }

  /// The non-empty bins, in increasing confidence.
  public var bins: [Bin]
  /// Expected calibration error: Σ_b (n_b/n)·|accuracy_b − confidence_b| (Guo et al. 2017).
  public var expectedCalibrationError: Double

  /// The curve of top-class confidence against accuracy over `binCount` equal-width bins
  /// (15, as in Guo et al.), weighted when `weights` are given. Rows whose top probability is
  /// not in [0, 1] are left out.
  public init(probabilities: Matrix, labels: [Int], weights: [Double]? = nil, binCount: Int = 15) {
    precondition(probabilities.rows == labels.count && binCount >= 1, "one label per row and at least one bin")
    let predicted = predictedClasses(probabilities)
    var weightSums = [Double](repeating: 0, count: binCount)
    var confidenceSums = [Double](repeating: 0, count: binCount)
    var correctSums = [Double](repeating: 0, count: binCount)
    for (row, label) in labels.enumerated() {
      let confidence = Double(probabilities[row, predicted[row]])
      // A probability outside [0, 1] (or NaN) is not one: the row is left out.
      guard confidence >= 0, confidence <= 1 else { continue }
      let bin = min(Int(confidence * Double(binCount)), binCount - 1)
      let weight = weights?[row] ?? 1
      weightSums[bin] += weight
      confidenceSums[bin] += weight * confidence
      if predicted[row] == label { correctSums[bin] += weight }
    }
    let total = weightSums.reduce(0, +)
    bins = (0..<binCount).filter { weightSums[$0] > 0 }.map { b in
      Bin(
        lower: Double(b) / Double(binCount), upper: Double(b + 1) / Double(binCount), weight: weightSums[b],
        confidence: confidenceSums[b] / weightSums[b], accuracy: correctSums[b] / weightSums[b])
    }
    expectedCalibrationError =
      total > 0 ? bins.reduce(0) { $0 + $1.weight / total * abs($1.accuracy - $1.confidence) } : 0
  }
}
