import LinearAlgebra

/// A 64-bit hash of a row's values that is the same in every process and on every machine
/// (unlike Swift's seeded `Hasher`), so that samples keyed by it can be merged; it is part of
/// the profile format (fixed since version 2). FNV-1a over the values' bit patterns in four
/// interleaved lanes (of each whole group of four values, value i goes to lane i, so that the
/// multiplications do not wait on each other), the lanes combined, the last `count % 4` values
/// folded in one by one, the count mixed in, then MurmurHash3's 64-bit finaliser, which spreads
/// every input bit over the whole key.
public enum StableHash {
  private static let prime: UInt64 = 0x0000_0100_0000_01B3

  /// The hash of `values` (their bit patterns; `0.0` and `-0.0` differ, every NaN is one NaN).
  public static func hash(_ values: UnsafeBufferPointer<Float>, seed: UInt64 = 0) -> UInt64 {
    var lanes: (UInt64, UInt64, UInt64, UInt64) = (
      0xCBF2_9CE4_8422_2325 ^ seed, 0x84222325_CBF29CE4 ^ seed, 0x9E37_79B9_7F4A_7C15 ^ seed,
      0xC2B2_AE3D_27D4_EB4F ^ seed
    )
    func bits(_ value: Float) -> UInt64 { UInt64(value.isNaN ? Float.nan.bitPattern : value.bitPattern) }
    let count = values.count
    var index = 0
    while index + 4 <= count {
      lanes.0 = (lanes.0 ^ bits(values[index])) &* prime
      lanes.1 = (lanes.1 ^ bits(values[index + 1])) &* prime
      lanes.2 = (lanes.2 ^ bits(values[index + 2])) &* prime
      lanes.3 = (lanes.3 ^ bits(values[index + 3])) &* prime
      index += 4
    }
    var state = (lanes.0 ^ finalized(lanes.1) ^ finalized(lanes.2 &+ 1) ^ finalized(lanes.3 &+ 2)) &* prime
    while index < count {
      state = (state ^ bits(values[index])) &* prime
      index += 1
    }
    return finalized(state ^ UInt64(count))
  }

  /// The hash of `values` followed by `more` (a row's features, then a model's outputs).
  public static func hash(_ values: UnsafeBufferPointer<Float>, _ more: UnsafeBufferPointer<Float>) -> UInt64 {
    hash(more, seed: hash(values))
  }

  /// The hash of each row of `matrix`.
  public static func hashes(ofRows matrix: Matrix) -> [UInt64] {
    let width = matrix.columns
    return matrix.withUnsafeBufferPointer { values in
      (0..<matrix.rows).map { row in hash(UnsafeBufferPointer(rebasing: values[(row * width)..<((row + 1) * width)])) }
    }
  }

  /// MurmurHash3's `fmix64`.
  static func finalized(_ value: UInt64) -> UInt64 {
    var key = value
    key ^= key >> 33
    key &*= 0xFF51_AFD7_ED55_8CCD
    key ^= key >> 33
    key &*= 0xC4CE_B9FE_1A85_EC53
    key ^= key >> 33
    return key
  }
}
