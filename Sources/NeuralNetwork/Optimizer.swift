import Foundation

/// The update rule of minibatch training. Weight decay (L2, strength λ) is applied to weights,
/// not biases, in decoupled form: `w ← (1 − ηλ)·w − η·update` (seed `003` §3.5: the same step
/// as adding `λ/2‖w‖²` to the loss, for plain SGD).
public enum Optimizer: Sendable, Equatable, Codable, CustomStringConvertible {
  /// Stochastic gradient descent, with heavy-ball momentum `v ← μ·v + ∇`, step `η·v` (μ = 0: plain SGD).
  case sgd(learningRate: Float, momentum: Float = 0)
  /// Adam (Kingma & Ba 2015) with bias correction; with weight decay it is AdamW
  /// (Loshchilov & Hutter 2019).
  case adam(learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8)

  /// The step size η.
  public var learningRate: Float {
    switch self {
    case .sgd(let rate, _), .adam(let rate, _, _, _): rate
    }
  }

  /// The rule and its hyper-parameters, e.g. `sgd(lr 0.1)`, as reports print it.
  public var description: String {
    switch self {
    case .sgd(let rate, let momentum): momentum == 0 ? "sgd(lr \(rate))" : "sgd(lr \(rate), momentum \(momentum))"
    case .adam(let rate, let b1, let b2, _): "adam(lr \(rate), β₁ \(b1), β₂ \(b2))"
    }
  }

  /// Throws when a hyper-parameter is out of range.
  func validate() throws {
    switch self {
    case .sgd(let rate, let momentum):
      guard rate > 0, rate.isFinite else {
        throw NeuralNetworkError.invalidConfiguration("learning rate must be positive, got \(rate)")
      }
      guard momentum >= 0, momentum < 1 else {
        throw NeuralNetworkError.invalidConfiguration("momentum must be in [0, 1), got \(momentum)")
      }
    case .adam(let rate, let b1, let b2, let epsilon):
      guard rate > 0, rate.isFinite else {
        throw NeuralNetworkError.invalidConfiguration("learning rate must be positive, got \(rate)")
      }
      guard (0..<1).contains(b1), (0..<1).contains(b2), epsilon > 0 else {
        throw NeuralNetworkError.invalidConfiguration("Adam needs β₁, β₂ in [0, 1) and ε > 0")
      }
    }
  }
}

/// Per-parameter optimiser memory (momentum, Adam's moments), allocated once per training run.
final class OptimizerState {
  let optimizer: Optimizer
  let weightDecay: Float
  private var step = 0
  private let first: [(weights: FloatBuffer, bias: FloatBuffer)]
  private let second: [(weights: FloatBuffer, bias: FloatBuffer)]

  init(optimizer: Optimizer, weightDecay: Float, network: MLP) {
    self.optimizer = optimizer
    self.weightDecay = weightDecay
    let needsFirst: Bool
    let needsSecond: Bool
    switch optimizer {
    case .sgd(_, let momentum): (needsFirst, needsSecond) = (momentum > 0, false)
    case .adam: (needsFirst, needsSecond) = (true, true)
    }
    func buffers() -> [(weights: FloatBuffer, bias: FloatBuffer)] {
      network.layers.map { (FloatBuffer(count: $0.weights.storage.count), FloatBuffer(count: $0.outputCount)) }
    }
    first = needsFirst ? buffers() : []
    second = needsSecond ? buffers() : []
  }

  /// Applies one update to every layer of `network` from the gradients in `workspace`.
  func update(_ network: inout MLP, gradients workspace: Workspace) {
    step += 1
    for l in network.layers.indices {
      network.layers[l].weights.withUnsafeMutableBufferPointer { w in
        update(w.baseAddress!, count: w.count, gradient: workspace.weightGradients[l].pointer, layer: l, isBias: false)
      }
      network.layers[l].bias.withUnsafeMutableBufferPointer { b in
        update(b.baseAddress!, count: b.count, gradient: workspace.biasGradients[l].pointer, layer: l, isBias: true)
      }
    }
  }

  private func update(
    _ p: UnsafeMutablePointer<Float>, count: Int, gradient g: UnsafeMutablePointer<Float>, layer: Int, isBias: Bool
  ) {
    let decay: Float = isBias ? 1 : 1 - optimizer.learningRate * weightDecay
    switch optimizer {
    case .sgd(let rate, let momentum):
      if momentum > 0 {
        let v = isBias ? first[layer].bias.pointer : first[layer].weights.pointer
        for i in 0..<count {
          v[i] = momentum * v[i] + g[i]
          p[i] = decay * p[i] - rate * v[i]
        }
      } else {
        for i in 0..<count { p[i] = decay * p[i] - rate * g[i] }
      }
    case .adam(let rate, let beta1, let beta2, let epsilon):
      let m = isBias ? first[layer].bias.pointer : first[layer].weights.pointer
      let v = isBias ? second[layer].bias.pointer : second[layer].weights.pointer
      let correction1 = 1 - Float(pow(Double(beta1), Double(step)))
      let correction2 = 1 - Float(pow(Double(beta2), Double(step)))
      let stepSize = rate / correction1
      let inverseCorrection2 = 1 / correction2
      for i in 0..<count {
        m[i] = beta1 * m[i] + (1 - beta1) * g[i]
        v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
        p[i] = decay * p[i] - stepSize * m[i] / ((v[i] * inverseCorrection2).squareRoot() + epsilon)
      }
    }
  }
}
