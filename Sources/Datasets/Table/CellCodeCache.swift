import Foundation

/// The code a column gave each raw cell it has read, keyed by the cell's bytes, so that a cell
/// seen before is coded without being decoded to a `String`, trimmed, checked for a missing
/// marker and canonicalised (which is what a categorical column spends its time on: a few
/// hundred distinct texts in millions of rows).
///
/// A cell of at most 16 bytes (most categories) is keyed by its bytes as two words, compared
/// as words; a longer one by a hash of its bytes, compared with `memcmp`. The bytes → code map
/// is a function (the same bytes always give the same code), so the cache changes no result.
/// It is bounded (`maxEntries` cells, `maxBytes` of text); past either, new cells are simply
/// not remembered.
struct CellCodeCache {
  private struct Entry {
    var hash: UInt64
    /// A short cell's bytes (zero past them); unused for a long one.
    var words: (UInt64, UInt64)
    var start: Int32
    var length: Int32
    var code: Int32
  }

  /// The most cells remembered.
  static let maxEntries = 1 << 14
  /// The most bytes of text remembered.
  static let maxBytes = 1 << 20
  /// The longest cell keyed by its words.
  static let shortLength = 16

  private var slots = [Int32](repeating: -1, count: 64)
  private var entries: [Entry] = []
  private var arena: [UInt8] = []

  /// The code remembered for `bytes`, or nil; `slack` bytes after them may be read too.
  @inline(__always)
  func code(of bytes: UnsafeBufferPointer<UInt8>, slack: Int = 0) -> Int32? {
    let count = bytes.count
    if count <= Self.shortLength {
      let words = Self.words(bytes, slack: slack)
      let hash = Self.hash(words, count: count)
      return entries.withUnsafeBufferPointer { entries in
        slots.withUnsafeBufferPointer { slots in
          let mask = slots.count &- 1
          var slot = Int(truncatingIfNeeded: hash) & mask
          while true {
            let index = slots[slot]
            if index < 0 { return nil }
            let entry = entries[Int(index)]
            if entry.length == count, entry.words == words { return entry.code }
            slot = (slot &+ 1) & mask
          }
        }
      }
    }
    let hash = Self.hash(bytes)
    let mask = slots.count - 1
    var slot = Int(truncatingIfNeeded: hash) & mask
    while true {
      let index = slots[slot]
      if index < 0 { return nil }
      let entry = entries[Int(index)]
      if entry.hash == hash, Int(entry.length) == count, matches(entry, bytes) { return entry.code }
      slot = (slot + 1) & mask
    }
  }

  /// Remembers `code` for `bytes` (unless the cache is full).
  mutating func remember(_ bytes: UnsafeBufferPointer<UInt8>, code: Int32) {
    guard entries.count < Self.maxEntries, arena.count + bytes.count <= Self.maxBytes, self.code(of: bytes) == nil
    else { return }
    if 2 * (entries.count + 1) > slots.count { grow() }
    let short = bytes.count <= Self.shortLength
    let words = short ? Self.words(bytes, slack: 0) : (0, 0)
    let entry = Entry(
      hash: short ? Self.hash(words, count: bytes.count) : Self.hash(bytes), words: words,
      start: Int32(arena.count), length: Int32(bytes.count), code: code)
    if !short { arena.append(contentsOf: bytes) }
    entries.append(entry)
    insert(Int32(entries.count - 1), hash: entry.hash)
  }

  private func matches(_ entry: Entry, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard let cell = bytes.baseAddress, !bytes.isEmpty else { return true }  // no bytes: an empty entry's
    return arena.withUnsafeBufferPointer { arena in
      guard let stored = arena.baseAddress else { return false }
      return memcmp(stored + Int(entry.start), cell, bytes.count) == 0
    }
  }

  private mutating func insert(_ index: Int32, hash: UInt64) {
    let mask = slots.count - 1
    var slot = Int(truncatingIfNeeded: hash) & mask
    while slots[slot] >= 0 { slot = (slot + 1) & mask }
    slots[slot] = index
  }

  private mutating func grow() {
    slots = [Int32](repeating: -1, count: slots.count * 2)
    for (index, entry) in entries.enumerated() { insert(Int32(index), hash: entry.hash) }
  }

  /// The bytes of a cell of at most 16 as two little-endian words, zero past them: loaded a
  /// word at a time when 16 bytes may be read (`slack` bytes past the cell), else byte by byte.
  @inline(__always)
  private static func words(_ bytes: UnsafeBufferPointer<UInt8>, slack: Int) -> (UInt64, UInt64) {
    let count = bytes.count
    guard let base = UnsafeRawPointer(bytes.baseAddress) else { return (0, 0) }
    if count &+ slack >= 16 {
      let low = UInt64(littleEndian: base.loadUnaligned(as: UInt64.self))
      let high = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
      let bits = UInt64(count) &<< 3
      if count >= 8 { return (low, count == 16 ? high : high & ~(UInt64.max &<< (bits &- 64))) }
      return (low & ~(UInt64.max &<< bits), 0)
    }
    var words: (UInt64, UInt64) = (0, 0)
    for (offset, byte) in bytes.enumerated() {
      if offset < 8 {
        words.0 |= UInt64(byte) << (8 * offset)
      } else {
        words.1 |= UInt64(byte) << (8 * (offset - 8))
      }
    }
    return words
  }

  /// A short cell's slot hash, from its words and length.
  @inline(__always)
  private static func hash(_ words: (UInt64, UInt64), count: Int) -> UInt64 {
    var hash = (words.0 ^ UInt64(truncatingIfNeeded: count)) &* 0xff51_afd7_ed55_8ccd
    hash = (hash ^ (hash &>> 29) ^ words.1) &* 0xc4ce_b9fe_1a85_ec53
    return hash ^ (hash &>> 32)
  }

  /// The bytes eight at a time (the last few as one little-endian word), each word multiplied
  /// in, then a final mix so that the low bits (the slot) depend on all of them.
  private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
    let count = bytes.count
    var hash = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: count)
    if let base = UnsafeRawPointer(bytes.baseAddress) {
      var index = 0
      while index + 8 <= count {
        let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: index, as: UInt64.self))
        hash = (hash ^ word) &* 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 29
        index += 8
      }
      if index < count {
        var word: UInt64 = 0
        for offset in 0..<(count - index) { word |= UInt64(bytes[index + offset]) << (8 * offset) }
        hash = (hash ^ word) &* 0xff51_afd7_ed55_8ccd
      }
    }
    hash ^= hash >> 33
    hash = hash &* 0xc4ce_b9fe_1a85_ec53
    return hash ^ (hash >> 33)
  }
}
