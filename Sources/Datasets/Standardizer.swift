import LinearAlgebra

/// An affine per-feature transform `x ↦ (x − mean) / scale`, fitted on training data only and
/// saved with a model so that new data is transformed exactly as the training data was.
public struct Standardizer: Sendable, Equatable, Codable {
  /// Subtracted from each feature.
  public var mean: [Float]
  /// Each centred feature is divided by this (never zero).
  public var scale: [Float]

  /// An explicit transform.
  public init(mean: [Float], scale: [Float]) {
    precondition(mean.count == scale.count, "mean and scale differ in length")
    self.mean = mean
    self.scale = scale
  }

  /// Zero mean and unit (population) standard deviation per column of `features`, accumulated in
  /// double precision. A constant column gets scale 1, so it maps to 0 instead of dividing by zero.
  public init(fittedTo features: Matrix) {
    let (n, d) = (features.rows, features.columns)
    var sum = [Double](repeating: 0, count: d)
    var sumOfSquares = [Double](repeating: 0, count: d)
    features.withUnsafeBufferPointer { x in
      for i in 0..<n {
        for j in 0..<d { sum[j] += Double(x[i * d + j]) }
      }
      let means = sum.map { $0 / Double(max(n, 1)) }
      for i in 0..<n {
        for j in 0..<d {
          let deviation = Double(x[i * d + j]) - means[j]
          sumOfSquares[j] += deviation * deviation
        }
      }
    }
    let means = sum.map { $0 / Double(max(n, 1)) }
    let deviations = sumOfSquares.map { ($0 / Double(max(n, 1))).squareRoot() }
    // Relative threshold: a column whose spread is below float32 resolution of its mean is constant.
    let scales = zip(deviations, means).map { sd, m in sd > 1e-6 * max(1, abs(m)) ? Float(sd) : 1 }
    self.init(mean: means.map(Float.init), scale: scales)
  }

  /// Number of features the transform expects.
  public var featureCount: Int { mean.count }

  /// Transforms every row of `features` in place.
  public func standardize(_ features: inout Matrix) {
    precondition(features.columns == featureCount, "expected \(featureCount) features, got \(features.columns)")
    let d = featureCount
    let inverse = scale.map { 1 / $0 }
    features.withUnsafeMutableBufferPointer { x in
      for i in 0..<(x.count / max(d, 1)) {
        for j in 0..<d { x[i * d + j] = (x[i * d + j] - mean[j]) * inverse[j] }
      }
    }
  }

  /// The transformed copy of `features`.
  public func standardized(_ features: Matrix) -> Matrix {
    var copy = features
    standardize(&copy)
    return copy
  }
}
