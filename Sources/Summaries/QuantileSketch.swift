/// A mergeable quantile sketch of a stream of numbers with a deterministic rank-error bound:
/// a compactor hierarchy in the manner of KLL (Karnin, Lang & Liberty 2016) with every level of
/// the same capacity `k` (the Manku–Rajagopalan–Lindsay form, whose bound needs no probability).
///
/// Level `h` holds values of weight `2ʰ`. When a level holds `k` values or more they are sorted
/// paired in order, and one of each pair (the first or the second, alternately) moves up a
/// level with twice the weight. Such a compaction moves any value's estimated rank by at most
/// `2ʰ`; it takes at least `k − 1` values of weight `2ʰ` off the level, through which at most
/// `n` of weight pass, so at most `n/((k−1)·2ʰ)` compactions happen there: the estimated rank
/// of every value is within `H·n/(k−1)` of its true rank, where `H` is the
/// number of levels that compacted (``rankErrorBound``). Merging sketches keeps the bound
/// (every value still passes each level once). Until a level compacts the sketch is exact: every
/// value, weight 1. Missing values (NaN) are counted apart.
///
/// Values are kept as keys whose unsigned order is theirs (``orderKey(_:)``): the first level
/// is radix-sorted when it compacts, and every higher level is kept sorted (what moves up is
/// merged in), so that no level above the first is ever sorted again.
public struct QuantileSketch: Sendable, Equatable, Codable {
  /// Values per level before it compacts (the sketch is exact up to this many values).
  public let capacity: Int
  /// The ``orderKey(_:)`` of each level's values (weight `2^level`); every level but the first
  /// in ascending order.
  private var keys: [[UInt32]]
  /// Values added (NaN excluded).
  public private(set) var count: Int = 0
  /// NaN values added (missing cells).
  public private(set) var missing: Int = 0
  /// Levels that have compacted at least once.
  public private(set) var compactedLevels: Int = 0
  /// Compactions so far (the next offset alternates with it).
  private var compactions: Int = 0

  /// Values kept exactly by default: 4 096 (at most 16 KB a level). A million values leave a
  /// rank error of at most 9/4095 ≈ 0.22 % of the count.
  public static let defaultCapacity = 4096

  /// An empty sketch whose levels hold `capacity` values (at least 2).
  public init(capacity: Int = QuantileSketch.defaultCapacity) {
    self.capacity = max(capacity, 2)
    keys = [[]]
  }

  /// The values of each level (weight `2^level`).
  public var levels: [[Float]] { keys.map { $0.map(Self.value(ofKey:)) } }

  /// A sketch of `values` that keeps them all (exact: a capacity above their count).
  public init(exactly values: [Float]) {
    self.init(capacity: values.count + 1)
    for value in values { add(value) }
  }

  /// Whether every value is kept with weight 1 (no level has compacted).
  public var isExact: Bool { compactedLevels == 0 }

  /// The largest difference between the sketch's rank of any value and its true rank, as a
  /// share of ``count``: `H/(k−1)` (0 while exact).
  public var rankErrorBound: Double { Double(compactedLevels) / Double(capacity - 1) }

  /// Adds `value` (NaN counts as missing).
  public mutating func add(_ value: Float) {
    guard !value.isNaN else {
      missing += 1
      return
    }
    keys[0].append(Self.orderKey(value))
    count += 1
    if keys[0].count >= capacity { compact() }
  }

  /// Adds every value of `values`.
  public mutating func add(contentsOf values: some Sequence<Float>) {
    for value in values { add(value) }
  }

  /// Adds every `width`-th value of `values` from `offset` (a column of a row-major batch), as
  /// adding them one by one would (the same compactions at the same points), but keying the
  /// present values into the first level in runs.
  public mutating func add(column values: UnsafeBufferPointer<Float>, offset: Int, width: Int) {
    precondition(width > 0 && offset >= 0, "a column of a batch")
    var index = offset
    while index < values.count {
      // Up to the first level's room, keyed without a branch on the values (a NaN's key is
      // written and then overwritten), and appended at once.
      let room = max(capacity - keys[0].count, 1)
      var taken = 0
      let present = [UInt32](unsafeUninitializedCapacity: room) { buffer, initialized in
        var kept = 0
        while index < values.count, kept < room {
          let value = values[index]
          buffer[kept] = Self.orderKey(value)
          kept &+= value.isNaN ? 0 : 1
          index &+= width
          taken &+= 1
        }
        initialized = kept
      }
      missing += taken - present.count
      count += present.count
      keys[0].append(contentsOf: present)
      if keys[0].count >= capacity { compact() }
    }
  }

  /// Compacts every level that is full, from the bottom up.
  private mutating func compact() {
    var level = 0
    while level < keys.count {
      if keys[level].count >= capacity {
        var values: [UInt32] = []
        swap(&values, &keys[level])  // sorted in place, not copied
        if level == 0 { Self.radixSort(&values) }
        // The values pair up in order; one of each pair (the first or the second, alternately)
        // moves up. With an odd count the largest stays, so that no weight is lost.
        let offset = compactions % 2
        compactions += 1
        let paired = values.count - values.count % 2
        let promoted = stride(from: offset, to: paired, by: 2).map { values[$0] }
        keys[level] = values.count % 2 == 1 ? [values[values.count - 1]] : []
        if level + 1 == keys.count { keys.append([]) }
        keys[level + 1] = Self.mergeSorted(keys[level + 1], promoted)
        compactedLevels = max(compactedLevels, level + 1)
      }
      level += 1
    }
  }

  /// Two ascending arrays merged into one.
  static func mergeSorted(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
    if a.isEmpty { return b }
    if b.isEmpty { return a }
    return [UInt32](unsafeUninitializedCapacity: a.count + b.count) { merged, initialized in
      a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
          var (i, j, k) = (0, 0, 0)
          // Without a branch the data decide: the smaller of the two heads, `a`'s on a tie.
          while i < a.count && j < b.count {
            let (x, y) = (a[i], b[j])
            let fromB = y < x
            merged[k] = fromB ? y : x
            j &+= fromB ? 1 : 0
            i &+= fromB ? 0 : 1
            k &+= 1
          }
          while i < a.count {
            merged[k] = a[i]
            (i, k) = (i &+ 1, k &+ 1)
          }
          while j < b.count {
            merged[k] = b[j]
            (j, k) = (j &+ 1, k &+ 1)
          }
        }
      }
      initialized = a.count + b.count
    }
  }

  /// The bits of `value` as an unsigned key in the order of the values (−0 before +0).
  @inline(__always)
  static func orderKey(_ value: Float) -> UInt32 {
    // A negative value's bits all flipped, a positive one's sign bit set: without a branch.
    let bits = value.bitPattern
    return bits ^ (UInt32(bitPattern: Int32(bitPattern: bits) &>> 31) | 0x8000_0000)
  }

  /// The value whose ``orderKey(_:)`` is `key`.
  @inline(__always)
  static func value(ofKey key: UInt32) -> Float {
    Float(bitPattern: key & 0x8000_0000 != 0 ? key & 0x7FFF_FFFF : ~key)
  }

  /// Sorts `keys` ascending in three passes of 11, 11 and 10 bits, the three histograms counted
  /// in one pass: about ten times faster than a comparison sort of a full level. As values,
  /// −0 sorts before +0; they are equal values, so no rank moves.
  static func radixSort(_ keys: inout [UInt32]) {
    let count = keys.count
    guard count > 1 else { return }
    var scratch = [UInt32](repeating: 0, count: count)
    let digits: [(shift: UInt32, mask: UInt32)] = [(0, 0x7FF), (11, 0x7FF), (22, 0x3FF)]
    var histograms = [Int](repeating: 0, count: 3 * 2049)
    keys.withUnsafeMutableBufferPointer { keys in
      scratch.withUnsafeMutableBufferPointer { scratch in
        histograms.withUnsafeMutableBufferPointer { histograms in
          for key in keys {
            histograms[Int(key & 0x7FF) + 1] += 1
            histograms[2049 + Int((key >> 11) & 0x7FF) + 1] += 1
            histograms[2 * 2049 + Int(key >> 22) + 1] += 1
          }
          var from = keys
          var to = scratch
          for (pass, digit) in digits.enumerated() {
            let offsets = UnsafeMutableBufferPointer(rebasing: histograms[(pass * 2049)..<((pass + 1) * 2049)])
            // A pass where every key has the same digit moves nothing.
            if offsets.contains(count) { continue }
            for bucket in 1..<offsets.count { offsets[bucket] += offsets[bucket - 1] }
            for key in from {
              let bucket = Int((key >> digit.shift) & digit.mask)
              to[offsets[bucket]] = key
              offsets[bucket] += 1
            }
            swap(&from, &to)
          }
          if from.baseAddress != keys.baseAddress { keys.update(fromContentsOf: from) }
        }
      }
    }
  }

  /// The sketch of both streams; its rank error stays within ``rankErrorBound``. Throws unless
  /// the capacities agree.
  public func merged(with other: QuantileSketch) throws -> QuantileSketch {
    guard capacity == other.capacity else {
      throw SummaryError.mismatch("quantile sketches of capacities \(capacity) and \(other.capacity)")
    }
    var result = self
    while result.keys.count < other.keys.count { result.keys.append([]) }
    for (level, values) in other.keys.enumerated() {
      result.keys[level] = level == 0 ? result.keys[level] + values : Self.mergeSorted(result.keys[level], values)
    }
    result.count = try addingCounts(count, other.count)
    result.missing = try addingCounts(missing, other.missing)
    result.compactedLevels = max(compactedLevels, other.compactedLevels)
    result.compactions = compactions &+ other.compactions
    result.compact()
    return result
  }

  /// The kept values with their weights, ascending (equal values side by side).
  public func weightedValues() -> [(value: Float, weight: Int)] {
    var all: [(value: Float, weight: Int)] = []
    all.reserveCapacity(keys.reduce(0) { $0 + $1.count })
    for (level, values) in keys.enumerated() {
      for key in values { all.append((Self.value(ofKey: key), 1 << level)) }
    }
    all.sort { $0.value < $1.value }
    return all
  }

  /// The estimated number of values ≤ `value`.
  public func rank(of value: Float) -> Int {
    levels.enumerated().reduce(0) { total, entry in
      total + (1 << entry.offset) * entry.element.reduce(0) { $0 + ($1 <= value ? 1 : 0) }
    }
  }

  /// The estimated `q`-quantile (q in [0, 1]): the smallest kept value whose estimated rank
  /// reaches `q·count`; nil for an empty sketch.
  public func quantile(_ q: Double) -> Float? {
    let values = weightedValues()
    guard !values.isEmpty else { return nil }
    let target = q * Double(count)
    var cumulative = 0
    for entry in values {
      cumulative += entry.weight
      if Double(cumulative) >= target { return entry.value }
    }
    return values.last?.value
  }

  /// Whether both summarise alike: the same capacity and counts, and the same weighted values
  /// (in whatever order each level holds them).
  public static func == (a: QuantileSketch, b: QuantileSketch) -> Bool {
    a.capacity == b.capacity && a.count == b.count && a.missing == b.missing && a.compactedLevels == b.compactedLevels
      && a.keys.count == b.keys.count && zip(a.keys, b.keys).allSatisfy { $0.sorted() == $1.sorted() }
  }

  enum CodingKeys: String, CodingKey { case capacity, levels, count, missing, compactedLevels, compactions }

  /// Encodes the sketch, each level packed (`PackedNumbers`).
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(capacity, forKey: .capacity)
    try container.encode(levels.map { PackedNumbers.string($0.map(\.bitPattern)) }, forKey: .levels)
    try container.encode(count, forKey: .count)
    try container.encode(missing, forKey: .missing)
    try container.encode(compactedLevels, forKey: .compactedLevels)
    try container.encode(compactions, forKey: .compactions)
  }

  /// Decodes a sketch, checking that its levels' weights add up to its count.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    capacity = try container.decode(Int.self, forKey: .capacity)
    var packed = try container.nestedUnkeyedContainer(forKey: .levels)
    var levels: [[Float]] = []
    while !packed.isAtEnd, levels.count <= 62 {
      let text = try packed.decode(String.self)
      guard let bits = PackedNumbers.values(UInt32.self, from: text) else {
        throw DecodingError.dataCorruptedError(in: packed, debugDescription: "a level that is not base64 of floats")
      }
      levels.append(bits.map(Float.init(bitPattern:)))
    }
    // Every level above the first in order, whatever order the file gives it.
    keys = levels.enumerated().map { level, values in
      let keys = values.map(Self.orderKey)
      return level == 0 ? keys : keys.sorted()
    }
    count = try container.decode(Int.self, forKey: .count)
    missing = try container.decode(Int.self, forKey: .missing)
    compactedLevels = try container.decode(Int.self, forKey: .compactedLevels)
    compactions = try container.decode(Int.self, forKey: .compactions)
    var weight = 0
    var valid =
      capacity >= 2 && capacity <= 1 << 30 && !levels.isEmpty && levels.count <= 62 && count >= 0 && missing >= 0
      && (0...levels.count).contains(compactedLevels) && compactions >= 0
    if valid {
      for (level, values) in levels.enumerated() {
        let (part, overflow) = values.count.multipliedReportingOverflow(by: 1 << level)
        let (sum, overflowed) = weight.addingReportingOverflow(part)
        if overflow || overflowed || values.count > 2 * capacity || values.contains(where: \.isNaN) {
          valid = false
          break
        }
        weight = sum
      }
    }
    guard valid, weight == count else {
      throw DecodingError.dataCorrupted(
        .init(codingPath: decoder.codingPath, debugDescription: "a quantile sketch whose levels do not add up"))
    }
  }
}
