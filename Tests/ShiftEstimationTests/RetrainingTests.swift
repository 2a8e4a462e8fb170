import Datasets
import Foundation
import LinearAlgebra
import NeuralNetwork
import ShiftTestFixtures
import Testing

@testable import ShiftEstimation

@Suite struct RetrainingTests {
  /// All-ones label-shift weights mapped to samples must reproduce unweighted training exactly.
  @Test func unitWeightsReproduceUnweightedTraining() throws {
    var generator = SplitMix64(seed: 4)
    let data = Fixtures.letters.subset(0..<600)
    var standardized = data
    Standardizer(fittedTo: data.features).standardize(&standardized.features)
    let estimate = LabelShiftWeights(targetPrior: data.classPriors, sourcePrior: data.classPriors)
    #expect(estimate.weights.allSatisfy { $0 == 1 })
    let initial = try MLP(sizes: [16, 32, 26], activation: .relu, dropout: 0, initialization: .he, using: &generator)
    var plain = initial
    var weighted = initial
    var first = SplitMix64(seed: 9)
    var second = SplitMix64(seed: 9)
    let configuration = TrainingConfiguration(epochs: 2, batchSize: 64, optimizer: .adam(learningRate: 1e-3))
    try plain.train(on: standardized, configuration: configuration, using: &first)
    try weighted.train(
      on: standardized, weights: estimate.sampleWeights(for: data.labels).map(Float.init), configuration: configuration,
      using: &second)
    #expect(plain == weighted)
  }
}
