import Foundation
import LinearAlgebra

/// A multilayer perceptron: dense layers with one hidden activation, inverted dropout after every
/// hidden layer, and a linear output layer producing logits (d2l §4.2–4.3).
public struct MLP: Sendable, Equatable {
  /// The layers, input first; the last produces the logits.
  public var layers: [DenseLayer]
  /// The non-linearity after every hidden layer.
  public var activation: Activation
  /// Dropout after every hidden activation (training only).
  public var dropout: Dropout

  /// A network with the given layer sizes (`[inputs, hidden…, outputs]`), freshly initialised.
  public init(
    sizes: [Int], activation: Activation = .relu, dropout: Float = 0,
    initialization: Initialization = .xavierUniform, using generator: inout some RandomNumberGenerator
  ) throws {
    guard sizes.count >= 2, sizes.allSatisfy({ $0 > 0 }) else {
      throw NeuralNetworkError.invalidConfiguration("layer sizes must be at least two positive numbers, got \(sizes)")
    }
    guard dropout >= 0, dropout < 1 else {
      throw NeuralNetworkError.invalidConfiguration("dropout must be in [0, 1), got \(dropout)")
    }
    for (inputs, outputs) in zip(sizes, sizes.dropFirst()) {
      let (weights, overflow) = inputs.multipliedReportingOverflow(by: outputs)
      guard !overflow, weights <= Self.maximumLayerWeights else {
        throw NeuralNetworkError.invalidConfiguration(
          "a layer of \(inputs) × \(outputs) weights is more than the \(Self.maximumLayerWeights) one layer can hold")
      }
    }
    layers = zip(sizes, sizes.dropFirst()).map { inputs, outputs in
      DenseLayer(inputs: inputs, outputs: outputs, initialization: initialization, using: &generator)
    }
    self.activation = activation
    self.dropout = Dropout(rate: dropout)
  }

  /// A network from existing layers (as loaded from a model file).
  public init(layers: [DenseLayer], activation: Activation, dropout: Dropout) {
    precondition(
      !layers.isEmpty && zip(layers, layers.dropFirst()).allSatisfy { $0.outputCount == $1.inputCount },
      "consecutive layers must agree in size")
    self.layers = layers
    self.activation = activation
    self.dropout = dropout
  }

  /// `[inputs, hidden…, outputs]`.
  public var sizes: [Int] { [layers[0].inputCount] + layers.map(\.outputCount) }
  /// Number of input features.
  public var inputCount: Int { layers[0].inputCount }
  /// Number of logits.
  public var outputCount: Int { layers[layers.count - 1].outputCount }
  /// Number of trainable parameters.
  public var parameterCount: Int { layers.reduce(0) { $0 + $1.weights.storage.count + $1.bias.count } }

  /// The most weights one layer may have: BLAS indexes with 32-bit integers.
  public static let maximumLayerWeights = Int(Int32.max)

  /// Rows processed at once at inference: bounds the memory of predicting on a large data set.
  static let inferenceChunk = 4096

  /// The logits for each row of `features` (inference mode: no dropout).
  public func logits(for features: Matrix) throws -> Matrix {
    guard features.columns == inputCount else {
      throw NeuralNetworkError.shapeMismatch("the network expects \(inputCount) features, got \(features.columns)")
    }
    var output = Matrix(rows: features.rows, columns: outputCount)
    guard features.rows > 0 else { return output }
    let workspace = Workspace(network: self, batchCapacity: min(features.rows, Self.inferenceChunk), training: false)
    features.withUnsafeBufferPointer { x in
      output.withUnsafeMutableBufferPointer { out in
        var start = 0
        while start < features.rows {
          let rows = min(Self.inferenceChunk, features.rows - start)
          let logits = forward(
            x.baseAddress! + start * inputCount, rows: rows, workspace: workspace, dropoutGenerator: nil)
          (out.baseAddress! + start * outputCount).update(from: logits, count: rows * outputCount)
          start += rows
        }
      }
    }
    return output
  }

  /// Softmax class probabilities for each row of `features`.
  public func probabilities(for features: Matrix) throws -> Matrix {
    var result = try logits(for: features)
    softmaxRows(&result)
    return result
  }

  /// The most probable class of each row of `features`.
  public func predictedClasses(for features: Matrix) throws -> [Int] {
    try logits(for: features).argmaxPerRow()
  }

  /// Runs the batch at `input` through the network, leaving every layer's output in `workspace`,
  /// and returns a pointer to the logits. Dropout is applied only with a generator; then each
  /// hidden layer's activation stays in `outputs` and the dropped copy, which feeds the next
  /// layer, goes to `dropped`.
  func forward(
    _ input: UnsafePointer<Float>, rows: Int, workspace: Workspace, dropoutGenerator: UnsafeMutablePointer<SplitMix64>?
  ) -> UnsafeMutablePointer<Float> {
    var current = input
    for (l, layer) in layers.enumerated() {
      let output = workspace.outputs[l].pointer
      layer.forward(current, rows: rows, into: output)
      current = UnsafePointer(output)
      guard l < layers.count - 1 else { break }
      activation.apply(output, count: rows * layer.outputCount)
      if let dropoutGenerator, dropout.isActive {
        let dropped = workspace.dropped[l].pointer
        dropout.apply(
          output, into: dropped, mask: workspace.masks[l].pointer, count: rows * layer.outputCount,
          using: &dropoutGenerator.pointee)
        current = UnsafePointer(dropped)
      }
    }
    return workspace.outputs[layers.count - 1].pointer
  }

  /// Back-propagates the logit gradient already in `workspace.deltas.last` through the batch last
  /// passed to `forward`, writing parameter gradients into `workspace`.
  ///
  /// For layer l with input `A` and pre-activation gradient `Δ`: `∂W = Aᵀ·Δ`, `∂b = Δᵀ·1`, and the
  /// previous layer's `Δ' = (Δ·Wᵀ) ⊙ mask ⊙ f'(A)`, each product one BLAS call.
  func backward(input: UnsafePointer<Float>, rows: Int, workspace: Workspace, withDropout: Bool) {
    let withDropout = withDropout && dropout.isActive
    for l in stride(from: layers.count - 1, through: 0, by: -1) {
      let layer = layers[l]
      let (n, k) = (layer.outputCount, layer.inputCount)
      let delta = workspace.deltas[l].pointer
      let layerInput =
        l == 0
        ? input : UnsafePointer(withDropout ? workspace.dropped[l - 1].pointer : workspace.outputs[l - 1].pointer)
      BLAS.gemm(
        transposeA: true, m: k, n: n, k: rows, a: layerInput, lda: k, b: delta, ldb: n,
        c: workspace.weightGradients[l].pointer, ldc: n)
      BLAS.gemv(
        transpose: true, rows: rows, columns: n, a: delta, lda: n, x: workspace.ones.pointer,
        y: workspace.biasGradients[l].pointer)
      guard l > 0 else { break }
      let previous = workspace.deltas[l - 1].pointer
      layer.weights.withUnsafeBufferPointer { w in
        BLAS.gemm(
          transposeB: true, m: rows, n: k, k: n, a: delta, lda: n, b: w.baseAddress!, ldb: n, c: previous, ldc: k)
      }
      let count = rows * k
      if withDropout {
        let mask = workspace.masks[l - 1].pointer
        for i in 0..<count { previous[i] *= mask[i] }
      }
      activation.backpropagate(previous, output: workspace.outputs[l - 1].pointer, count: count)
    }
  }
}

/// Replaces each row of `matrix` by its softmax (max-shifted, so large logits do not overflow).
public func softmaxRows(_ matrix: inout Matrix) {
  let k = matrix.columns
  guard k > 0 else { return }
  matrix.withUnsafeMutableBufferPointer { z in
    for i in 0..<(z.count / k) {
      let row = z.baseAddress! + i * k
      let (_, sum) = shiftedExponentials(row, count: k, into: row)
      let inverse = 1 / sum
      for j in 0..<k { row[j] *= inverse }
    }
  }
}
