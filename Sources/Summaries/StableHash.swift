import LinearAlgebra

/// A 64-bit hash of a row's values that is the same in every process, on every machine and in
/// every version (unlike Swift's seeded `Hasher`), so that samples keyed by it can be merged:
/// FNV-1a over the values' bit patterns, then MurmurHash3's 64-bit finaliser, which spreads
/// every input bit over the whole key (FNV alone leaves its low bits poorly mixed).
public enum StableHash {
  /// The hash of `values` (their bit patterns; `0.0` and `-0.0` differ, every NaN is one NaN).
  public static func hash(_ values: UnsafeBufferPointer<Float>, seed: UInt64 = 0) -> UInt64 {
    var state: UInt64 = 0xCBF2_9CE4_8422_2325 ^ seed
    for value in values {
      let bits = value.isNaN ? Float.nan.bitPattern : value.bitPattern
      state = (state ^ UInt64(bits)) &* 0x0000_0100_0000_01B3
    }
    return finalized(state)
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
