import Foundation
import LinearAlgebra
import NeuralNetwork
import Testing

@testable import Summaries

@Suite struct HoldoutSummaryTests {
  /// `count` rows of 4-class logits and labels, the label's logit raised so the model is right
  /// about two times in three.
  func rows(_ count: Int, seed: UInt64) -> (logits: Matrix, labels: [Int]) {
    var generator = SplitMix64(seed: seed)
    var logits = Matrix(rows: count, columns: 4)
    var labels: [Int] = []
    for row in 0..<count {
      let label = generator.uniformIndex(below: 4)
      labels.append(label)
      for j in 0..<4 { logits[row, j] = Float(generator.standardNormal()) + (j == label ? 1.5 : 0) }
    }
    return (logits, labels)
  }

  func summary(_ logits: Matrix, _ labels: [Int], rows range: Range<Int>, capacity: Int) -> HoldoutSummary {
    var summary = HoldoutSummary(classCount: 4, sampleCapacity: capacity)
    summary.add(
      logits: logits.rows(at: Array(range)), labels: Array(labels[range]), firstOrdinal: range.lowerBound)
    return summary
  }

  /// The merge of shards is the summary of the whole: counts exactly, the same sampled rows,
  /// sums to rounding; and the counts are those of the rows.
  @Test func mergingShardsIsTheWhole() throws {
    let (logits, labels) = rows(3000, seed: 7)
    for capacity in [50, 3000] {
      let whole = summary(logits, labels, rows: 0..<3000, capacity: capacity)
      let shards = [0..<1000, 1000..<1001, 1001..<3000].map { summary(logits, labels, rows: $0, capacity: capacity) }
      let merged = try shards[2].merged(with: shards[0]).merged(with: shards[1])
      #expect(merged.counts.rows == 3000 && merged.counts.labelCounts == whole.counts.labelCounts)
      #expect(merged.counts.confusionCounts == whole.counts.confusionCounts)
      for (a, b) in zip(merged.counts.probabilitySums, whole.counts.probabilitySums) {
        #expect(abs(a - b) <= 1e-9 * max(1, abs(b)))
      }
      #expect(merged.sample == whole.sample && merged.sample.count == min(capacity, 3000))
      // The sampled rows keep their labels with their logits.
      let (sampledLogits, sampledLabels) = merged.sampledRows
      let byRow = Dictionary(
        (0..<3000).map { row in ((0..<4).map { logits[row, $0].bitPattern }, labels[row]) },
        uniquingKeysWith: { a, _ in a })
      for row in 0..<sampledLogits.rows {
        #expect(byRow[(0..<4).map { sampledLogits[row, $0].bitPattern }] == sampledLabels[row])
      }
    }
    var probabilities = logits
    softmaxRows(&probabilities)
    let predicted = probabilities.argmaxPerRow()
    let counts = HoldoutCounts(probabilities: probabilities, labels: labels)
    #expect(counts.confusionCounts[predicted[0] * 4 + labels[0]] >= 1)
    let correct = zip(predicted, labels).filter { $0 == $1 }.count
    #expect(counts.accuracy == Double(correct) / 3000)
    #expect(counts.labelCounts == (0..<4).map { j in labels.filter { $0 == j }.count })
  }

  /// A saved summary comes back equal; one whose counts or labels do not add up is refused.
  @Test func decodingChecksTheCounts() throws {
    let (logits, labels) = rows(200, seed: 8)
    let whole = summary(logits, labels, rows: 0..<200, capacity: 100)
    let data = try JSONEncoder().encode(whole)
    #expect(try JSONDecoder().decode(HoldoutSummary.self, from: data) == whole)
    var json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    var counts = try #require(json["counts"] as? [String: Any])
    var confusion = try #require(counts["confusionCounts"] as? [Int])
    confusion[0] += 1
    counts["confusionCounts"] = confusion
    json["counts"] = counts
    let damaged = try JSONSerialization.data(withJSONObject: json)
    #expect(throws: DecodingError.self) { try JSONDecoder().decode(HoldoutSummary.self, from: damaged) }
    // A sampled label outside the classes (the sample's values are packed little-endian floats).
    var one = HoldoutSummary(classCount: 4, sampleCapacity: 10)
    one.add(logits: logits.rows(at: [0]), labels: [3], firstOrdinal: 0)
    var oneJSON = try #require(
      try JSONSerialization.jsonObject(with: try JSONEncoder().encode(one)) as? [String: Any])
    var sample = try #require(oneJSON["sample"] as? [String: Any])
    let packed = try #require(sample["values"] as? String)
    var bytes = try #require(Data(base64Encoded: packed))
    #expect(bytes.count == 5 * 4)
    withUnsafeBytes(of: Float(4).bitPattern.littleEndian) { bytes.replaceSubrange(16..<20, with: $0) }
    sample["values"] = bytes.base64EncodedString()
    oneJSON["sample"] = sample
    let outside = try JSONSerialization.data(withJSONObject: oneJSON)
    #expect(throws: DecodingError.self) { try JSONDecoder().decode(HoldoutSummary.self, from: outside) }
  }
}
