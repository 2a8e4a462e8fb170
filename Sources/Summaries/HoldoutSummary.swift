import Foundation
import LinearAlgebra
import NeuralNetwork

/// The counts and sums of a model's outputs on labelled rows it was not trained on (its
/// holdout): exact, and added when streams are merged. What black-box shift estimation and
/// RLLS need of a source, without its rows.
public struct HoldoutCounts: Sendable, Equatable, Codable {
  /// Classes the model scores (and the labels take).
  public let classCount: Int
  /// Rows counted.
  public private(set) var rows = 0
  /// Rows of each true class.
  public private(set) var labelCounts: [Int]
  /// Row-major `k × k`: entry `i·k + j` counts the rows of true class `j` the model assigns to
  /// class `i` (arg-max of its probabilities).
  public private(set) var confusionCounts: [Int]
  /// Row-major `k × k`: entry `i·k + j` sums class `i`'s probability over the rows of true
  /// class `j` (in `Double`, row by row).
  public private(set) var probabilitySums: [Double]

  /// No rows yet, of a `classCount`-class model.
  public init(classCount: Int) {
    self.classCount = classCount
    labelCounts = [Int](repeating: 0, count: classCount)
    confusionCounts = [Int](repeating: 0, count: classCount * classCount)
    probabilitySums = [Double](repeating: 0, count: classCount * classCount)
  }

  /// The counts of rows given by their class `probabilities` (each row a softmax) and `labels`.
  public init(probabilities: Matrix, labels: [Int]) {
    self.init(classCount: probabilities.columns)
    add(probabilities: probabilities, labels: labels)
  }

  /// Adds rows given by their class `probabilities` (`rows × classCount`, each row a softmax)
  /// and their true classes `labels` (each in `0..<classCount`).
  public mutating func add(probabilities: Matrix, labels: [Int]) {
    let k = classCount
    precondition(probabilities.columns == k && probabilities.rows == labels.count, "rows that do not fit the counts")
    precondition(labels.allSatisfy { (0..<k).contains($0) }, "a label outside the classes")
    let predicted = probabilities.argmaxPerRow()
    probabilities.withUnsafeBufferPointer { p in
      probabilitySums.withUnsafeMutableBufferPointer { sums in
        for (row, label) in labels.enumerated() {
          for i in 0..<k { sums[i * k + label] += Double(p[row * k + i]) }
        }
      }
    }
    for (row, label) in labels.enumerated() {
      labelCounts[label] += 1
      confusionCounts[predicted[row] * k + label] += 1
    }
    rows += labels.count
  }

  /// The counts of both streams.
  public func merged(with other: HoldoutCounts) throws -> HoldoutCounts {
    guard classCount == other.classCount else {
      throw SummaryError.mismatch("labelled outputs of \(classCount) and of \(other.classCount) classes")
    }
    var result = self
    result.rows = try addingCounts(rows, other.rows)
    for j in 0..<classCount { result.labelCounts[j] = try addingCounts(labelCounts[j], other.labelCounts[j]) }
    for index in confusionCounts.indices {
      result.confusionCounts[index] = try addingCounts(confusionCounts[index], other.confusionCounts[index])
      result.probabilitySums[index] += other.probabilitySums[index]
    }
    return result
  }

  /// The share of rows of each true class (zeros for no rows).
  public var labelShares: [Double] {
    let total = Double(max(rows, 1))
    return labelCounts.map { Double($0) / total }
  }

  /// The share of rows the model classifies correctly (0 for no rows).
  public var accuracy: Double {
    let correct = (0..<classCount).reduce(0) { $0 + confusionCounts[$1 * classCount + $1] }
    return rows == 0 ? 0 : Double(correct) / Double(rows)
  }

  enum CodingKeys: String, CodingKey { case classCount, rows, labelCounts, confusionCounts, probabilitySums }

  /// Decodes counts, checking that they add up to the rows and to each other.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    classCount = try container.decode(Int.self, forKey: .classCount)
    rows = try container.decode(Int.self, forKey: .rows)
    labelCounts = try container.decode([Int].self, forKey: .labelCounts)
    confusionCounts = try container.decode([Int].self, forKey: .confusionCounts)
    probabilitySums = try container.decode([Double].self, forKey: .probabilitySums)
    func corrupted() -> DecodingError {
      .dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "labelled counts that do not add up"))
    }
    guard classCount >= 2, classCount <= 1 << 12, rows >= 0, labelCounts.count == classCount,
      confusionCounts.count == classCount * classCount, probabilitySums.count == classCount * classCount,
      labelCounts.allSatisfy({ $0 >= 0 }), confusionCounts.allSatisfy({ $0 >= 0 }),
      probabilitySums.allSatisfy({ $0.isFinite && $0 >= 0 })
    else { throw corrupted() }
    // Each class's column of the confusion counts adds up to its rows, and the classes to all rows.
    var total = 0
    for j in 0..<classCount {
      var column = 0
      for i in 0..<classCount {
        let (sum, overflow) = column.addingReportingOverflow(confusionCounts[i * classCount + j])
        guard !overflow else { throw corrupted() }
        column = sum
      }
      let (sum, overflow) = total.addingReportingOverflow(labelCounts[j])
      guard !overflow, column == labelCounts[j] else { throw corrupted() }
      total = sum
    }
    guard total == rows else { throw corrupted() }
    // Each row's probabilities sum to 1 (within Float rounding), so each class's sums add up to
    // its rows.
    for j in 0..<classCount {
      let sum = (0..<classCount).reduce(0.0) { $0 + probabilitySums[$1 * classCount + j] }
      guard abs(sum - Double(labelCounts[j])) <= 1e-4 * Double(labelCounts[j]) + 1e-6 else { throw corrupted() }
    }
  }
}

/// A model's outputs on a stream of labelled rows it was not trained on (a reference's, or a
/// merged profile's), summarised in one pass and mergeable: what label-shift estimation needs
/// of a source.
///
/// The ``counts`` (confusion counts and per-class probability sums, for BBSE and RLLS) are
/// exact over every row; the logits and label of at most ``BottomKSample/capacity`` rows are
/// kept, chosen by a hash of each row, for the estimators that revisit rows (EM-BCTS's
/// calibration, `auto`'s simulations, the bootstrap). No longer than the capacity, the sample is
/// every row.
public struct HoldoutSummary: Sendable, Equatable, Codable {
  /// Counts and sums over every row.
  public private(set) var counts: HoldoutCounts
  /// A hash-chosen sample of rows, each its logits then its class index (width `classCount + 1`).
  public private(set) var sample: BottomKSample

  /// An empty summary of a `classCount`-class model's outputs, keeping at most `sampleCapacity` rows.
  public init(classCount: Int, sampleCapacity: Int = PredictionSummary.defaultSampleCapacity) {
    counts = HoldoutCounts(classCount: classCount)
    sample = BottomKSample(capacity: sampleCapacity, width: classCount + 1)
  }

  /// The summary of the rows of `logits` with their `labels`, keeping every row.
  public init(logits: Matrix, labels: [Int]) {
    self.init(classCount: logits.columns, sampleCapacity: max(logits.rows, 1))
    add(logits: logits, labels: labels, firstOrdinal: 0)
  }

  /// Classes the model scores.
  public var classCount: Int { counts.classCount }
  /// Rows summarised.
  public var rows: Int { counts.rows }

  /// Adds a batch of rows by their `logits` (`rows × classCount`; a model that gives
  /// probabilities gives their logarithms) and true classes `labels`, the first at stream
  /// position `firstOrdinal`. A row's sampling key is the ``StableHash`` of its logits and label.
  public mutating func add(logits: Matrix, labels: [Int], firstOrdinal: Int) {
    let k = classCount
    precondition(logits.columns == k && logits.rows == labels.count, "a batch that does not fit the summary")
    var probabilities = logits
    softmaxRows(&probabilities)
    counts.add(probabilities: probabilities, labels: labels)
    var rows = Matrix(rows: logits.rows, columns: k + 1)
    logits.withUnsafeBufferPointer { source in
      rows.withUnsafeMutableBufferPointer { target in
        for (row, label) in labels.enumerated() {
          for j in 0..<k { target[row * (k + 1) + j] = source[row * k + j] }
          target[row * (k + 1) + k] = Float(label)
        }
      }
    }
    sample.offer(rowsOf: rows, firstOrdinal: firstOrdinal)
  }

  /// The summary of both streams: counts added, samples merged (exactly).
  public func merged(with other: HoldoutSummary) throws -> HoldoutSummary {
    var result = self
    result.counts = try counts.merged(with: other.counts)
    result.sample = try sample.merged(with: other.sample)
    return result
  }

  /// The same summary with its sampled rows' positions forgotten (a shard's are not the file's).
  public func withoutRowPositions() -> HoldoutSummary {
    var result = self
    result.sample = sample.withoutOrdinals()
    return result
  }

  /// The sampled rows' logits and labels: in stream order when the sample is a whole stream
  /// read in one piece, in key order otherwise (see ``BottomKSample/orderedRows()``).
  public var sampledRows: (logits: Matrix, labels: [Int]) {
    let k = classCount
    let rows = sample.orderedRows().rows
    var logits = Matrix(rows: rows.rows, columns: k)
    var labels = [Int](repeating: 0, count: rows.rows)
    rows.withUnsafeBufferPointer { source in
      logits.withUnsafeMutableBufferPointer { target in
        for row in 0..<rows.rows {
          for j in 0..<k { target[row * k + j] = source[row * (k + 1) + j] }
          labels[row] = Int(source[row * (k + 1) + k])
        }
      }
    }
    return (logits, labels)
  }

  enum CodingKeys: String, CodingKey { case counts, sample }

  /// Decodes a summary, checking that its sample is of the counted rows and its labels are classes.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    counts = try container.decode(HoldoutCounts.self, forKey: .counts)
    sample = try container.decode(BottomKSample.self, forKey: .sample)
    let k = counts.classCount
    let labelsAreClasses = stride(from: k, to: sample.values.count, by: k + 1).allSatisfy { index in
      let label = sample.values[index]
      return label >= 0 && label < Float(k) && label == label.rounded()
    }
    guard sample.width == k + 1, sample.offered == counts.rows, labelsAreClasses,
      sample.values.allSatisfy(\.isFinite)
    else {
      throw DecodingError.dataCorrupted(
        .init(codingPath: decoder.codingPath, debugDescription: "a sample that is not of the counted labelled rows"))
    }
  }
}
