import Datasets
import DomainClassifier
import Evaluation
import Foundation
import LinearAlgebra
import PerformanceEstimation
import ShiftDetection
import ShiftEstimation

/// A model in production, watched chunk by chunk: fitted once on a labelled reference period
/// (the model's holdout: rows it was not trained on), then asked about each new batch of rows
/// — did the data move, and how well is the model doing — long before their labels arrive.
///
/// Fitting keeps a seeded sample of the reference (its features, the model's outputs and the
/// labels), calibrates the model on it, and measures the reference band of each alerting figure
/// across the reference's chunks (``ReferenceBand``). Each chunk is then compared with the
/// sample by the ``ShiftDetector`` (column tests, domain classifier, the model's outputs) and
/// given the label-free estimates of ``PreparedHoldout``, with the one its verdict recommends.
/// Save the fitted monitor with ``save(to:)`` and analyse later batches without the reference.
public struct Monitor: Sendable {
  /// The knobs of a monitor.
  public struct Configuration: Sendable, Equatable, Codable {
    /// The detector's false-positive bound per chunk.
    public var level: Double
    /// Alert when a chunk's estimated accuracy is below this (nil: no threshold).
    public var alertBelow: Double?
    /// Bootstrap replicates of each chunk's intervals (0: none).
    public var replicates: Int
    /// The intervals' level.
    public var intervalLevel: Double
    /// Reference rows kept (a seeded sample; all when the reference is smaller).
    public var sampleSize: Int
    /// A chunk's rows the domain classifier reads at most (a seeded sample of a larger chunk:
    /// its power against the reference sample grows little past the sample's size, its cost
    /// with every row; the column tests and the estimates read every row).
    public var domainRows: Int

    /// The defaults: level 0.05, no threshold, 100 replicates, 95 % intervals, 5 000 reference
    /// rows, 5 000 rows of a chunk for the domain classifier.
    public init(
      level: Double = 0.05, alertBelow: Double? = nil, replicates: Int = 100, intervalLevel: Double = 0.95,
      sampleSize: Int = 5000, domainRows: Int = 5000
    ) {
      self.level = level
      self.alertBelow = alertBelow
      self.replicates = replicates
      self.intervalLevel = intervalLevel
      self.sampleSize = sampleSize
      self.domainRows = domainRows
    }
  }

  /// One chunk of the reference: what its band is made of, and the labels' figure beside it.
  public struct ReferenceChunk: Sendable, Equatable, Codable {
    /// 1-based rows of the reference.
    public var start: Int
    /// See ``start``.
    public var end: Int
    /// The confidence-based accuracy estimate (what no shift recommends).
    public var estimatedAccuracy: Double
    /// The accuracy its labels show.
    public var realisedAccuracy: Double
    /// The estimated prior's distance from the reference's.
    public var priorDistance: Double
  }

  /// The format version of saved monitors.
  public static let formatVersion = 1
  /// The reference is cut into at least this many chunks for its bands.
  public static let minimumReferenceChunks = 5
  /// A reference chunk has at least this many rows.
  public static let minimumReferenceChunkRows = 20
  /// A chunk needs this many rows for the detector (fewer: only the estimates).
  public static let minimumTestedRows = 20
  /// The most bootstrap replicates a monitor runs per chunk.
  public static let maximumReplicates = 10_000
  /// The most reference rows a monitor keeps (and a chunk's domain classifier reads).
  public static let maximumSampleSize = 1_000_000

  /// The knobs.
  public private(set) var configuration: Configuration
  /// The seed of every random choice: the reference sample, the calibration's bootstrap, and
  /// (mixed with a chunk's index) each chunk's analysis.
  public let seed: UInt64
  /// The reference sample: its features, how the columns were encoded, and the model's outputs.
  public let reference: SourceReference
  /// The class index of each sampled row's label.
  public let referenceLabels: [Int]
  /// The reference chunks behind the bands.
  public let referenceChunks: [ReferenceChunk]
  /// The model file whose outputs the monitor was fitted on, when they came from one (nil: from
  /// the files' probability columns): later batches need the same model's outputs.
  public let modelFile: String?
  /// The band of the accuracy estimate.
  public let accuracyBand: ReferenceBand
  /// The band of the estimated prior's distance from the reference prior.
  public let priorDistanceBand: ReferenceBand

  /// The sample as a batch.
  let sample: MonitorBatch
  /// The sample prepared for the label-free estimates.
  let holdout: PreparedHoldout
  /// The detector of each chunk.
  private(set) var detector: ShiftDetector

  /// The classes, in class order.
  public var classNames: [String] { reference.modelOutputs?.classNames ?? [] }
  /// The class shares of the reference sample (what each chunk's estimated prior is compared with).
  public var referencePrior: [Double] { holdout.prior }

  /// Fits a monitor to a labelled `reference` batch whose features are `featureNames`
  /// (encoded by `tableEncoding` when the rows came from a table), the model's outputs over
  /// `classNames` (read from `outputColumns` of the files, or computed by the model in
  /// `modelFile`, when they were). The bands are
  /// measured on chunks of `chunkSize` consecutive reference rows, or on smaller ones when that
  /// leaves fewer than ``minimumReferenceChunks``.
  public init(
    reference batch: MonitorBatch, featureNames: [String], classNames: [String],
    tableEncoding: TableEncoding? = nil,
    outputColumns: (probabilityColumns: [String], predictionColumn: String?)? = nil, modelFile: String? = nil,
    source: String = "reference", chunkSize: Int, configuration: Configuration = Configuration(), seed: UInt64 = 1
  ) throws {
    guard let labels = batch.labels, labels.allSatisfy({ $0 >= 0 }) else {
      throw WorkflowError.invalidInput("the reference needs every row's label")
    }
    guard classNames.count >= 2 else { throw WorkflowError.invalidInput("a monitor needs at least 2 classes") }
    try batch.validate(classCount: classNames.count, featureCount: featureNames.count, what: "the reference")
    guard tableEncoding.map({ $0.featureNames == featureNames }) ?? true else {
      throw WorkflowError.invalidInput("the table encoding's features are not the feature names")
    }
    try Self.check(configuration)
    let n = batch.rowCount
    // Bands are rescaled to any chunk's size: a reference chunk needs only enough rows to be stable.
    let chunkRows = min(max(chunkSize, Self.minimumReferenceChunkRows), n / Self.minimumReferenceChunks)
    guard chunkSize >= 1, chunkRows >= Self.minimumReferenceChunkRows else {
      throw WorkflowError.invalidInput(
        "the reference has \(n) rows: its band needs \(Self.minimumReferenceChunks) chunks of at least \(Self.minimumReferenceChunkRows) rows (\(Self.minimumReferenceChunks * Self.minimumReferenceChunkRows) rows)"
      )
    }
    var generator = SplitMix64(seed: seed)
    let rows = SourceReference.sampledRows(n, sampleSize: configuration.sampleSize, using: &generator)
    let reference = SourceReference(
      source: source, featureNames: featureNames, features: batch.features, rows: rows, tableEncoding: tableEncoding,
      outputs: (
        classNames, outputColumns?.probabilityColumns ?? classNames, outputColumns?.predictionColumn,
        batch.probabilities, batch.predictedClasses
      ))
    let sampleLabels = rows.map { labels[$0] }
    let prepared = try Self.prepare(reference, labels: sampleLabels, configuration: configuration, seed: seed)

    // The bands: the point estimates of each whole reference chunk.
    let chunks = stride(from: 0, through: n - chunkRows, by: chunkRows).map { $0..<$0 + chunkRows }
    var chunkSummaries: [ReferenceChunk] = []
    for range in chunks {
      let chunk = batch.rows(at: Array(range))
      let result = try prepared.holdout.estimate(
        targetLogits: LabelShiftProblem.logits(ofProbabilities: chunk.probabilities),
        holdoutWeights: [Double](repeating: 1, count: prepared.holdout.rowCount),
        targetPredicted: chunk.predictedClasses, bootstrap: false, using: &generator)
      guard let confidence = result.estimates.first(where: { $0.estimator == .confidenceBased }) else {
        throw WorkflowError.invalidInput("no confidence-based estimate of a reference chunk")
      }
      let realised = ConfusionMatrix(
        actual: chunk.labels ?? [], predicted: chunk.predictedClasses, classCount: classNames.count)
      // The chunk's prior is compared with the rest of the reference's (see ReferenceBand).
      var rest = classCounts(labels, classCount: classNames.count).map(Double.init)
      for label in chunk.labels ?? [] { rest[label] -= 1 }
      let restTotal = rest.reduce(0, +)
      chunkSummaries.append(
        ReferenceChunk(
          start: range.lowerBound + 1, end: range.upperBound, estimatedAccuracy: confidence.accuracy,
          realisedAccuracy: realised.accuracy,
          priorDistance: totalVariation(result.targetPrior, rest.map { $0 / restTotal })))
    }
    try self.init(
      configuration: configuration, seed: seed, reference: reference, referenceLabels: sampleLabels,
      referenceChunks: chunkSummaries, modelFile: modelFile,
      accuracyBand: ReferenceBand(values: chunkSummaries.map(\.estimatedAccuracy), chunkRows: Double(chunkRows)),
      priorDistanceBand: ReferenceBand(
        values: chunkSummaries.map(\.priorDistance), chunkRows: Double(chunkRows),
        compared: (Double(n - chunkRows), Double(prepared.holdout.rowCount))),
      prepared: prepared)
  }

  /// The parts of a monitor (fitted, or loaded) with what they derive.
  private init(
    configuration: Configuration, seed: UInt64, reference: SourceReference, referenceLabels: [Int],
    referenceChunks: [ReferenceChunk], modelFile: String?, accuracyBand: ReferenceBand,
    priorDistanceBand: ReferenceBand, prepared: (sample: MonitorBatch, holdout: PreparedHoldout)
  ) throws {
    self.configuration = configuration
    self.seed = seed
    self.reference = reference
    self.referenceLabels = referenceLabels
    self.referenceChunks = referenceChunks
    self.modelFile = modelFile
    self.accuracyBand = accuracyBand
    self.priorDistanceBand = priorDistanceBand
    sample = prepared.sample
    holdout = prepared.holdout
    detector = ShiftDetector(level: configuration.level)
  }

  /// The sample as a batch, and prepared for the estimates (its calibration and bootstrap).
  private static func prepare(
    _ reference: SourceReference, labels: [Int], configuration: Configuration, seed: UInt64
  ) throws -> (sample: MonitorBatch, holdout: PreparedHoldout) {
    guard let outputs = reference.modelOutputs else {
      throw WorkflowError.invalidInput("a monitor's reference needs the model's outputs")
    }
    let features = reference.sampleMatrix
    let cells =
      try reference.tableEncoding?.cells(ofEncoded: features)
      ?? ColumnCells(numeric: features, names: reference.featureNames)
    let probabilities = Matrix(
      rows: outputs.probabilities.count, columns: outputs.classNames.count,
      storage: outputs.probabilities.flatMap { $0 })
    let sample = MonitorBatch(
      features: features, cells: cells, probabilities: probabilities, predictedClasses: outputs.predictedClasses,
      labels: labels)
    var generator = SplitMix64(seed: seed ^ 0x5EED_CA11)
    let estimator = TargetPerformanceEstimator(
      labelShiftMethod: .emBCTS, replicates: configuration.replicates, level: configuration.intervalLevel)
    let holdout = try estimator.prepare(
      holdoutLogits: LabelShiftProblem.logits(ofProbabilities: probabilities), holdoutLabels: labels,
      sourcePrior: classShares(labels, classCount: outputs.classNames.count),
      holdoutPredicted: outputs.predictedClasses, using: &generator)
    return (sample, holdout)
  }

  /// The same monitor with another verdict level and alert threshold (what can change without
  /// fitting again: the sample, its bootstrap and the bands stay).
  public func with(level: Double, alertBelow: Double?) throws -> Monitor {
    var copy = self
    copy.configuration.level = level
    copy.configuration.alertBelow = alertBelow
    try Self.check(copy.configuration)
    copy.detector = ShiftDetector(level: level)
    return copy
  }

  /// Throws unless the configuration's values are usable.
  private static func check(_ configuration: Configuration) throws {
    guard configuration.level > 0, configuration.level < 1, configuration.intervalLevel > 0,
      configuration.intervalLevel < 1
    else { throw WorkflowError.invalidInput("the monitor's levels must be in (0, 1)") }
    guard configuration.replicates == 0 || (2...maximumReplicates).contains(configuration.replicates),
      (1...maximumSampleSize).contains(configuration.sampleSize),
      (minimumTestedRows...maximumSampleSize).contains(configuration.domainRows)
    else {
      throw WorkflowError.invalidInput(
        "a monitor needs 0 or 2…\(maximumReplicates) replicates, a sample of 1…\(maximumSampleSize) rows and \(minimumTestedRows)…\(maximumSampleSize) domain rows"
      )
    }
    if let threshold = configuration.alertBelow, !(0...1).contains(threshold) {
      throw WorkflowError.invalidInput("the alert threshold must be in [0, 1], got \(threshold)")
    }
  }
}

// MARK: - Analysis

extension Monitor {
  /// Analyses one batch of rows (a day's traffic, say): `index`, `start` and `end` name it in
  /// the result, and `index` (mixed with the monitor's seed) seeds its random choices, so the
  /// same batch at the same index always gives the same result.
  public func analyze(_ batch: MonitorBatch, index: Int = 0, start: String = "", end: String = "") throws
    -> MonitorChunkResult
  {
    try batch.validate(
      classCount: classNames.count, featureCount: reference.featureNames.count, what: "chunk \(index)")
    var result = MonitorChunkResult(index: index, start: start, end: end, rows: batch.rowCount)
    guard batch.rowCount > 0 else { return result }
    var generator = chunkGenerator(index)
    // The domain classifier's rows of the chunk: all, or a seeded sample of domainRows.
    let domainFeatures =
      batch.rowCount > configuration.domainRows
      ? batch.features.rows(
        at: randomPermutation(batch.rowCount, using: &generator).prefix(configuration.domainRows).sorted())
      : batch.features
    try analyze(
      into: &result, domainTarget: domainFeatures,
      targetLogits: LabelShiftProblem.logits(ofProbabilities: batch.probabilities),
      targetPredicted: batch.predictedClasses, estimatedRows: batch.rowCount, using: &generator
    ) { domainFit, classWeights, generator in
      try detector.detect(
        source: sample.features, target: domainFeatures, featureNames: reference.featureNames,
        columns: (sample.cells, batch.cells),
        predictions: PredictionSample(
          classNames: classNames, holdoutProbabilities: sample.probabilities,
          targetProbabilities: batch.probabilities, holdoutClasses: sample.predictedClasses,
          targetClasses: batch.predictedClasses),
        classWeights: (sample.labels ?? [], classWeights), domainFit: domainFit, using: &generator)
    }
    if let labels = batch.labels, labels.allSatisfy({ $0 >= 0 }) {
      result.realised = MonitorChunkResult.Realised(
        RealisedPerformance(
          labels: labels, predicted: batch.predictedClasses, probabilities: batch.probabilities,
          classCount: classNames.count),
        prior: classShares(labels, classCount: classNames.count))
    }
    return result
  }

  /// The random numbers of chunk `index`: the monitor's seed mixed with it (index + 1: chunk 0
  /// must not replay the stream that drew the reference sample).
  func chunkGenerator(_ index: Int) -> SplitMix64 {
    SplitMix64(seed: seed ^ (UInt64(truncatingIfNeeded: index) &+ 1) &* 0x9E37_79B9_7F4A_7C15)
  }

  /// What every chunk's analysis does once its rows are at hand, in this order of random draws:
  /// the domain classifier on `domainTarget` (when the chunk has enough rows), its importance
  /// weights, the label-free estimates on `targetLogits` (`estimatedRows` rows, which the bands
  /// are scaled to), `detect` with the fit and the estimated class weights, the recommendation,
  /// the prior distance and the alerts.
  func analyze(
    into result: inout MonitorChunkResult, domainTarget: Matrix, targetLogits: Matrix, targetPredicted: [Int]?,
    estimatedRows: Int, using generator: inout SplitMix64,
    detect: (DomainClassifierFit, [Double], inout SplitMix64) throws -> ShiftDetectionResult
  ) throws {
    let tested = result.rows >= Self.minimumTestedRows && domainTarget.rows >= Self.minimumTestedRows
    let domainFit =
      try tested
      ? detector.domainClassifier.fit(source: sample.features, target: domainTarget, using: &generator) : nil
    let weights =
      domainFit.map { CovariateShiftEstimate(domainFit: $0, clipping: .quantile(0.99)).weights }
      ?? [Double](repeating: 1, count: holdout.rowCount)
    let performance = try holdout.estimate(
      targetLogits: targetLogits, holdoutWeights: weights, targetPredicted: targetPredicted, using: &generator)
    result.estimates = performance.estimates
    result.estimatedPrior = performance.targetPrior
    result.estimatedPriorIntervals = performance.targetPriorIntervals
    if let domainFit {
      let classWeights = LabelShiftWeights(targetPrior: performance.targetPrior, sourcePrior: holdout.prior).weights
      result.detection = try detect(domainFit, classWeights, &generator)
    }
    result.recommended = result.detection?.verdict == .labelShift ? .priorCorrectedConfidence : .confidenceBased
    let distance = totalVariation(performance.targetPrior, holdout.prior)
    result.priorDistance = distance
    let band = accuracyBand.bounds(rows: estimatedRows)
    result.accuracyBand = ConfidenceInterval(lower: max(band.lower ?? 0, 0), upper: min(band.upper, 1))
    result.priorDistanceBound = priorDistanceBand.bounds(rows: estimatedRows).upper
    result.alerts = alerts(result)
  }

  /// Analyses each chunk of `stream` (rows in the stream's order), on every core: chunks are
  /// analysed independently, each seeded by its index, so the results do not depend on how
  /// many run at once. Each chunk's BLAS calls use OpenBLAS's thread count: set
  /// `BLASKernel.threadCount = 1` first for the best throughput (the chunks already use every
  /// core), as `shiftcli monitor` does.
  public func analyze(_ stream: MonitorBatch, chunks: [Chunk]) throws -> [MonitorChunkResult] {
    guard chunks.allSatisfy({ $0.rows.allSatisfy { (0..<stream.rowCount).contains($0) } }) else {
      throw WorkflowError.invalidInput("a chunk's rows are not rows of the stream")
    }
    let results = ChunkResults(count: chunks.count)
    let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, chunks.count))
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
      for position in stride(from: worker, to: chunks.count, by: workers) {
        let chunk = chunks[position]
        results.set(
          position,
          Result {
            try analyze(stream.rows(at: chunk.rows), index: chunk.index, start: chunk.start, end: chunk.end)
          })
      }
    }
    return try results.values()
  }

  /// The alerts of an analysed chunk.
  private func alerts(_ result: MonitorChunkResult) -> [MonitorAlert] {
    guard let estimate = result.recommendedEstimate else { return [] }
    var alerts: [MonitorAlert] = []
    let accuracy = estimate.accuracy
    func figure(_ value: Double) -> String { String(format: "%.4f", value) }
    if let band = result.accuracyBand {
      if accuracy < band.lower {
        alerts.append(
          .init(
            kind: .accuracyBelowBand,
            message:
              "estimated accuracy \(figure(accuracy)) is below the reference band [\(figure(band.lower)), \(figure(band.upper))]"
          ))
      } else if accuracy > band.upper {
        alerts.append(
          .init(
            kind: .accuracyAboveBand,
            message:
              "estimated accuracy \(figure(accuracy)) is above the reference band [\(figure(band.lower)), \(figure(band.upper))]"
          ))
      }
    }
    if let threshold = configuration.alertBelow, accuracy < threshold {
      alerts.append(
        .init(
          kind: .accuracyBelowThreshold,
          message: "estimated accuracy \(figure(accuracy)) is below the threshold \(figure(threshold))"))
    }
    if let distance = result.priorDistance, let bound = result.priorDistanceBound, distance > bound {
      alerts.append(
        .init(
          kind: .priorShift,
          message:
            "the estimated class prior is \(figure(distance)) (total variation) from the reference's, beyond the band's \(figure(bound))"
        ))
    }
    return alerts
  }
}

/// The total variation distance ½·Σ|p − q| of two distributions over the same classes.
func totalVariation(_ p: [Double], _ q: [Double]) -> Double {
  zip(p, q).reduce(0) { $0 + abs($1.0 - $1.1) } / 2
}

/// Results written by concurrent workers, one slot each.
private final class ChunkResults: @unchecked Sendable {
  private let lock = NSLock()
  private var slots: [Result<MonitorChunkResult, any Error>?]

  init(count: Int) { slots = Array(repeating: nil, count: count) }

  func set(_ index: Int, _ result: Result<MonitorChunkResult, any Error>) {
    lock.lock()
    slots[index] = result
    lock.unlock()
  }

  /// The results in order; the first failure (in chunk order) is thrown.
  func values() throws -> [MonitorChunkResult] {
    try slots.map { slot in
      guard let slot else { throw WorkflowError.invalidInput("a chunk was not analysed") }
      return try slot.get()
    }
  }
}

// MARK: - Saving

extension Monitor {
  /// What a saved monitor holds: the fitted parts, not what they derive.
  private struct Saved: Codable {
    var format = "shiftkit-monitor"
    var version: Int
    var configuration: Configuration
    var seed: UInt64
    var reference: SourceReference
    var referenceLabels: [Int]
    var referenceChunks: [ReferenceChunk]
    var modelFile: String?
    var accuracyBand: ReferenceBand
    var priorDistanceBand: ReferenceBand
  }

  /// Writes the monitor as JSON (atomically), to be loaded by ``load(from:)``.
  public func save(to path: String) throws {
    try AtomicFile.write(try encoded(), to: path)
  }

  /// The JSON ``save(to:)`` writes (for writing it together with other files).
  public func encoded() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let saved = Saved(
      version: Self.formatVersion, configuration: configuration, seed: seed, reference: reference,
      referenceLabels: referenceLabels, referenceChunks: referenceChunks, modelFile: modelFile,
      accuracyBand: accuracyBand, priorDistanceBand: priorDistanceBand)
    return try encoder.encode(saved)
  }

  /// Reads a monitor written by ``save(to:)``.
  public static func load(from path: String) throws -> Monitor {
    try decode(Data(try InputFile.read(path)), file: path)
  }

  /// Decodes and validates a saved monitor as if read from `file`: its format and version, its
  /// reference (see ``SourceReference/decode(_:file:)``) with the model's outputs, one label
  /// per sampled row, and usable bands and configuration.
  public static func decode(_ data: Data, file: String) throws -> Monitor {
    func damaged(_ reason: String) -> WorkflowError {
      .invalidInput("\(file): not a usable monitor: \(reason)")
    }
    let saved: Saved
    do {
      saved = try JSONDecoder().decode(Saved.self, from: data)
    } catch {
      throw damaged("not a monitor written by `shiftcli monitor --save-monitor`")
    }
    guard saved.format == "shiftkit-monitor" else { throw damaged("its format is '\(saved.format)'") }
    guard saved.version == formatVersion else {
      throw damaged("format version \(saved.version), this build reads \(formatVersion)")
    }
    let referenceData = try JSONEncoder().encode(saved.reference)
    let reference = try SourceReference.decode(referenceData, file: file)
    guard let outputs = reference.modelOutputs else { throw damaged("its reference has no model outputs") }
    guard saved.referenceLabels.count == reference.sample.count,
      saved.referenceLabels.allSatisfy({ (0..<outputs.classNames.count).contains($0) })
    else { throw damaged("the reference labels do not fit its sample and classes") }
    for band in [saved.accuracyBand, saved.priorDistanceBand] {
      guard band.mean.isFinite, band.standardDeviation.isFinite, band.standardDeviation >= 0,
        (2...reference.sourceRows).contains(band.chunkCount), band.chunkRows.isFinite, band.chunkRows >= 1,
        band.chunkRows <= Double(reference.sourceRows)
      else { throw damaged("a reference band is not finite or does not fit the reference's rows") }
    }
    guard saved.accuracyBand.comparedRows == nil, let compared = saved.priorDistanceBand.comparedRows,
      compared.reference.isFinite, compared.analysis.isFinite, compared.reference >= 1, compared.analysis >= 1
    else { throw damaged("the prior band's compared rows are missing or not finite") }
    do {
      try check(saved.configuration)
      return try Monitor(
        configuration: saved.configuration, seed: saved.seed, reference: reference,
        referenceLabels: saved.referenceLabels, referenceChunks: saved.referenceChunks, modelFile: saved.modelFile,
        accuracyBand: saved.accuracyBand, priorDistanceBand: saved.priorDistanceBand,
        prepared: prepare(
          reference, labels: saved.referenceLabels, configuration: saved.configuration, seed: saved.seed))
    } catch let error as WorkflowError {
      throw damaged("\(error)")
    } catch {
      throw damaged("its reference cannot be calibrated: \(error)")
    }
  }
}
