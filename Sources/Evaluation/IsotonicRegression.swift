/// A non-decreasing step function fitted by least squares (isotonic regression, the
/// pool-adjacent-violators algorithm): here, the chance that a prediction is right as a
/// function of its confidence. In-sample its fitted values have the same mean as the targets,
/// which is what makes it the last step of a confidence-based accuracy estimate.
public struct IsotonicRegression: Sendable, Equatable {
  /// The blocks' upper input bounds, increasing.
  public var thresholds: [Double]
  /// The fitted value of each block, non-decreasing.
  public var values: [Double]

  /// Fits `targets` (each in any range) against `inputs`; ties in the input share a block.
  /// Empty inputs give the identity's stand-in: a function that returns its input.
  public init(inputs: [Double], targets: [Double]) {
    precondition(inputs.count == targets.count, "one target per input")
    let order = inputs.indices.sorted { inputs[$0] < inputs[$1] }
    var blockUpper: [Double] = []
    var blockSum: [Double] = []
    var blockCount: [Double] = []
    for index in order {
      let x = inputs[index]
      if let last = blockUpper.last, last == x {
        blockSum[blockSum.count - 1] += targets[index]
        blockCount[blockCount.count - 1] += 1
      } else {
        blockUpper.append(x)
        blockSum.append(targets[index])
        blockCount.append(1)
      }
      // Pool while the last block's mean is below the one before it.
      while blockSum.count >= 2,
        blockSum[blockSum.count - 1] / blockCount[blockCount.count - 1]
          < blockSum[blockSum.count - 2] / blockCount[blockCount.count - 2]
      {
        let sum = blockSum.removeLast()
        let count = blockCount.removeLast()
        let upper = blockUpper.removeLast()
        blockSum[blockSum.count - 1] += sum
        blockCount[blockCount.count - 1] += count
        blockUpper[blockUpper.count - 1] = upper
      }
    }
    thresholds = blockUpper
    values = zip(blockSum, blockCount).map { $0 / $1 }
  }

  /// The fitted value at `x`: the value of the first block whose upper bound is ≥ x (the last
  /// block's beyond it). Without blocks, `x` itself.
  public func callAsFunction(_ x: Double) -> Double {
    guard let last = values.last else { return x }
    var low = 0
    var high = thresholds.count
    while low < high {
      let middle = (low + high) / 2
      if thresholds[middle] >= x { high = middle } else { low = middle + 1 }
    }
    return low < values.count ? values[low] : last
  }
}
