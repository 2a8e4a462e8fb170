import Foundation
import LinearAlgebra
import NeuralNetwork

/// The counts and sums of a model's outputs on a stream of rows: exact, and added when streams
/// are merged.
public struct PredictionCounts: Sendable, Equatable, Codable {
  /// Classes the model scores.
  public let classCount: Int
  /// Rows counted.
  public private(set) var rows = 0
  /// How many rows the model assigns to each class (arg-max of its probabilities).
  public private(set) var predictedCounts: [Int]
  /// The sum over rows of each class's probability (accumulated in `Double`, row by row, so
  /// that any split of the rows sums to the same within rounding).
  public private(set) var probabilitySums: [Double]
  /// How many rows have their top-class probability in each of ``confidenceBins`` equal bins of [0, 1].
  public private(set) var confidenceCounts: [Int]

  /// Bins of the top-class confidence histogram.
  public static let confidenceBins = 20

  /// No rows yet, of a `classCount`-class model.
  public init(classCount: Int) {
    self.classCount = classCount
    predictedCounts = [Int](repeating: 0, count: classCount)
    probabilitySums = [Double](repeating: 0, count: classCount)
    confidenceCounts = [Int](repeating: 0, count: Self.confidenceBins)
  }

  /// The counts of the rows of `logits`.
  public init(logits: Matrix) {
    self.init(classCount: logits.columns)
    var probabilities = logits
    softmaxRows(&probabilities)
    add(probabilities: probabilities)
  }

  /// Adds rows given by their class `probabilities` (`rows × classCount`, each row a softmax).
  public mutating func add(probabilities: Matrix) {
    precondition(probabilities.columns == classCount, "probabilities of another class count")
    let (k, bins) = (classCount, Self.confidenceBins)
    let predicted = probabilities.argmaxPerRow()
    probabilities.withUnsafeBufferPointer { p in
      probabilitySums.withUnsafeMutableBufferPointer { sums in
        for row in 0..<probabilities.rows {
          for j in 0..<k { sums[j] += Double(p[row * k + j]) }
        }
      }
      for (row, top) in predicted.enumerated() {
        predictedCounts[top] += 1
        let confidence = Double(p[row * k + top])
        confidenceCounts[min(bins - 1, max(0, Int(confidence * Double(bins))))] += 1
      }
    }
    rows += probabilities.rows
  }

  /// The counts of both streams.
  public func merged(with other: PredictionCounts) throws -> PredictionCounts {
    guard classCount == other.classCount else {
      throw SummaryError.mismatch("predictions of \(classCount) and of \(other.classCount) classes")
    }
    var result = self
    result.rows = try addingCounts(rows, other.rows)
    for j in 0..<classCount {
      result.predictedCounts[j] = try addingCounts(predictedCounts[j], other.predictedCounts[j])
      result.probabilitySums[j] += other.probabilitySums[j]
    }
    for bin in confidenceCounts.indices {
      result.confidenceCounts[bin] = try addingCounts(confidenceCounts[bin], other.confidenceCounts[bin])
    }
    return result
  }

  /// The share of rows predicted as each class (zeros for no rows).
  public var predictedShares: [Double] {
    predictedCounts.map { rows == 0 ? 0 : Double($0) / Double(rows) }
  }

  /// The mean probability of each class (zeros for no rows).
  public var meanProbabilities: [Double] {
    probabilitySums.map { rows == 0 ? 0 : $0 / Double(rows) }
  }

  enum CodingKeys: String, CodingKey { case classCount, rows, predictedCounts, probabilitySums, confidenceCounts }

  /// Decodes counts, checking that they add up to the rows.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    classCount = try container.decode(Int.self, forKey: .classCount)
    rows = try container.decode(Int.self, forKey: .rows)
    predictedCounts = try container.decode([Int].self, forKey: .predictedCounts)
    probabilitySums = try container.decode([Double].self, forKey: .probabilitySums)
    confidenceCounts = try container.decode([Int].self, forKey: .confidenceCounts)
    func total(_ counts: [Int]) -> Int? {
      counts.reduce(Int?.some(0)) { sum, count in
        guard let sum, count >= 0 else { return nil }
        let (next, overflow) = sum.addingReportingOverflow(count)
        return overflow ? nil : next
      }
    }
    guard classCount >= 2, rows >= 0, predictedCounts.count == classCount, probabilitySums.count == classCount,
      confidenceCounts.count == Self.confidenceBins, total(predictedCounts) == rows, total(confidenceCounts) == rows,
      probabilitySums.allSatisfy({ $0.isFinite && $0 >= 0 })
    else {
      throw DecodingError.dataCorrupted(
        .init(codingPath: decoder.codingPath, debugDescription: "prediction counts that do not add up"))
    }
  }
}

/// A model's outputs on a stream of unlabelled rows, summarised in one pass and mergeable:
/// what label-shift estimation, the prediction tests and the label-free performance estimates
/// need of a target, without holding it.
///
/// The ``counts`` are exact over every row; the logits of at most ``BottomKSample/capacity``
/// rows are kept, chosen by a hash of each row (``BottomKSample``), for the estimators that
/// revisit rows (EM, calibration-based estimates, the bootstrap). When the stream is no longer
/// than the capacity the sample is every row, and what is estimated from the summary is what
/// would be estimated from the rows.
public struct PredictionSummary: Sendable, Equatable, Codable {
  /// Counts and sums over every row.
  public private(set) var counts: PredictionCounts
  /// The logits of a hash-chosen sample of rows (width: the class count).
  public private(set) var sample: BottomKSample

  /// Rows whose logits are kept by default: at most 100 000 (10 MB for 26 classes), enough
  /// that EM's sampling error on the kept rows stays below its error from the holdout.
  public static let defaultSampleCapacity = 100_000

  /// An empty summary of a `classCount`-class model's outputs, keeping the logits of at most
  /// `sampleCapacity` rows.
  public init(classCount: Int, sampleCapacity: Int = PredictionSummary.defaultSampleCapacity) {
    counts = PredictionCounts(classCount: classCount)
    sample = BottomKSample(capacity: sampleCapacity, width: classCount)
  }

  /// The summary of the rows of `logits`, keeping at most `sampleCapacity` of them (all by default).
  public init(logits: Matrix, sampleCapacity: Int? = nil) {
    self.init(classCount: logits.columns, sampleCapacity: sampleCapacity ?? max(logits.rows, 1))
    add(logits: logits, firstOrdinal: 0)
  }

  /// Classes the model scores.
  public var classCount: Int { counts.classCount }
  /// Rows summarised.
  public var rows: Int { counts.rows }

  /// Adds a batch of rows by their `logits` (`rows × classCount`; a model that gives
  /// probabilities gives their logarithms), the first at stream position `firstOrdinal`. Each
  /// row's sampling key is the ``StableHash`` of its logits, so that a row is kept or not
  /// whichever shard it is in.
  public mutating func add(logits: Matrix, firstOrdinal: Int) {
    precondition(logits.columns == classCount, "a batch that does not fit the summary")
    var probabilities = logits
    softmaxRows(&probabilities)
    counts.add(probabilities: probabilities)
    sample.offer(rowsOf: logits, firstOrdinal: firstOrdinal)
  }

  /// Adds a batch as ``add(logits:firstOrdinal:)`` does, but keying its rows by `keys` (one per
  /// row): summaries of several models' outputs on the same rows, keyed alike (say, by a hash
  /// of the rows' features), keep the same rows in the same order.
  public mutating func add(logits: Matrix, firstOrdinal: Int, keys: [UInt64]) {
    precondition(logits.columns == classCount && keys.count == logits.rows, "a batch that does not fit the summary")
    var probabilities = logits
    softmaxRows(&probabilities)
    counts.add(probabilities: probabilities)
    sample.offer(keys: keys, firstOrdinal: firstOrdinal) { rows in
      rows.count == logits.rows ? logits : logits.rows(at: rows)
    }
  }

  /// The summary of both streams: counts added, samples merged (exactly).
  public func merged(with other: PredictionSummary) throws -> PredictionSummary {
    var result = self
    result.counts = try counts.merged(with: other.counts)
    result.sample = try sample.merged(with: other.sample)
    return result
  }

  /// The same summary with its sampled rows' positions forgotten (a shard's positions are not
  /// the file's), so that its saved form is the same however the file was split.
  public func withoutRowPositions() -> PredictionSummary {
    var result = self
    result.sample = sample.withoutOrdinals()
    return result
  }

  /// Logits of class probabilities as every summary keeps them: `log(max(p, 10⁻¹²))`.
  public static func logits(ofProbabilities probabilities: Matrix) -> Matrix {
    Matrix(
      rows: probabilities.rows, columns: probabilities.columns,
      storage: probabilities.storage.map { logf(max($0, 1e-12)) })
  }

  /// `exp` of each logit (not renormalised): of ``logits(ofProbabilities:)``, a monotone map of
  /// the probabilities, so their order and ties are kept.
  public static func probabilities(ofLogits logits: Matrix) -> Matrix {
    Matrix(rows: logits.rows, columns: logits.columns, storage: logits.storage.map { expf($0) })
  }

  /// The sampled rows' probabilities, `exp` of their logits (``probabilities(ofLogits:)``).
  public var sampledProbabilities: Matrix { Self.probabilities(ofLogits: sampledLogits) }

  /// The sampled rows' logits, in the sample's canonical (key) order.
  public var sampledLogits: Matrix { sample.matrix() }

  enum CodingKeys: String, CodingKey { case counts, sample }

  /// Decodes a summary, checking that its sample is of the counted rows.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    counts = try container.decode(PredictionCounts.self, forKey: .counts)
    sample = try container.decode(BottomKSample.self, forKey: .sample)
    guard sample.width == counts.classCount, sample.offered == counts.rows else {
      throw DecodingError.dataCorrupted(
        .init(codingPath: decoder.codingPath, debugDescription: "a sample that is not of the counted rows"))
    }
  }
}
