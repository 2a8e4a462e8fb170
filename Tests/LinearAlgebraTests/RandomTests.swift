import RealModule
import Testing

@testable import LinearAlgebra

@Suite struct RandomTests {
  @Test func splitMix64MatchesReferenceOutput() {
    // First outputs of the reference C implementation (Vigna, splitmix64.c) for seed 0.
    var generator = SplitMix64(seed: 0)
    #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
    #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
  }

  @Test func sameSeedSameShuffle() {
    var a = SplitMix64(seed: 42)
    var b = SplitMix64(seed: 42)
    let first = randomPermutation(100, using: &a)
    #expect(first == randomPermutation(100, using: &b))
    #expect(first.sorted() == Array(0..<100))
    #expect(first != Array(0..<100))
  }

  @Test func uniformIndexIsInRangeAndRoughlyUniform() {
    var generator = SplitMix64(seed: 3)
    var counts = [Int](repeating: 0, count: 7)
    for _ in 0..<70_000 { counts[generator.uniformIndex(below: 7)] += 1 }
    // Each count is Binomial(70000, 1/7): mean 10000, sd ≈ 93; 500 is more than 5 sd.
    #expect(counts.allSatisfy { abs($0 - 10_000) < 500 })
  }

  @Test func standardNormalHasUnitMoments() {
    var generator = SplitMix64(seed: 5)
    let draws = (0..<100_000).map { _ in generator.standardNormal() }
    let mean = draws.reduce(0, +) / 1e5
    let variance = draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 1e5
    // Standard errors: mean 0.0032, variance ≈ 0.0045; tolerances are about 5 of them.
    #expect(abs(mean) < 0.016)
    #expect(variance.isApproximatelyEqual(to: 1, absoluteTolerance: 0.025))
  }

  @Test func flushToZeroCanBeSwitched() {
    let before = FloatingPointEnvironment.flushesToZero
    defer { FloatingPointEnvironment.flushesToZero = before }
    FloatingPointEnvironment.flushesToZero = true
    #expect(FloatingPointEnvironment.flushesToZero)
    let tiny = Float.leastNormalMagnitude
    #expect(opaqueQuotient(tiny, 4) == 0)  // a subnormal result is flushed
    FloatingPointEnvironment.flushesToZero = false
    #expect(opaqueQuotient(tiny, 4) > 0)
  }
}

/// Division the optimiser can neither fold at compile time nor merge between calls (a
/// floating-point environment change between two calls is invisible to it).
@_optimize(none) func opaqueQuotient(_ a: Float, _ b: Float) -> Float { a / b }
