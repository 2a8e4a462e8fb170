import Datasets
import LinearAlgebra
import Summaries

/// A target as the detector reads it, summarised in one pass and mergeable, so that a target of
/// any length is tested in bounded memory: per column a ``ColumnSummary`` (a quantile sketch for
/// a number, category counts otherwise, missing cells counted), the cells of levels the source
/// never had, and a hash-chosen sample of its encoded rows for the domain classifier
/// (``BottomKSample``, keyed by the ``StableHash`` of each row's cells, so that a row the sample
/// rejects is never encoded).
///
/// A target no longer than the sketches' capacity and the sample is kept whole, and tests as
/// the whole target does.
public struct DetectionTarget: Sendable, Equatable, Codable {
  /// One summary per column, in the cells' order.
  public private(set) var columns: [ColumnSummary]
  /// Cells of levels the source never had.
  public private(set) var unseen: [EncodedFeatures.Unseen] = []
  /// A sample of the encoded rows (the domain classifier's target rows).
  public private(set) var sample: BottomKSample

  /// Target rows the domain classifier reads by default: at most 20 000, four times the
  /// default source reference, beyond which its held-out AUC barely moves and its fits only cost time.
  public static let defaultDomainRows = 20_000

  /// An empty target of `columns` (the source's cells' columns) and `featureCount` encoded
  /// features; `domainRows` rows are sampled, and each numeric column's sketch keeps
  /// `sketchCapacity` values exactly.
  public init(
    columns: [ColumnCells.Column], featureCount: Int, domainRows: Int = DetectionTarget.defaultDomainRows,
    sketchCapacity: Int = QuantileSketch.defaultCapacity
  ) {
    self.columns = columns.map {
      $0.kind == .numeric ? .numeric(capacity: sketchCapacity) : .categorical(categories: $0.categories.count)
    }
    sample = BottomKSample(capacity: max(domainRows, 1), width: featureCount)
  }

  /// The whole of a target held in memory: its `cells` and `features`, every row kept.
  public init(cells: ColumnCells, features: Matrix) {
    self.init(
      columns: cells.columns, featureCount: features.columns, domainRows: max(features.rows, 1),
      sketchCapacity: cells.rowCount + 1)
    add(cells: cells, firstRow: 0) { features.rows(at: $0) }
  }

  /// Rows added.
  public var rows: Int { sample.offered }

  /// Adds a batch: its `cells` (with their unseen levels), its first row at `firstRow` of the
  /// target; `features` gives the encoded features of the batch's rows it is asked for (by
  /// their 0-based indices in the batch), those the sample may keep.
  public mutating func add(cells: ColumnCells, firstRow: Int, features: (_ rows: [Int]) -> Matrix) {
    precondition(cells.columns.count == columns.count, "a batch of other columns")
    addCells(cells)
    unseen = EncodedFeatures.Unseen.merged(unseen, cells.unseen)
    sample.offer(keys: StableHash.hashes(ofRows: cells.cells), firstOrdinal: firstRow, rows: features)
  }

  /// Adds each cell of `cells` to its column's summary.
  private mutating func addCells(_ cells: ColumnCells) {
    let width = cells.columns.count
    guard width > 0 else { return }
    cells.cells.withUnsafeBufferPointer { values in
      let batch = UnsafeBufferPointer(rebasing: values[0..<(cells.rowCount * width)])
      for column in 0..<width { columns[column].add(column: batch, offset: column, width: width) }
    }
  }

  /// The target of both streams (shards of one file): column summaries and samples merged,
  /// unseen levels added. Throws unless their columns, sketches and samples agree.
  public func merged(with other: DetectionTarget) throws -> DetectionTarget {
    guard columns.count == other.columns.count else {
      throw SummaryError.mismatch("targets of \(columns.count) and \(other.columns.count) columns")
    }
    var result = self
    result.columns = try zip(columns, other.columns).map { try $0.merged(with: $1) }
    result.unseen = EncodedFeatures.Unseen.merged(unseen, other.unseen)
    result.sample = try sample.merged(with: other.sample)
    return result
  }

  /// The same target with its sampled rows' positions forgotten (a shard's positions are not
  /// the file's): its domain rows are then in key order, the same however the file was split.
  public func withoutRowPositions() -> DetectionTarget {
    var result = self
    result.sample = sample.withoutOrdinals()
    return result
  }

  /// The column summaries of every row of `cells` (exact).
  static func columnSummaries(of cells: ColumnCells) -> [ColumnSummary] {
    var target = DetectionTarget(
      columns: cells.columns, featureCount: 0, domainRows: 1, sketchCapacity: cells.rowCount + 1)
    target.addCells(cells)
    return target.columns
  }
}
