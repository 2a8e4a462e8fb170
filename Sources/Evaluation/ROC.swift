/// The area under the ROC curve of `scores` for telling `positives` from the rest: the
/// probability that a random positive scores higher than a random negative, ties counting ½
/// (the Mann–Whitney U statistic divided by n₊·n₋). Nil when either group is empty.
public func areaUnderROCCurve(scores: [Double], positives: [Bool]) -> Double? {
  precondition(scores.count == positives.count, "one label per score")
  let positiveCount = positives.filter { $0 }.count
  let negativeCount = positives.count - positiveCount
  guard positiveCount > 0, negativeCount > 0 else { return nil }
  // Sum of the (tie-averaged, 1-based) ranks of the positives.
  let ranks = averageRanks(scores)
  let positiveRankSum = zip(ranks, positives).reduce(0) { $0 + ($1.1 ? $1.0 + 1 : 0) }
  let n1 = Double(positiveCount)
  return (positiveRankSum - n1 * (n1 + 1) / 2) / (n1 * Double(negativeCount))
}

/// The area under the ROC curve when each row is partly positive and partly negative: row i
/// carries `positiveMass[i]` of positives and `negativeMass[i]` of negatives (a label with a
/// weight: `w·y` and `w·(1 − y)`; a calibrated probability p: `p` and `1 − p`, the expected
/// AUC of confidence-based estimation). `Σᵢⱼ aᵢ·bⱼ·[sᵢ > sⱼ] (ties ½) / (Σa·Σb)`, in
/// O(n log n). Nil when either mass is zero.
public func areaUnderROCCurve(scores: [Double], positiveMass: [Double], negativeMass: [Double]) -> Double? {
  precondition(scores.count == positiveMass.count && scores.count == negativeMass.count, "one mass per score")
  let totalPositive = positiveMass.reduce(0, +)
  let totalNegative = negativeMass.reduce(0, +)
  guard totalPositive > 0, totalNegative > 0 else { return nil }
  let order = scores.indices.sorted { scores[$0] < scores[$1] }
  var negativesBelow = 0.0
  var sum = 0.0
  var start = 0
  while start < order.count {
    var end = start
    while end + 1 < order.count, scores[order[end + 1]] == scores[order[start]] { end += 1 }
    let tied = order[start...end]
    let tiedPositive = tied.reduce(0) { $0 + positiveMass[$1] }
    let tiedNegative = tied.reduce(0) { $0 + negativeMass[$1] }
    sum += tiedPositive * (negativesBelow + tiedNegative / 2)
    negativesBelow += tiedNegative
    start = end + 1
  }
  return sum / (totalPositive * totalNegative)
}
