import Datasets
import Foundation
import LinearAlgebra

/// Hyper-parameters of minibatch training. The defaults are d2l's MLP chapter (§4.3): batch 256,
/// 10 epochs, SGD with learning rate 0.1.
public struct TrainingConfiguration: Sendable, Equatable {
  /// Passes over the training data (an upper bound with early stopping).
  public var epochs: Int
  /// Examples per gradient step; the last batch of an epoch may be smaller.
  public var batchSize: Int
  /// The update rule.
  public var optimizer: Optimizer
  /// L2 strength λ on weights (not biases), see ``Optimizer``.
  public var weightDecay: Float
  /// The loss to minimise; the targets must suit it.
  public var loss: LossFunction
  /// Reshuffle the examples at the start of every epoch.
  public var shuffle: Bool
  /// Stop when the validation loss stops improving (needs validation data).
  public var earlyStopping: EarlyStopping?

  /// A configuration; every argument has d2l's default.
  public init(
    epochs: Int = 10, batchSize: Int = 256, optimizer: Optimizer = .sgd(learningRate: 0.1),
    weightDecay: Float = 0, loss: LossFunction = .softmaxCrossEntropy, shuffle: Bool = true,
    earlyStopping: EarlyStopping? = nil
  ) {
    self.epochs = epochs
    self.batchSize = batchSize
    self.optimizer = optimizer
    self.weightDecay = weightDecay
    self.loss = loss
    self.shuffle = shuffle
    self.earlyStopping = earlyStopping
  }

  func validate() throws {
    guard epochs >= 1 else { throw NeuralNetworkError.invalidConfiguration("epochs must be at least 1, got \(epochs)") }
    guard batchSize >= 1 else {
      throw NeuralNetworkError.invalidConfiguration("batch size must be at least 1, got \(batchSize)")
    }
    guard weightDecay >= 0, weightDecay.isFinite else {
      throw NeuralNetworkError.invalidConfiguration("weight decay must be non-negative, got \(weightDecay)")
    }
    try optimizer.validate()
    if let earlyStopping, earlyStopping.patience < 1 {
      throw NeuralNetworkError.invalidConfiguration("early-stopping patience must be at least 1")
    }
  }
}

/// Early stopping on a validation split: training stops after `patience` epochs without a
/// validation-loss improvement larger than `minimumImprovement`, and the best epoch's
/// parameters are restored.
public struct EarlyStopping: Sendable, Equatable {
  /// Epochs without improvement tolerated.
  public var patience: Int
  /// The decrease of validation loss that counts as an improvement.
  public var minimumImprovement: Double

  /// Early stopping with the given patience.
  public init(patience: Int = 5, minimumImprovement: Double = 0) {
    self.patience = patience
    self.minimumImprovement = minimumImprovement
  }
}

/// What one epoch did.
public struct EpochRecord: Sendable, Codable, Equatable {
  /// 1-based epoch number.
  public var epoch: Int
  /// Mean weighted training loss over the epoch's minibatches, `Σ wᵢℓᵢ / n` (dropout active).
  public var loss: Double
  /// Share of training examples the network got right as it saw them (class targets only).
  public var trainAccuracy: Double?
  /// Loss on the validation data after the epoch (inference mode), when there is any.
  public var validationLoss: Double?
  /// Accuracy on the validation data after the epoch, for class targets.
  public var validationAccuracy: Double?
  /// Wall-clock seconds of the epoch's training (validation excluded).
  public var seconds: Double
}

/// The record of a training run.
public struct TrainingHistory: Sendable, Codable, Equatable {
  /// One record per epoch run.
  public var epochs: [EpochRecord]
  /// The epoch whose parameters the network holds (the last, or the best under early stopping).
  public var bestEpoch: Int
  /// Whether early stopping ended training before the configured number of epochs.
  public var stoppedEarly: Bool

  /// Median seconds per epoch.
  public var medianSecondsPerEpoch: Double {
    let sorted = epochs.map(\.seconds).sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted.count % 2 == 1
      ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
  }
}

extension MLP {
  /// Trains on a labelled data set with softmax cross-entropy (weighted when `weights` are given:
  /// the weighted ERM of SPEC §2).
  @discardableResult
  public mutating func train(
    on data: Dataset, weights: [Float]? = nil, validation: Dataset? = nil,
    configuration: TrainingConfiguration = TrainingConfiguration(),
    using generator: inout some RandomNumberGenerator, progress: ((EpochRecord) -> Void)? = nil
  ) throws -> TrainingHistory {
    try train(
      features: data.features, targets: .classes(data.labels), weights: weights,
      validation: validation.map { ($0.features, .classes($0.labels)) }, configuration: configuration,
      using: &generator, progress: progress)
  }

  /// Minibatch training of `features` against `targets`, minimising `(1/n) Σ wᵢ ℓ(f(xᵢ), yᵢ)`.
  ///
  /// All randomness (shuffling, dropout masks) comes from `generator`, so a seed reproduces the run.
  /// `progress` is called after every epoch. Throws on invalid configuration, mismatched shapes,
  /// negative or non-finite weights, and divergence.
  @discardableResult
  public mutating func train(
    features: Matrix, targets: Targets, weights: [Float]? = nil,
    validation: (features: Matrix, targets: Targets)? = nil,
    configuration: TrainingConfiguration = TrainingConfiguration(),
    using generator: inout some RandomNumberGenerator, progress: ((EpochRecord) -> Void)? = nil
  ) throws -> TrainingHistory {
    try configuration.validate()
    let n = features.rows
    guard n > 0 else { throw NeuralNetworkError.shapeMismatch("no training examples") }
    try validateBatch(features: features, targets: targets, weights: weights, loss: configuration.loss)
    if configuration.earlyStopping != nil, validation == nil {
      throw NeuralNetworkError.invalidConfiguration("early stopping needs validation data")
    }
    if let validation {
      guard validation.features.columns == inputCount, validation.targets.count == validation.features.rows else {
        throw NeuralNetworkError.shapeMismatch("validation data does not match the network")
      }
      try configuration.loss.validate(targets: validation.targets, outputs: outputCount)
    }

    var random = SplitMix64(seed: generator.next())
    let batchSize = min(configuration.batchSize, n)
    let workspace = Workspace(network: self, batchCapacity: batchSize, training: true)
    let optimizer = OptimizerState(
      optimizer: configuration.optimizer, weightDecay: configuration.weightDecay, network: self)
    let batch = MinibatchBuffers(
      capacity: batchSize, features: features.columns, targets: targets, weighted: weights != nil)
    let k = outputCount
    var order = Array(0..<n)
    var history: [EpochRecord] = []
    var best: (loss: Double, epoch: Int, layers: [DenseLayer])? = nil
    var epochsWithoutImprovement = 0

    for epoch in 1...configuration.epochs {
      let start = DispatchTime.now().uptimeNanoseconds
      if configuration.shuffle { order.fisherYatesShuffle(using: &random) }
      var lossSum = 0.0
      var correct = 0
      var offset = 0
      while offset < n {
        let rows = min(batchSize, n - offset)
        let indices = order[offset..<(offset + rows)]
        batch.gather(indices, features: features, targets: targets, weights: weights)
        let logits = withUnsafeMutablePointer(to: &random) { generatorPointer in
          forward(batch.features.pointer, rows: rows, workspace: workspace, dropoutGenerator: generatorPointer)
        }
        lossSum += configuration.loss.compute(
          logits: logits, rows: rows, columns: k, targets: batch.targetPointers, weights: batch.weights?.pointer,
          gradientScale: 1 / Float(rows), gradient: workspace.deltas[layers.count - 1].pointer, perSample: nil)
        if case .classes = targets {
          correct += countCorrect(logits: logits, rows: rows, columns: k, labels: batch.labels!.pointer)
        }
        backward(input: batch.features.pointer, rows: rows, workspace: workspace, withDropout: true)
        optimizer.update(&self, gradients: workspace)
        offset += rows
      }
      let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      let loss = lossSum / Double(n)
      guard loss.isFinite else { throw NeuralNetworkError.diverged(epoch: epoch) }
      var record = EpochRecord(
        epoch: epoch, loss: loss, trainAccuracy: targets.isClasses ? Double(correct) / Double(n) : nil,
        validationLoss: nil, validationAccuracy: nil, seconds: seconds)
      if let validation {
        let (validationLoss, validationAccuracy) = try evaluateLoss(
          features: validation.features, targets: validation.targets, loss: configuration.loss)
        record.validationLoss = validationLoss
        record.validationAccuracy = validationAccuracy
      }
      history.append(record)
      progress?(record)
      if let earlyStopping = configuration.earlyStopping, let validationLoss = record.validationLoss {
        if best == nil || validationLoss < best!.loss - earlyStopping.minimumImprovement {
          best = (validationLoss, epoch, layers)
          epochsWithoutImprovement = 0
        } else {
          epochsWithoutImprovement += 1
          if epochsWithoutImprovement >= earlyStopping.patience { break }
        }
      }
    }
    if let best { layers = best.layers }
    return TrainingHistory(
      epochs: history, bestEpoch: best?.epoch ?? history.count,
      stoppedEarly: history.count < configuration.epochs)
  }

  /// Mean loss (unweighted, inference mode) and, for class targets, accuracy on a data set.
  public func evaluateLoss(features: Matrix, targets: Targets, loss: LossFunction) throws -> (
    loss: Double, accuracy: Double?
  ) {
    let logits = try logits(for: features)
    let evaluation = try loss.evaluate(logits: logits, targets: targets)
    guard case .classes(let labels) = targets, !labels.isEmpty else { return (evaluation.value, nil) }
    let correct = logits.withUnsafeBufferPointer { z in
      labels.withUnsafeBufferPointer { y in
        countCorrect(logits: z.baseAddress!, rows: labels.count, columns: outputCount, labels: y.baseAddress!)
      }
    }
    return (evaluation.value, Double(correct) / Double(labels.count))
  }
}

extension MLP {
  /// Throws unless `features` fit the network, there is one target (valid for `loss`) and, when
  /// given, one finite non-negative weight per row.
  func validateBatch(features: Matrix, targets: Targets, weights: [Float]?, loss: LossFunction) throws {
    let n = features.rows
    guard features.columns == inputCount else {
      throw NeuralNetworkError.shapeMismatch("the network expects \(inputCount) features, got \(features.columns)")
    }
    guard targets.count == n else {
      throw NeuralNetworkError.shapeMismatch("\(n) examples but \(targets.count) targets")
    }
    try loss.validate(targets: targets, outputs: outputCount)
    if let weights {
      guard weights.count == n else {
        throw NeuralNetworkError.shapeMismatch("\(n) examples but \(weights.count) weights")
      }
      if let bad = weights.firstIndex(where: { !($0 >= 0 && $0.isFinite) }) {
        throw NeuralNetworkError.invalidWeights("weight \(bad + 1) is \(weights[bad]); weights must be finite and ≥ 0")
      }
    }
  }
}

extension Targets {
  var isClasses: Bool {
    if case .classes = self { return true }
    return false
  }
}

/// Number of rows whose largest logit is at the label.
func countCorrect(logits: UnsafePointer<Float>, rows: Int, columns k: Int, labels: UnsafePointer<Int>) -> Int {
  var correct = 0
  for i in 0..<rows where indexOfMaximum(logits + i * k, count: k) == labels[i] { correct += 1 }
  return correct
}

/// The gathered minibatch: features, targets and weights of the current batch, reused every step.
final class MinibatchBuffers {
  let features: FloatBuffer
  let labels: UnsafeMutableBufferPointerBox<Int>?
  let values: FloatBuffer?
  let weights: FloatBuffer?
  private let featureCount: Int
  private let valueCount: Int

  init(capacity: Int, features featureCount: Int, targets: Targets, weighted: Bool) {
    self.featureCount = featureCount
    features = FloatBuffer(count: capacity * featureCount)
    switch targets {
    case .classes:
      labels = UnsafeMutableBufferPointerBox(count: capacity)
      values = nil
      valueCount = 0
    case .values(let matrix):
      labels = nil
      values = FloatBuffer(count: capacity * matrix.columns)
      valueCount = matrix.columns
    }
    weights = weighted ? FloatBuffer(count: capacity) : nil
  }

  var targetPointers: TargetPointers {
    if let labels { return .classes(UnsafePointer(labels.pointer)) }
    return .values(UnsafePointer(values!.pointer))
  }

  func gather(_ indices: ArraySlice<Int>, features source: Matrix, targets: Targets, weights sourceWeights: [Float]?) {
    let d = featureCount
    source.withUnsafeBufferPointer { x in
      for (row, index) in indices.enumerated() {
        (features.pointer + row * d).update(from: x.baseAddress! + index * d, count: d)
      }
    }
    switch targets {
    case .classes(let all):
      for (row, index) in indices.enumerated() { labels!.pointer[row] = all[index] }
    case .values(let matrix):
      let m = valueCount
      matrix.withUnsafeBufferPointer { y in
        for (row, index) in indices.enumerated() {
          (values!.pointer + row * m).update(from: y.baseAddress! + index * m, count: m)
        }
      }
    }
    if let sourceWeights, let weights {
      for (row, index) in indices.enumerated() { weights.pointer[row] = sourceWeights[index] }
    }
  }
}

/// An owned buffer of `T` (labels of a minibatch).
final class UnsafeMutableBufferPointerBox<T> {
  let pointer: UnsafeMutablePointer<T>
  init(count: Int) { pointer = .allocate(capacity: max(count, 1)) }
  deinit { pointer.deallocate() }
}
