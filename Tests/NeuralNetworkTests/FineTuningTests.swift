import Datasets
import Foundation
import LinearAlgebra
import Testing

@testable import NeuralNetwork

/// `Classifier.fineTune`: continuing training from a model's weights on newly labelled data.
@Suite struct FineTuningTests {
  static let letters: Dataset = {
    let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../../Datasets/letter-recognition.csv").standardized.path
    return try! Dataset(csvFile: file, labelColumn: "lettr")
  }()

  /// Concept shift: letters A and B swap labels. Fine-tuning starts from the trained weights
  /// (so it begins far better than chance on the unchanged classes) and learns the swap.
  @Test func fineTuningAdaptsToAChangedConcept() throws {
    var generator = SplitMix64(seed: 6)
    let (old, new) = try Self.letters.split(fraction: 0.3, using: &generator)
    var classifier = try ClassifierTraining(epochs: 15).train(on: old.subset(0..<6000), using: &generator)
    let a = old.classes.index(of: "A")!
    let b = old.classes.index(of: "B")!
    var swapped = new
    swapped.labels = new.labels.map { $0 == a ? b : ($0 == b ? a : $0) }
    let (tune, test) = try swapped.split(fraction: 0.5, using: &generator)
    func accuracyOnSwapped(_ model: Classifier) throws -> Double {
      let rows = test.labels.indices.filter { test.labels[$0] == a || test.labels[$0] == b }
      let predicted = try model.predictedClasses(for: test.features.rows(at: rows))
      return Double(zip(predicted, rows.map { test.labels[$0] }).filter { $0 == $1 }.count) / Double(rows.count)
    }
    let before = try accuracyOnSwapped(classifier)
    let history = try classifier.fineTune(
      on: tune, configuration: TrainingConfiguration(epochs: 5, batchSize: 64, optimizer: .adam(learningRate: 1e-3)),
      using: &generator)
    let after = try accuracyOnSwapped(classifier)
    #expect(before < 0.2)  // the old concept calls A "A"
    #expect(after > 0.6)
    // It started from the trained network: the first epoch's training accuracy is far above chance (1/26).
    #expect((history.epochs.first?.trainAccuracy ?? 0) > 0.5)
  }

  @Test func fineTuningRejectsUnknownClasses() throws {
    var generator = SplitMix64(seed: 1)
    var classifier = try ClassifierTraining(hiddenSizes: [8], epochs: 1).train(
      on: Self.letters.subset(0..<500), using: &generator)
    let data = Dataset(
      features: Matrix(rows: 2, columns: 16), labels: [0, 1], classes: ClassIndex(orderedNames: ["A", "Ω"]))
    #expect(throws: NeuralNetworkError.unknownClass(name: "Ω", known: classifier.classes.names)) {
      try classifier.fineTune(on: data, configuration: TrainingConfiguration(epochs: 1), using: &generator)
    }
  }
}
