import LinearAlgebra

extension MLP {
  /// The mean weighted loss `(1/n) Σ wᵢ ℓ(f(xᵢ), yᵢ)` on a batch and its gradient with respect to
  /// every parameter, by back-propagation without dropout — what training follows, exposed for
  /// gradient checking against finite differences.
  ///
  /// The gradient has the network's shape: `gradient[l].weights` is `∂L/∂W` of layer `l`
  /// (inputs × outputs, like its weights) and `gradient[l].bias` is `∂L/∂b`.
  public func lossAndGradient(
    features: Matrix, targets: Targets, weights: [Float]? = nil, loss: LossFunction = .softmaxCrossEntropy
  ) throws -> (loss: Double, gradient: [DenseLayer]) {
    let rows = features.rows
    guard rows > 0 else { throw NeuralNetworkError.shapeMismatch("no examples") }
    try validateBatch(features: features, targets: targets, weights: weights, loss: loss)
    let workspace = Workspace(network: self, batchCapacity: rows, training: true)
    let value = features.withUnsafeBufferPointer { x in
      let logits = forward(x.baseAddress!, rows: rows, workspace: workspace, dropoutGenerator: nil)
      let sum = withTargetPointers(targets) { targetPointers in
        withOptionalPointer(weights) { w in
          loss.compute(
            logits: logits, rows: rows, columns: outputCount, targets: targetPointers, weights: w,
            gradientScale: 1 / Float(rows), gradient: workspace.deltas[layers.count - 1].pointer, perSample: nil)
        }
      }
      backward(input: x.baseAddress!, rows: rows, workspace: workspace, withDropout: false)
      return sum / Double(rows)
    }
    let gradient = layers.indices.map { l in
      DenseLayer(
        weights: Matrix(
          rows: layers[l].inputCount, columns: layers[l].outputCount,
          storage: Array(
            UnsafeBufferPointer(start: workspace.weightGradients[l].pointer, count: workspace.weightGradients[l].count))
        ),
        bias: Array(
          UnsafeBufferPointer(start: workspace.biasGradients[l].pointer, count: workspace.biasGradients[l].count)))
    }
    return (value, gradient)
  }
}
