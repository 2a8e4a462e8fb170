import Datasets
import LinearAlgebra
import RealModule
import Testing

@testable import NeuralNetwork

@Suite struct TrainingTests {
  /// Seed `003` §3.5: y = 0.05 + Σ 0.01·xᵢ + ε, d = 200, n = 20, batch 5, lr 0.003, 100 epochs,
  /// weights drawn from N(0, 1). The seed's run gives ‖w‖ = 12.57 without decay and 0.36 with λ = 3.
  func weightNormAfterTraining(lambda: Float) throws -> Float {
    var generator = SplitMix64(seed: 2024)
    let (n, d) = (20, 200)
    let x = Matrix(rows: n, columns: d, storage: (0..<(n * d)).map { _ in Float(generator.standardNormal()) })
    let y = Matrix(
      rows: n, columns: 1,
      storage: (0..<n).map { i in
        Float(0.05 + x.row(i).reduce(0) { $0 + 0.01 * Double($1) } + 0.01 * generator.standardNormal())
      })
    var network = try MLP(sizes: [d, 1], initialization: .normal(standardDeviation: 1), using: &generator)
    try network.train(
      features: x, targets: .values(y),
      configuration: TrainingConfiguration(
        epochs: 100, batchSize: 5, optimizer: .sgd(learningRate: 0.003), weightDecay: lambda, loss: .meanSquaredError),
      using: &generator)
    return network.layers[0].weights.storage.reduce(0) { $0 + $1 * $1 }.squareRoot()
  }

  @Test func weightDecayShrinksWeightsMoreThanTenfold() throws {
    let free = try weightNormAfterTraining(lambda: 0)
    let decayed = try weightNormAfterTraining(lambda: 3)
    #expect(free > 10 * decayed, "‖w‖ \(free) without decay, \(decayed) with λ = 3")
  }

  @Test func dropoutIsIdentityAtInference() throws {
    var generator = SplitMix64(seed: 1)
    let withDropout = try MLP(sizes: [3, 8, 2], dropout: 0.5, using: &generator)
    var without = withDropout
    without.dropout = Dropout(rate: 0)
    let x = Matrix([[0.1, -2, 3], [1, 1, 1]])
    #expect(try withDropout.logits(for: x) == without.logits(for: x))
  }

  @Test(arguments: [Float(0.2), 0.5])
  func dropoutKeepsTheExpectation(rate: Float) {
    var generator = SplitMix64(seed: 8)
    let ones = Matrix(rows: 1000, columns: 100, repeating: 1)
    let output = Dropout(rate: rate).applied(to: ones, using: &generator)
    let n = Double(output.storage.count)
    let mean = output.storage.reduce(0) { $0 + Double($1) } / n
    let dropped = Double(output.storage.filter { $0 == 0 }.count) / n
    // Standard error of the mean of 10⁵ draws of (Bernoulli(1−p)/(1−p)) is √(p/((1−p)n)) ≤ 0.0032.
    #expect(mean.isApproximatelyEqual(to: 1, absoluteTolerance: 0.016))
    #expect(dropped.isApproximatelyEqual(to: Double(rate), absoluteTolerance: 0.01))
    #expect(output.storage.allSatisfy { $0 == 0 || abs($0 - 1 / (1 - rate)) < 1e-6 })
  }

  @Test(arguments: [Initialization.xavierUniform, .xavierNormal, .he, .normal(standardDeviation: 0.01)])
  func initializationHasTheDocumentedVariance(initialization: Initialization) {
    var generator = SplitMix64(seed: 3)
    let (inputs, outputs) = (300, 200)
    let w = initialization.weights(inputs: inputs, outputs: outputs, using: &generator).storage
    let variance = w.reduce(0) { $0 + Double($1) * Double($1) } / Double(w.count)
    let expected: Double
    switch initialization {
    case .xavierUniform, .xavierNormal: expected = 2.0 / Double(inputs + outputs)
    case .he: expected = 2.0 / Double(inputs)
    case .normal(let sd): expected = sd * sd
    }
    // 60 000 draws: the sample variance's relative standard error is ≤ √(2/60000) ≈ 0.006.
    #expect((variance / expected).isApproximatelyEqual(to: 1, absoluteTolerance: 0.03))
  }

  /// Three Gaussian blobs in 2-D, well separated.
  func blobs(_ n: Int, seed: UInt64) -> Dataset {
    var generator = SplitMix64(seed: seed)
    let centres: [(Double, Double)] = [(0, 3), (3, -2), (-3, -2)]
    var values: [Float] = []
    var labels: [Int] = []
    for i in 0..<n {
      let c = i % 3
      values += [
        Float(centres[c].0 + generator.standardNormal() * 0.7), Float(centres[c].1 + generator.standardNormal() * 0.7),
      ]
      labels.append(c)
    }
    return Dataset(
      features: Matrix(rows: n, columns: 2, storage: values), labels: labels,
      classes: ClassIndex(orderedNames: ["a", "b", "c"]))
  }

  @Test(arguments: [Optimizer.sgd(learningRate: 0.1, momentum: 0.9), .adam(learningRate: 0.01)])
  func optimizersLearnSeparableBlobs(optimizer: Optimizer) throws {
    var generator = SplitMix64(seed: 5)
    let train = blobs(600, seed: 1)
    let test = blobs(300, seed: 2)
    var network = try MLP(sizes: [2, 16, 3], activation: .relu, using: &generator)
    let history = try network.train(
      on: train, configuration: TrainingConfiguration(epochs: 20, batchSize: 32, optimizer: optimizer),
      using: &generator)
    // The blobs overlap by < 0.5 %: a working optimiser reaches ≥ 97 %, a broken one ≈ 33 %.
    let (_, accuracy) = try network.evaluateLoss(
      features: test.features, targets: .classes(test.labels), loss: .softmaxCrossEntropy)
    #expect(try #require(accuracy) > 0.97)
    #expect(history.epochs.last!.loss < history.epochs.first!.loss)
  }

  @Test func sameSeedSameModel() throws {
    func run() throws -> MLP {
      var generator = SplitMix64(seed: 77)
      var network = try MLP(sizes: [2, 8, 3], dropout: 0.2, using: &generator)
      try network.train(
        on: blobs(90, seed: 3), configuration: TrainingConfiguration(epochs: 3, batchSize: 16), using: &generator)
      return network
    }
    #expect(try run() == run())
  }

  @Test func earlyStoppingRestoresTheBestEpoch() throws {
    var generator = SplitMix64(seed: 6)
    // Labels are noise: validation loss stops improving quickly while the network memorises.
    var noise = blobs(200, seed: 4)
    noise.labels = (0..<200).map { _ in generator.uniformIndex(below: 3) }
    let (train, validation) = try noise.split(fraction: 0.5, using: &generator)
    var network = try MLP(sizes: [2, 64, 3], using: &generator)
    let history = try network.train(
      on: train, validation: validation,
      configuration: TrainingConfiguration(
        epochs: 200, batchSize: 8, optimizer: .adam(learningRate: 0.01), earlyStopping: EarlyStopping(patience: 3)),
      using: &generator)
    #expect(history.stoppedEarly)
    #expect(history.epochs.count == history.bestEpoch + 3)
    let best = history.epochs[history.bestEpoch - 1].validationLoss!
    let (now, _) = try network.evaluateLoss(
      features: validation.features, targets: .classes(validation.labels), loss: .softmaxCrossEntropy)
    #expect(now.isApproximatelyEqual(to: best, absoluteTolerance: 1e-9))
  }

  @Test func crossValidationScoresEveryFold() throws {
    var generator = SplitMix64(seed: 12)
    let result = try blobs(150, seed: 9).crossValidate(
      folds: 5, configuration: TrainingConfiguration(epochs: 15, batchSize: 16, optimizer: .adam(learningRate: 0.02)),
      makeNetwork: { inputs, classes, generator in try MLP(sizes: [inputs, 8, classes], using: &generator) },
      using: &generator)
    #expect(result.foldAccuracies.count == 5)
    #expect(result.meanAccuracy > 0.95)
  }

  @Test func invalidInputsAreRejected() throws {
    var generator = SplitMix64(seed: 1)
    var network = try MLP(sizes: [2, 4, 3], using: &generator)
    let data = blobs(9, seed: 1)
    #expect(throws: NeuralNetworkError.self) {
      try network.train(on: data, weights: [Float](repeating: -1, count: 9), using: &generator)
    }
    #expect(throws: NeuralNetworkError.self) {
      try network.train(on: data, configuration: TrainingConfiguration(epochs: 0), using: &generator)
    }
    #expect(throws: NeuralNetworkError.self) {
      try network.train(
        on: data, configuration: TrainingConfiguration(earlyStopping: EarlyStopping()), using: &generator)
    }
    #expect(throws: NeuralNetworkError.self) { try MLP(sizes: [2], using: &generator) }
    #expect(throws: NeuralNetworkError.self) { try network.logits(for: Matrix(rows: 1, columns: 5)) }
  }

  @Test func divergenceIsReported() throws {
    var generator = SplitMix64(seed: 1)
    var network = try MLP(sizes: [2, 4, 1], using: &generator)
    let x = Matrix([[1e3, -1e3], [2e3, 1e3]])
    let error = #expect(throws: NeuralNetworkError.self) {
      try network.train(
        features: x, targets: .values(Matrix([[1e4], [-1e4]])),
        configuration: TrainingConfiguration(
          epochs: 5, batchSize: 2, optimizer: .sgd(learningRate: 10), loss: .meanSquaredError),
        using: &generator)
    }
    guard case .diverged = error else {
      Issue.record("expected divergence, got \(String(describing: error))")
      return
    }
  }
}
