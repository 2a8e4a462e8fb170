import Foundation

/// Random draws with algorithms fixed by this project (not the standard library's, which may
/// change between releases), so that seeded results are reproducible forever.
extension RandomNumberGenerator {
  /// A uniform integer in `0..<bound` (Lemire's multiply-shift with rejection: unbiased).
  public mutating func uniformIndex(below bound: Int) -> Int {
    precondition(bound > 0, "bound must be positive")
    let range = UInt64(bound)
    var product = next().multipliedFullWidth(by: range)
    if product.low < range {
      let threshold = (0 &- range) % range
      while product.low < threshold { product = next().multipliedFullWidth(by: range) }
    }
    return Int(product.high)
  }

  /// A uniform double in `[0, 1)` with 53 random bits.
  public mutating func uniformUnit() -> Double {
    Double(next() >> 11) * 0x1.0p-53
  }

  /// A standard normal draw (Box–Muller, one of the pair).
  public mutating func standardNormal() -> Double {
    var u = uniformUnit()
    while u <= .leastNormalMagnitude { u = uniformUnit() }
    let v = uniformUnit()
    return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
  }
}

/// Fisher–Yates shuffle driven by `uniformIndex(below:)`.
extension MutableCollection where Self: RandomAccessCollection, Index == Int {
  /// Shuffles in place, reproducibly for a given generator state.
  public mutating func fisherYatesShuffle(using generator: inout some RandomNumberGenerator) {
    guard count > 1 else { return }
    var i = endIndex - 1
    while i > startIndex {
      let j = startIndex + generator.uniformIndex(below: i - startIndex + 1)
      swapAt(i, j)
      i -= 1
    }
  }
}

/// A random permutation of `0..<count`.
public func randomPermutation(_ count: Int, using generator: inout some RandomNumberGenerator) -> [Int] {
  var indices = Array(0..<count)
  indices.fisherYatesShuffle(using: &generator)
  return indices
}
