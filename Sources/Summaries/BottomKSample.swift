import LinearAlgebra

/// A uniform sample of at most `capacity` rows of a stream, chosen by a hash of each row's
/// content (``StableHash``): the rows with the smallest keys. Because the choice depends on the
/// rows alone, never on their order or on how the stream was split, the sample of a merge of
/// shards is exactly the merge of their samples (bottom-k sampling, Cohen & Kaplan 2007).
///
/// Rows are fixed-width `Float` vectors (a model's logits, a row of features). Ties between
/// equal keys (duplicate rows, or a 64-bit collision) are broken by the values, so that the
/// sample is one set whatever the order of arrival. Memory is at most twice the capacity
/// (plus 16 rows).
public struct BottomKSample: Sendable, Equatable, Codable {
  /// The most rows kept.
  public let capacity: Int
  /// Values per row.
  public let width: Int
  /// Rows offered so far (kept or not).
  public private(set) var offered: Int = 0
  /// The candidate rows' keys: the kept rows and, until the next compaction, up to as many
  /// more. After ``compacted()`` (as in every merged or decoded sample) exactly the kept rows,
  /// in ascending order.
  public private(set) var keys: [UInt64] = []
  /// Each candidate row's position in the stream it was offered from (a file's row index).
  public private(set) var ordinals: [Int] = []
  /// The candidate rows, row-major (`keys.count × width`).
  public private(set) var values: [Float] = []
  /// No row with a larger key can be among the kept ones any more.
  private var threshold = UInt64.max

  /// An empty sample of at most `capacity` rows of `width` values.
  public init(capacity: Int, width: Int) {
    precondition(capacity >= 1 && width >= 0, "a sample keeps at least one row of non-negative width")
    self.capacity = capacity
    self.width = width
  }

  /// Rows kept.
  public var count: Int { min(keys.count, capacity) }

  /// Whether every row offered is kept (the sample is the whole stream).
  public var isComplete: Bool { offered <= capacity }

  /// Offers the row `row` (`width` values) with its `key` and stream position `ordinal`.
  public mutating func offer(key: UInt64, ordinal: Int, row: UnsafeBufferPointer<Float>) {
    precondition(row.count == width, "a row of \(row.count) values offered to a sample of width \(width)")
    offered += 1
    guard key <= threshold else { return }
    keys.append(key)
    ordinals.append(ordinal)
    values.append(contentsOf: row)
    // Pruning at twice the capacity, the candidates' count grows by `capacity` between prunes.
    if keys.count >= 2 * capacity + 16 { prune() }
  }

  /// Cuts the candidates to the `capacity` rows ``compacted()`` keeps, in no particular order,
  /// and lowers the threshold to the largest kept key, by selecting the `capacity`-th smallest
  /// key instead of sorting (a stream prunes many times; the order is made when it is read).
  private mutating func prune() {
    guard keys.count > capacity else { return }
    var scratch = keys
    let pivot = Self.select(&scratch, rank: capacity - 1)
    // Every row with a smaller key, and of those with the pivot's key the first in row order.
    var kept = keys.indices.filter { keys[$0] < pivot }
    var tied = keys.indices.filter { keys[$0] == pivot }
    tied.sort { isBefore($0, $1) }
    kept += tied.prefix(capacity - kept.count)
    self = keeping(kept, reserving: 2 * capacity + 16)
    threshold = pivot
  }

  /// The sample of only the candidate rows `indices`, in that order (room reserved for
  /// `reserved` rows), its threshold unset.
  private func keeping(_ indices: some Collection<Int>, reserving reserved: Int) -> BottomKSample {
    var result = BottomKSample(capacity: capacity, width: width)
    result.offered = offered
    result.keys.reserveCapacity(reserved)
    result.ordinals.reserveCapacity(reserved)
    result.values.reserveCapacity(reserved * width)
    for index in indices {
      result.keys.append(keys[index])
      result.ordinals.append(ordinals[index])
      result.values.append(contentsOf: values[(index * width)..<((index + 1) * width)])
    }
    return result
  }

  /// The value at position `rank` of `values` sorted ascending (Hoare's selection; `values` is
  /// left partly sorted). Keys are hashes, so median-of-three pivots never meet the worst case.
  static func select(_ values: inout [UInt64], rank: Int) -> UInt64 {
    precondition(values.indices.contains(rank), "a rank within the values")
    return values.withUnsafeMutableBufferPointer { values in
      var (low, high) = (0, values.count - 1)
      while low < high {
        let (a, b, c) = (values[low], values[low + (high - low) / 2], values[high])
        let pivot = max(min(a, b), min(max(a, b), c))
        var (i, j) = (low, high)
        while i <= j {
          while values[i] < pivot { i += 1 }
          while values[j] > pivot { j -= 1 }
          if i <= j {
            values.swapAt(i, j)
            i += 1
            j -= 1
          }
        }
        if rank <= j {
          high = j
        } else if rank >= i {
          low = i
        } else {
          return values[rank]
        }
      }
      return values[rank]
    }
  }

  /// Offers every row of `matrix` (`width` columns), each keyed by the ``StableHash`` of its
  /// values, the first at stream position `firstOrdinal`.
  public mutating func offer(rowsOf matrix: Matrix, firstOrdinal: Int) {
    precondition(matrix.columns == width, "rows of \(matrix.columns) values offered to a sample of width \(width)")
    offer(keys: StableHash.hashes(ofRows: matrix), firstOrdinal: firstOrdinal) { candidates in
      candidates.count == matrix.rows ? matrix : matrix.rows(at: candidates)
    }
  }

  /// Offers rows by their `keys` (the first at stream position `firstOrdinal`), asking `rows`
  /// for the values of only those that can still be kept (their indices in `keys`, ascending):
  /// the same sample as offering every row, without making the rows a full sample would
  /// reject.
  public mutating func offer(keys: [UInt64], firstOrdinal: Int, rows: (_ indices: [Int]) -> Matrix) {
    let candidates = keys.indices.filter { keys[$0] <= threshold }
    let values = rows(candidates)
    precondition(values.rows == candidates.count && values.columns == width, "rows that do not fit the sample")
    offered += keys.count - candidates.count
    values.withUnsafeBufferPointer { values in
      for (row, index) in candidates.enumerated() {
        let slice = UnsafeBufferPointer(rebasing: values[(row * width)..<((row + 1) * width)])
        offer(key: keys[index], ordinal: firstOrdinal + index, row: slice)
      }
    }
  }

  /// The same sample with only its `capacity` smallest rows, in ascending key order.
  public func compacted() -> BottomKSample {
    var order = Array(keys.indices)
    order.sort { isBefore($0, $1) }
    let kept = order.prefix(capacity)
    var result = keeping(kept, reserving: kept.count)
    if keys.count >= capacity, let last = result.keys.last { result.threshold = last }
    return result
  }

  /// Whether row `a` comes before row `b`: by key, then by values.
  private func isBefore(_ a: Int, _ b: Int) -> Bool {
    if keys[a] != keys[b] { return keys[a] < keys[b] }
    for j in 0..<width {
      let (x, y) = (values[a * width + j].bitPattern, values[b * width + j].bitPattern)
      if x != y { return x < y }
    }
    return ordinals[a] < ordinals[b]
  }

  /// The sample of both streams: the smallest keys of the two. Exact: equal to the sample of
  /// the concatenated streams. Throws unless the capacities and widths agree.
  public func merged(with other: BottomKSample) throws -> BottomKSample {
    guard capacity == other.capacity, width == other.width else {
      throw SummaryError.mismatch(
        "samples of \(capacity) rows × \(width) values and of \(other.capacity) rows × \(other.width) values")
    }
    var union = self
    union.keys += other.keys
    union.ordinals += other.ordinals
    union.values += other.values
    union.offered = try addingCounts(offered, other.offered)
    return union.compacted()
  }

  /// The kept rows as a matrix, in ascending key order (the canonical order: the same however
  /// the stream was split).
  public func matrix() -> Matrix {
    let sample = compacted()
    return Matrix(rows: sample.count, columns: width, storage: sample.values)
  }

  /// The same sample with every position set to 0 (positions that mean nothing once shards
  /// are merged): ``orderedRows()`` then gives key order even for a whole stream.
  public func withoutOrdinals() -> BottomKSample {
    var result = compacted()
    result.ordinals = [Int](repeating: 0, count: result.keys.count)
    return result
  }

  /// The kept rows and their stream positions: in stream order when the sample is the whole
  /// stream (so that it is the stream itself), in key order otherwise.
  public func orderedRows() -> (rows: Matrix, ordinals: [Int]) {
    let sample = compacted()
    guard isComplete else {
      return (Matrix(rows: sample.count, columns: width, storage: sample.values), sample.ordinals)
    }
    let order = sample.ordinals.indices.sorted {
      (sample.ordinals[$0], sample.keys[$0]) < (sample.ordinals[$1], sample.keys[$1])
    }
    var values: [Float] = []
    values.reserveCapacity(sample.values.count)
    for index in order { values += sample.values[(index * width)..<((index + 1) * width)] }
    return (Matrix(rows: order.count, columns: width, storage: values), order.map { sample.ordinals[$0] })
  }

  enum CodingKeys: String, CodingKey { case capacity, width, offered, keys, ordinals, values }

  /// Decodes a sample, checking that its rows fit its sizes and are in key order.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    capacity = try container.decode(Int.self, forKey: .capacity)
    width = try container.decode(Int.self, forKey: .width)
    offered = try container.decode(Int.self, forKey: .offered)
    keys = try container.decodePacked([UInt64].self, forKey: .keys)
    ordinals = try container.decodePacked([Int64].self, forKey: .ordinals).map { Int($0) }
    values = try container.decodePacked([Float].self, forKey: .values)
    guard capacity >= 1, capacity <= 1 << 40, width >= 0, width <= 1 << 24, keys.count <= capacity,
      ordinals.count == keys.count,
      values.count == keys.count * width, keys.count == min(offered, capacity),
      zip(keys, keys.dropFirst()).allSatisfy({ $0 <= $1 })
    else {
      throw DecodingError.dataCorrupted(
        .init(codingPath: decoder.codingPath, debugDescription: "a sample whose rows do not fit its sizes or order"))
    }
    if offered > capacity, let last = keys.last { threshold = last }
  }

  /// Encodes the sample compacted (its kept rows in key order).
  public func encode(to encoder: any Encoder) throws {
    let sample = keys.count > capacity || !zip(keys, keys.dropFirst()).allSatisfy({ $0 <= $1 }) ? compacted() : self
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(capacity, forKey: .capacity)
    try container.encode(width, forKey: .width)
    try container.encode(sample.offered, forKey: .offered)
    try container.encodePacked(sample.keys, forKey: .keys)
    try container.encodePacked(sample.ordinals.map { Int64($0) }, forKey: .ordinals)
    try container.encodePacked(sample.values, forKey: .values)
  }

  /// Whether both keep the same rows of streams of the same length (positions aside).
  public static func == (a: BottomKSample, b: BottomKSample) -> Bool {
    let (x, y) = (a.compacted(), b.compacted())
    return x.capacity == y.capacity && x.width == y.width && x.offered == y.offered && x.keys == y.keys
      && x.values.map(\.bitPattern) == y.values.map(\.bitPattern)
  }
}
