import LinearAlgebra
import Testing

@testable import Summaries

@Suite struct QuantileSketchTests {
  /// The largest |estimated rank − true rank| over every value of `sorted`, as a share of its count.
  func worstRankError(_ sketch: QuantileSketch, _ sorted: [Float]) -> Double {
    var worst = 0
    var index = 0
    let kept = sketch.weightedValues()
    var cumulative = 0
    var position = 0
    // Walk the distinct true values; the sketch's rank at each is its cumulative weight ≤ it.
    while index < sorted.count {
      let value = sorted[index]
      while index < sorted.count && sorted[index] == value { index += 1 }
      while position < kept.count && kept[position].value <= value {
        cumulative += kept[position].weight
        position += 1
      }
      worst = max(worst, abs(cumulative - index))
    }
    return Double(worst) / Double(sorted.count)
  }

  func values(_ count: Int, seed: UInt64, ties: Bool = false) -> [Float] {
    var generator = SplitMix64(seed: seed)
    return (0..<count).map { _ in
      ties ? Float(generator.uniformIndex(below: 50)) : Float(generator.standardNormal())
    }
  }

  @Test func exactUntilALevelCompacts() {
    let data = values(4000, seed: 1)
    var sketch = QuantileSketch(capacity: 4096)
    sketch.add(contentsOf: data)
    #expect(sketch.isExact && sketch.rankErrorBound == 0)
    #expect(sketch.weightedValues().map(\.value) == data.sorted())
    #expect(worstRankError(sketch, data.sorted()) == 0)
  }

  /// On 200 000 values (continuous, and with ties), in one stream or merged from uneven shards in
  /// any order, every rank is within the stated bound, and the count is exact.
  @Test func rankErrorStaysWithinTheBound() throws {
    for ties in [false, true] {
      let data = values(200_000, seed: 2, ties: ties)
      let sorted = data.sorted()
      var whole = QuantileSketch(capacity: 256)
      whole.add(contentsOf: data)
      #expect(whole.count == data.count && !whole.isExact)
      #expect(worstRankError(whole, sorted) <= whole.rankErrorBound)
      let cuts = [0, 17, 50_000, 50_001, 123_456, 200_000]
      let shards = zip(cuts, cuts.dropFirst()).map { range in
        var sketch = QuantileSketch(capacity: 256)
        sketch.add(contentsOf: data[range.0..<range.1])
        return sketch
      }
      let forward = try shards.dropFirst().reduce(shards[0]) { try $0.merged(with: $1) }
      let backward = try shards.reversed().dropFirst().reduce(shards[shards.count - 1]) { try $0.merged(with: $1) }
      for merged in [forward, backward] {
        #expect(merged.count == data.count)
        #expect(worstRankError(merged, sorted) <= merged.rankErrorBound)
        #expect(merged.weightedValues().reduce(0) { $0 + $1.weight } == data.count)
      }
      // The bound is meaningful: a few per cent at this small capacity, not 1.
      #expect(whole.rankErrorBound < 0.05)
    }
  }

  @Test func missingValuesAreCountedApart() {
    var sketch = QuantileSketch(capacity: 8)
    sketch.add(contentsOf: [1, .nan, 2, .nan, 3])
    #expect(sketch.count == 3 && sketch.missing == 2)
    #expect(sketch.quantile(0.5) == 2)
  }
}

/// A batch column added at once is the sketch of its values added one by one: the same
/// compactions at the same points, missing cells counted.
@Suite struct ColumnAddTests {
  @Test func aColumnAtOnceIsItsValuesOneByOne() throws {
    var generator = SplitMix64(seed: 5)
    let width = 3
    let batch = (0..<(width * 1500)).map { index -> Float in
      index % 7 == 0 ? .nan : Float(generator.standardNormal())
    }
    for capacity in [2, 64, 1000, 5000] {
      var whole = QuantileSketch(capacity: capacity)
      var single = QuantileSketch(capacity: capacity)
      for _ in 0..<3 {  // three batches, so compactions straddle them
        batch.withUnsafeBufferPointer { whole.add(column: $0, offset: 1, width: width) }
        for index in stride(from: 1, to: batch.count, by: width) { single.add(batch[index]) }
      }
      #expect(whole == single, "capacity \(capacity)")
      #expect(whole.levels.map { $0.map(\.bitPattern) } == single.levels.map { $0.map(\.bitPattern) })
      #expect(whole.missing == single.missing && whole.missing > 0)
    }
  }
}

/// The compactions' radix sort of order keys, and the merge of sorted levels, order like a
/// comparison sort of the values, signs, zeros, infinities and subnormals included.
@Suite struct RadixSortTests {
  @Test func radixSortIsTheComparisonSort() {
    var generator = SplitMix64(seed: 3)
    var values: [Float] = [
      0, -0, 1, -1, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .greatestFiniteMagnitude,
      -.greatestFiniteMagnitude,
    ]
    values += (0..<5000).map { _ in Float(generator.standardNormal() * 1000) }
    values += (0..<100).map { _ in Float(generator.uniformIndex(below: 5)) }  // ties
    var keys = values.map(QuantileSketch.orderKey)
    QuantileSketch.radixSort(&keys)
    let sorted = keys.map(QuantileSketch.value(ofKey:))
    let expected = values.sorted()
    // −0 and +0 are equal: compare values, then check the keys ascend.
    #expect(sorted == expected)
    #expect(zip(keys, keys.dropFirst()).allSatisfy { $0 <= $1 })
    var one: [UInt32] = [QuantileSketch.orderKey(2)]
    QuantileSketch.radixSort(&one)
    #expect(one.map(QuantileSketch.value(ofKey:)) == [2])
    // Two sorted halves merged are the whole sorted.
    let (first, second) = (
      Array(keys.enumerated().filter { $0.offset % 3 == 0 }.map(\.element)),
      Array(keys.enumerated().filter { $0.offset % 3 != 0 }.map(\.element))
    )
    #expect(QuantileSketch.mergeSorted(first, second) == keys)
    #expect(QuantileSketch.mergeSorted([], second) == second && QuantileSketch.mergeSorted(first, []) == first)
  }
}
