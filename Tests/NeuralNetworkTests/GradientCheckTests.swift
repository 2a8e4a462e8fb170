import LinearAlgebra
import Testing

@testable import NeuralNetwork

/// Analytic gradients against central differences (seed `002`, back-propagation).
///
/// Step and tolerance: logits are float32 (relative rounding ≈ 6e-8) and the loss is accumulated
/// in double, so a loss of order 1 carries ≈ 1e-7 absolute rounding; a central difference with
/// step h = 1e-3 then has rounding error ≈ 1e-7 / h = 1e-4 and truncation error h²/6·|f‴| ≈ 2e-7.
/// We require |analytic − numeric| ≤ 1e-3 + 1e-2·|numeric|, 10× the rounding bound, while a
/// wrong factor of 2, a missing term or a transposed gradient is off by O(|gradient|) ≈ 1e-2…1.
/// ReLU's kink: a step of 1e-2 moved some pre-activations across zero (errors of 1e-2 confined
/// to single units); with 1e-3 and these fixed seeds none is within reach.
@Suite struct GradientCheckTests {
  static let step: Float = 1e-3

  struct Problem {
    var network: MLP
    var x: Matrix
    var targets: Targets
    var weights: [Float]?
    var loss: LossFunction
    var dropoutSeed: UInt64?
  }

  /// The mean weighted loss and, through `backward`, its gradient for every parameter.
  func evaluate(_ p: Problem, withGradients: Bool) -> (loss: Double, weights: [[Float]], biases: [[Float]]) {
    let rows = p.x.rows
    let workspace = Workspace(network: p.network, batchCapacity: rows, training: true)
    var dropoutGenerator = SplitMix64(seed: p.dropoutSeed ?? 0)
    let loss = p.x.withUnsafeBufferPointer { x in
      withUnsafeMutablePointer(to: &dropoutGenerator) { generator in
        let logits = p.network.forward(
          x.baseAddress!, rows: rows, workspace: workspace, dropoutGenerator: p.dropoutSeed == nil ? nil : generator)
        let value = withTargetPointers(p.targets) { targets in
          withOptionalPointer(p.weights) { w in
            p.loss.compute(
              logits: logits, rows: rows, columns: p.network.outputCount, targets: targets, weights: w,
              gradientScale: 1 / Float(rows), gradient: workspace.deltas[p.network.layers.count - 1].pointer,
              perSample: nil)
          }
        }
        if withGradients {
          p.network.backward(input: x.baseAddress!, rows: rows, workspace: workspace, withDropout: p.dropoutSeed != nil)
        }
        return value / Double(rows)
      }
    }
    guard withGradients else { return (loss, [], []) }
    let weights = p.network.layers.indices.map { l in
      Array(UnsafeBufferPointer(start: workspace.weightGradients[l].pointer, count: workspace.weightGradients[l].count))
    }
    let biases = p.network.layers.indices.map { l in
      Array(UnsafeBufferPointer(start: workspace.biasGradients[l].pointer, count: workspace.biasGradients[l].count))
    }
    return (loss, weights, biases)
  }

  func check(_ problem: Problem) {
    let analytic = evaluate(problem, withGradients: true)
    var worst: Float = 0
    for l in problem.network.layers.indices {
      for (isBias, count) in [
        (false, problem.network.layers[l].weights.storage.count), (true, problem.network.layers[l].bias.count),
      ] {
        for i in 0..<count {
          func perturbed(_ delta: Float) -> Double {
            var p = problem
            if isBias {
              p.network.layers[l].bias[i] += delta
            } else {
              p.network.layers[l].weights.withUnsafeMutableBufferPointer { $0[i] += delta }
            }
            return evaluate(p, withGradients: false).loss
          }
          let numeric = Float((perturbed(Self.step) - perturbed(-Self.step)) / Double(2 * Self.step))
          let exact = isBias ? analytic.biases[l][i] : analytic.weights[l][i]
          let error = abs(exact - numeric)
          worst = max(worst, error / (1e-3 + 1e-2 * abs(numeric)))
          #expect(
            error <= 1e-3 + 1e-2 * abs(numeric), "layer \(l) \(isBias ? "bias" : "weight") \(i): \(exact) vs \(numeric)"
          )
        }
      }
    }
    #expect(worst <= 1)
  }

  func makeProblem(
    activation: Activation, loss: LossFunction, weighted: Bool, dropout: Float = 0, seed: UInt64 = 11
  ) throws -> Problem {
    var generator = SplitMix64(seed: seed)
    let outputs = 3
    let network = try MLP(
      sizes: [4, 5, 6, outputs], activation: activation, dropout: dropout, initialization: .xavierNormal,
      using: &generator)
    let rows = 6
    let x = Matrix(rows: rows, columns: 4, storage: (0..<(rows * 4)).map { _ in Float(generator.standardNormal()) })
    let targets: Targets
    switch loss {
    case .softmaxCrossEntropy: targets = .classes((0..<rows).map { $0 % outputs })
    case .binaryCrossEntropy:
      targets = .values(
        Matrix(
          rows: rows, columns: outputs, storage: (0..<(rows * outputs)).map { _ in Float(generator.uniformUnit()) }))
    case .meanSquaredError:
      targets = .values(
        Matrix(
          rows: rows, columns: outputs, storage: (0..<(rows * outputs)).map { _ in Float(generator.standardNormal()) }))
    }
    let weights = weighted ? (0..<rows).map { _ in Float(generator.uniformUnit() * 3) } : nil
    return Problem(
      network: network, x: x, targets: targets, weights: weights, loss: loss, dropoutSeed: dropout > 0 ? seed : nil)
  }

  @Test(arguments: LossFunction.allCases, [false, true])
  func everyLossWeightedAndUnweighted(loss: LossFunction, weighted: Bool) throws {
    check(try makeProblem(activation: .tanh, loss: loss, weighted: weighted))
  }

  @Test(arguments: Activation.allCases)
  func everyActivation(activation: Activation) throws {
    check(try makeProblem(activation: activation, loss: .softmaxCrossEntropy, weighted: true))
  }

  @Test func dropoutWithAFixedMask() throws {
    check(try makeProblem(activation: .sigmoid, loss: .softmaxCrossEntropy, weighted: true, dropout: 0.3))
  }

  /// The public `lossAndGradient` is the training path's loss and gradient (checked above).
  @Test(arguments: LossFunction.allCases)
  func publicGradientIsTheTrainingGradient(loss: LossFunction) throws {
    let problem = try makeProblem(activation: .relu, loss: loss, weighted: true)
    let expected = evaluate(problem, withGradients: true)
    let (value, gradient) = try problem.network.lossAndGradient(
      features: problem.x, targets: problem.targets, weights: problem.weights, loss: loss)
    #expect(value == expected.loss)
    #expect(gradient.map(\.weights.storage) == expected.weights)
    #expect(gradient.map(\.bias) == expected.biases)
    #expect(gradient.map(\.weights.rows) == problem.network.layers.map(\.inputCount))
  }
}
