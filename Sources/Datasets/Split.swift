import LinearAlgebra

extension Dataset {
  /// A seeded random split into two parts; the second gets `round(fraction · count)` examples.
  ///
  /// With `stratified`, each class is split separately so both parts keep the class proportions
  /// (every class with at least two examples appears in both parts).
  public func split(
    fraction: Double, stratified: Bool = true, using generator: inout some RandomNumberGenerator
  ) throws -> (first: Dataset, second: Dataset) {
    let (first, second) = try splitRows(fraction: fraction, stratified: stratified, using: &generator)
    return (subset(first), subset(second))
  }

  /// The row indices of ``split(fraction:stratified:using:)``'s two parts (the same draw for
  /// the same generator state), for callers that need to know which rows went where.
  public func splitRows(
    fraction: Double, stratified: Bool = true, using generator: inout some RandomNumberGenerator
  ) throws -> (first: [Int], second: [Int]) {
    try Datasets.splitRows(
      labels: labels, classCount: classes.count, fraction: fraction, stratified: stratified, using: &generator)
  }

  /// `k` seeded folds for cross-validation: each element is (training part, held-out part), and
  /// every example is held out exactly once.
  public func folds(_ k: Int, using generator: inout some RandomNumberGenerator) throws -> [(
    train: Dataset, heldOut: Dataset
  )] {
    try FoldAssignment(count: count, folds: k, using: &generator).folds.map { fold in
      (subset(fold.train), subset(fold.heldOut))
    }
  }
}

/// A seeded assignment of `count` items to `k` folds of near-equal size (for K-fold
/// cross-validation and cross-fitting).
public struct FoldAssignment: Sendable {
  /// Per fold: the indices to train on and the indices it holds out.
  public let folds: [(train: [Int], heldOut: [Int])]

  /// Shuffles `0..<count` and deals it into `k` folds.
  public init(count: Int, folds k: Int, using generator: inout some RandomNumberGenerator) throws {
    guard k >= 2, k <= count else {
      throw DatasetError.invalidArgument("need 2 ≤ folds ≤ \(count) examples, got \(k) folds")
    }
    let order = randomPermutation(count, using: &generator)
    folds = (0..<k).map { fold in
      let lower = fold * count / k
      let upper = (fold + 1) * count / k
      return (Array(order[..<lower] + order[upper...]), Array(order[lower..<upper]))
    }
  }
}

/// The row indices of a seeded split of rows labelled `labels` (class indices below
/// `classCount`) into two parts, the second of `round(fraction · count)` rows; with `stratified`,
/// each class is split separately (see ``Dataset/split(fraction:stratified:using:)``).
public func splitRows(
  labels: [Int], classCount: Int, fraction: Double, stratified: Bool = true,
  using generator: inout some RandomNumberGenerator
) throws -> (first: [Int], second: [Int]) {
  guard fraction > 0, fraction < 1 else {
    throw DatasetError.invalidArgument("split fraction must be strictly between 0 and 1, got \(fraction)")
  }
  var first: [Int] = []
  var second: [Int] = []
  if stratified {
    for var rows in rowIndicesByClass(labels, classCount: classCount) where !rows.isEmpty {
      rows.fisherYatesShuffle(using: &generator)
      var take = Int((fraction * Double(rows.count)).rounded())
      if rows.count >= 2 { take = min(max(take, 1), rows.count - 1) }
      second += rows[..<take]
      first += rows[take...]
    }
    first.fisherYatesShuffle(using: &generator)
    second.fisherYatesShuffle(using: &generator)
  } else {
    let order = randomPermutation(labels.count, using: &generator)
    let take = Int((fraction * Double(labels.count)).rounded())
    second = Array(order[..<take])
    first = Array(order[take...])
  }
  guard !first.isEmpty, !second.isEmpty else {
    throw DatasetError.invalidArgument(
      "a split fraction of \(fraction) leaves one side of \(labels.count) examples empty")
  }
  return (first, second)
}
