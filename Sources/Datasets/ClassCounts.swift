/// The row indices of each class, in row order; labels outside `0..<classCount` are skipped.
public func rowIndicesByClass(_ labels: [Int], classCount: Int) -> [[Int]] {
  var byClass = [[Int]](repeating: [], count: classCount)
  for (row, label) in labels.enumerated() where (0..<classCount).contains(label) { byClass[label].append(row) }
  return byClass
}

/// How many of `labels` fall in each class `0..<classCount` (labels outside are skipped): a
/// class histogram, of true or of predicted classes.
public func classCounts(_ labels: [Int], classCount: Int) -> [Int] {
  var counts = [Int](repeating: 0, count: classCount)
  for label in labels where (0..<classCount).contains(label) { counts[label] += 1 }
  return counts
}

/// The share of `labels` in each class (the empirical prior); zeros when there are no labels.
public func classShares(_ labels: [Int], classCount: Int) -> [Double] {
  let total = Double(max(labels.count, 1))
  return classCounts(labels, classCount: classCount).map { Double($0) / total }
}
