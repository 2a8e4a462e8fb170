import Datasets
import Foundation
import LinearAlgebra
import NeuralNetwork
import ShiftEstimation
import Testing

@testable import ShiftDetection

/// The verdict on letter-recognition pairs with a known answer.
@Suite struct ShiftDetectorTests {
  static let letters: Dataset = try! Dataset(
    csvFile: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../../Datasets/letter-recognition.csv").standardized.path,
    labelColumn: "lettr")

  @Test func randomHalvesShowNoShift() throws {
    var generator = SplitMix64(seed: 3)
    let (a, b) = try Self.letters.split(fraction: 0.5, stratified: false, using: &generator)
    let detection = try ShiftDetector().detect(
      source: a.features.rows(at: 0..<3000), target: b.features.rows(at: 0..<1000), featureNames: a.featureNames,
      using: &generator)
    #expect(detection.verdict == .noShift)
    #expect(detection.sentence == "no shift detected at α = 0.05")
    #expect(detection.features.count == 16 && detection.mostTargetLikeSourceRows.count == 10)
  }

  /// Selection on the first principal component moves many features at once (without a model's
  /// predictions the verdict cannot say whether it is label or covariate shift).
  @Test func selectionBiasMovesTheFeatures() throws {
    var generator = SplitMix64(seed: 4)
    let simulation = try SelectionBiasSimulation(
      features: Self.letters.features, strength: 2, targetLimit: 300, using: &generator)
    let source = Self.letters.features.rows(at: simulation.sourceRows.prefix(3000))
    let target = Self.letters.features.rows(at: simulation.targetRows)
    let detection = try ShiftDetector().detect(
      source: source, target: target, featureNames: Self.letters.featureNames, using: &generator)
    #expect(detection.verdict == .featureShift)
    #expect(detection.domain.auc > 0.6 && detection.domain.pValue < 1e-6)
    // The drift table is sorted, most drifted first.
    #expect(zip(detection.features, detection.features.dropFirst()).allSatisfy { $0.statistic >= $1.statistic })
    // The most target-like source rows score high on the selection's principal component.
    let scores = SelectionBiasSimulation.principalComponentScores(Self.letters.features)
    let listed = detection.mostTargetLikeSourceRows.map { scores[simulation.sourceRows[$0]] }
    #expect(listed.reduce(0, +) / Double(listed.count) > 1)
  }

  /// A tweak-one target: the predicted-class histogram moves (χ² on predictions).
  @Test func labelShiftMovesThePredictedClasses() throws {
    var generator = SplitMix64(seed: 5)
    let (pool, source) = try Self.letters.split(fraction: 0.5, using: &generator)
    let (train, holdout) = try source.split(fraction: 0.3, using: &generator)
    let classifier = try ClassifierTraining(epochs: 20).train(on: train, using: &generator)
    let prior = try LabelShiftSimulation.tweakOnePrior(classCount: 26, tweaked: 0, share: 0.3)
    let rows = try LabelShiftSimulation.sample(labels: pool.labels, prior: prior, count: 300, using: &generator)
    let target = pool.subset(rows)
    let detection = try ShiftDetector().detect(
      source: source.features, target: target.features, featureNames: source.featureNames,
      predictions: PredictionSample(
        classNames: source.classes.names, holdoutClasses: try classifier.predictedClasses(for: holdout.features),
        targetClasses: try classifier.predictedClasses(for: target.features)),
      using: &generator)
    #expect(try #require(detection.predictions).pValue < 1e-6)
    #expect(detection.verdict == .labelShift || detection.verdict == .shift)
  }
}

/// References of every version read: rows of JSON numbers (versions 1 and 2) and the packed
/// sample written since version 3, which reads back bit for bit.
@Suite struct SourceReferenceFormatTests {
  @Test func olderVersionsReadAndTheSavedFormIsPacked() throws {
    let old = #"{"featureNames":["a","b"],"sample":[[1,2],[3.5,-4]],"source":"s.csv","sourceRows":10,"version":1}"#
    let reference = try SourceReference.decode(Data(old.utf8), file: "old.json")
    // Read into this build's form: saved and read again, it is the same reference.
    #expect(reference.sample == [[1, 2], [3.5, -4]] && reference.version == 3)
    let saved = try JSONEncoder().encode(reference)
    let text = String(decoding: saved, as: UTF8.self)
    #expect(text.contains("\"version\":3") && !text.contains("[[1"))
    let again = try SourceReference.decode(saved, file: "new.json")
    #expect(again == reference)
    // A packed sample that is not whole rows, or a version from the future, is refused.
    let ragged = text.replacingOccurrences(of: PackedNumbersSample.twoRows, with: PackedNumbersSample.oneValue)
    #expect(throws: ShiftDetectionError.self) { try SourceReference.decode(Data(ragged.utf8), file: "ragged.json") }
    let future = text.replacingOccurrences(of: "\"version\":3", with: "\"version\":4")
    #expect(throws: ShiftDetectionError.self) { try SourceReference.decode(Data(future.utf8), file: "future.json") }
    do {
      _ = try SourceReference.decode(Data(future.utf8), file: "future.json")
    } catch {
      #expect("\(error)".contains("format version 4"), "\(error)")
    }
  }
}

/// The packed forms of the test's sample.
private enum PackedNumbersSample {
  /// [1, 2, 3.5, −4] as little-endian float bytes, base64.
  static let twoRows = Data([0, 0, 0x80, 0x3F, 0, 0, 0, 0x40, 0, 0, 0x60, 0x40, 0, 0, 0x80, 0xC0]).base64EncodedString()
  /// [1] alone.
  static let oneValue = Data([0, 0, 0x80, 0x3F]).base64EncodedString()
}
