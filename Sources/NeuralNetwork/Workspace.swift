import LinearAlgebra

/// A float buffer that owns its memory: the workspace's unit, allocated once per training run.
final class FloatBuffer {
  let pointer: UnsafeMutablePointer<Float>
  let count: Int

  init(count: Int, value: Float = 0) {
    self.count = count
    pointer = .allocate(capacity: max(count, 1))
    pointer.initialize(repeating: value, count: max(count, 1))
  }

  deinit { pointer.deallocate() }
}

/// Every buffer a forward and backward pass needs for batches of up to `batchCapacity` rows, so
/// the training loop allocates nothing per minibatch.
final class Workspace {
  let batchCapacity: Int
  /// Per layer: its output (activation for hidden layers, logits for the last).
  let outputs: [FloatBuffer]
  /// Per hidden layer, when training with dropout: the dropped activation and its mask.
  let dropped: [FloatBuffer]
  let masks: [FloatBuffer]
  /// Per layer: gradient of the loss with respect to its pre-activation.
  let deltas: [FloatBuffer]
  let weightGradients: [FloatBuffer]
  let biasGradients: [FloatBuffer]
  /// A vector of ones: `Δᵀ·1` sums a gradient over the batch in one `gemv`.
  let ones: FloatBuffer

  init(network: MLP, batchCapacity: Int, training: Bool) {
    self.batchCapacity = batchCapacity
    let layers = network.layers
    outputs = layers.map { FloatBuffer(count: batchCapacity * $0.outputCount) }
    let hidden = layers.dropLast()
    let withDropout = training && network.dropout.isActive
    dropped = withDropout ? hidden.map { FloatBuffer(count: batchCapacity * $0.outputCount) } : []
    masks = withDropout ? hidden.map { FloatBuffer(count: batchCapacity * $0.outputCount) } : []
    deltas = training ? layers.map { FloatBuffer(count: batchCapacity * $0.outputCount) } : []
    weightGradients = training ? layers.map { FloatBuffer(count: $0.weights.storage.count) } : []
    biasGradients = training ? layers.map { FloatBuffer(count: $0.outputCount) } : []
    ones = FloatBuffer(count: training ? batchCapacity : 0, value: 1)
  }
}
