import LinearAlgebra
import Testing

@testable import Summaries

@Suite struct BottomKSampleTests {
  /// Rows of `width` random values, a tenth of them duplicated (equal keys).
  func rows(_ count: Int, width: Int, seed: UInt64) -> Matrix {
    var generator = SplitMix64(seed: seed)
    var matrix = Matrix(rows: count, columns: width)
    for i in 0..<count {
      for j in 0..<width { matrix[i, j] = Float(generator.standardNormal()) }
      if i > 0 && generator.uniformUnit() < 0.1 {
        for j in 0..<width { matrix[i, j] = matrix[i - 1, j] }
      }
    }
    return matrix
  }

  func sample(of matrix: Matrix, rows range: Range<Int>, capacity: Int) -> BottomKSample {
    var sample = BottomKSample(capacity: capacity, width: matrix.columns)
    let keys = StableHash.hashes(ofRows: matrix)
    matrix.withUnsafeBufferPointer { values in
      for row in range {
        sample.offer(
          key: keys[row], ordinal: row,
          row: UnsafeBufferPointer(rebasing: values[(row * matrix.columns)..<((row + 1) * matrix.columns)]))
      }
    }
    return sample
  }

  /// Selection gives the value a sort puts at each rank, with and without ties.
  @Test func selectionIsTheSortedValueAtARank() {
    var generator = SplitMix64(seed: 9)
    for (count, range) in [(1, 10), (2, 2), (7, 3), (1000, 1 << 40), (1000, 5), (4097, 1 << 62)] {
      let values = (0..<count).map { _ in UInt64(generator.uniformIndex(below: range)) }
      let sorted = values.sorted()
      for rank in Set([0, count / 3, count / 2, count - 1]) {
        var scratch = values
        #expect(BottomKSample.select(&scratch, rank: rank) == sorted[rank], "\(count) values, rank \(rank)")
      }
    }
  }

  /// The merge of any split into shards, in any order, is the sample of the whole.
  @Test func mergingShardsIsExact() throws {
    let matrix = rows(5000, width: 3, seed: 1)
    for capacity in [1, 7, 600, 5000, 9000] {
      let whole = sample(of: matrix, rows: 0..<5000, capacity: capacity)
      #expect(whole.count == min(capacity, 5000))
      var generator = SplitMix64(seed: UInt64(capacity))
      var cuts = (0..<4).map { _ in generator.uniformIndex(below: 5001) } + [0, 5000]
      cuts.sort()
      let shards = zip(cuts, cuts.dropFirst()).map { sample(of: matrix, rows: $0..<$1, capacity: capacity) }
      let forward = try shards.dropFirst().reduce(shards[0]) { try $0.merged(with: $1) }
      let backward = try shards.reversed().dropFirst().reduce(shards[shards.count - 1]) { try $0.merged(with: $1) }
      #expect(forward == whole, "capacity \(capacity)")
      #expect(backward == whole, "capacity \(capacity)")
      #expect(forward.offered == 5000)
    }
  }

  /// The kept rows are those with the smallest keys: a uniform sample, so a sampled mean
  /// lies within 4 standard errors of the whole's.
  @Test func keepsTheSmallestKeysAndSamplesUniformly() {
    let matrix = rows(20_000, width: 1, seed: 2)
    let kept = sample(of: matrix, rows: 0..<20_000, capacity: 2000).compacted()
    let keys = StableHash.hashes(ofRows: matrix).sorted()
    #expect(kept.keys == Array(keys.prefix(2000)))
    let mean = kept.values.reduce(0, +) / Float(kept.count)
    // Standard normal values: the standard error of a 2 000-row mean is about 1/√2000 ≈ 0.022.
    #expect(abs(mean) < 4 * 0.0224)
  }

  @Test func mismatchedSamplesDoNotMerge() {
    #expect(throws: SummaryError.self) {
      try BottomKSample(capacity: 3, width: 2).merged(with: BottomKSample(capacity: 4, width: 2))
    }
  }

  /// A summary of batches, or merged from shards, equals the summary of all rows at once.
  @Test func predictionSummariesMergeExactly() throws {
    let logits = rows(3000, width: 4, seed: 3)
    var whole = PredictionSummary(classCount: 4, sampleCapacity: 500)
    whole.add(logits: logits, firstOrdinal: 0)
    var first = PredictionSummary(classCount: 4, sampleCapacity: 500)
    var second = first
    first.add(logits: logits.rows(at: Array(0..<1234)), firstOrdinal: 0)
    second.add(logits: logits.rows(at: Array(1234..<3000)), firstOrdinal: 1234)
    let merged = try second.merged(with: first)
    #expect(merged.rows == 3000)
    #expect(merged.counts.predictedCounts == whole.counts.predictedCounts)
    #expect(merged.counts.confidenceCounts == whole.counts.confidenceCounts)
    #expect(merged.sample == whole.sample)
    for j in 0..<4 {
      // Sums of 3 000 probabilities in Double, added in another order: equal within 3 000 roundings.
      #expect(abs(merged.counts.probabilitySums[j] - whole.counts.probabilitySums[j]) < 1e-12)
    }
    #expect(merged.counts.predictedCounts == (0..<4).map { j in logits.argmaxPerRow().filter { $0 == j }.count })
  }
}
