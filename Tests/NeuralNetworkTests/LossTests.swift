import Foundation
import LinearAlgebra
import RealModule
import Testing

@testable import NeuralNetwork

@Suite struct LossTests {
  @Test func logSumExpStaysFiniteForHugeLogits() throws {
    let logits = Matrix([[1000, -1000, 0], [-1000, 1000, 0]])
    let result = try LossFunction.softmaxCrossEntropy.evaluate(
      logits: logits, targets: .classes([0, 0]), reduction: .none)
    let perSample = try #require(result.perSample)
    #expect(perSample[0] == 0)
    #expect(perSample[1].isApproximatelyEqual(to: 2000, absoluteTolerance: 1e-9))
    let finite = result.gradient.storage.allSatisfy { $0.isFinite }
    #expect(finite)
    let bce = try LossFunction.binaryCrossEntropy.evaluate(
      logits: Matrix([[1000], [-1000]]), targets: .values(Matrix([[0], [0]])))
    #expect(bce.value.isApproximatelyEqual(to: 500, absoluteTolerance: 1e-9))
  }

  @Test func softmaxCrossEntropyMatchesDefinition() throws {
    let z: [Float] = [0.5, -1, 2]
    let result = try LossFunction.softmaxCrossEntropy.evaluate(logits: Matrix([z]), targets: .classes([1]))
    let expected = log(z.reduce(0) { $0 + exp(Double($1)) }) - Double(z[1])
    #expect(result.value.isApproximatelyEqual(to: expected, absoluteTolerance: 1e-6))
  }

  func randomCase(_ loss: LossFunction) -> (Matrix, Targets) {
    var generator = SplitMix64(seed: 2)
    let logits = Matrix(rows: 5, columns: 3, storage: (0..<15).map { _ in Float(generator.standardNormal()) })
    switch loss {
    case .softmaxCrossEntropy: return (logits, .classes([0, 2, 1, 1, 0]))
    default:
      return (
        logits, .values(Matrix(rows: 5, columns: 3, storage: (0..<15).map { _ in Float(generator.uniformUnit()) }))
      )
    }
  }

  @Test(arguments: LossFunction.allCases)
  func unitWeightsEqualNoWeights(loss: LossFunction) throws {
    let (logits, targets) = randomCase(loss)
    let plain = try loss.evaluate(logits: logits, targets: targets)
    let weighted = try loss.evaluate(logits: logits, targets: targets, weights: .init(repeating: 1, count: 5))
    #expect(plain.value == weighted.value)
    #expect(plain.gradient == weighted.gradient)
  }

  @Test(arguments: LossFunction.allCases)
  func weightTwoEqualsDuplicatingTheSample(loss: LossFunction) throws {
    let (logits, targets) = randomCase(loss)
    let weighted = try loss.evaluate(logits: logits, targets: targets, weights: [2, 1, 1, 1, 1], reduction: .sum)
    let duplicatedLogits = Matrix(rows: 6, columns: 3, storage: Array(logits.row(0)) + logits.storage)
    let duplicatedTargets: Targets
    switch targets {
    case .classes(let labels): duplicatedTargets = .classes([labels[0]] + labels)
    case .values(let y): duplicatedTargets = .values(Matrix(rows: 6, columns: 3, storage: Array(y.row(0)) + y.storage))
    }
    let duplicated = try loss.evaluate(logits: duplicatedLogits, targets: duplicatedTargets, reduction: .sum)
    #expect(abs(weighted.value - duplicated.value) < 1e-9 * max(1, abs(duplicated.value)))
    // Gradient of the weighted row equals the sum of the two duplicates' gradients.
    for j in 0..<3 {
      let sum = duplicated.gradient[0, j] + duplicated.gradient[1, j]
      #expect(weighted.gradient[0, j].isApproximatelyEqual(to: sum, absoluteTolerance: 1e-6))
    }
  }

  @Test func meanReductionDividesByCountNotWeightSum() throws {
    let (logits, targets) = randomCase(.meanSquaredError)
    let sum = try LossFunction.meanSquaredError.evaluate(
      logits: logits, targets: targets, weights: [3, 0, 1, 1, 1], reduction: .sum)
    let mean = try LossFunction.meanSquaredError.evaluate(logits: logits, targets: targets, weights: [3, 0, 1, 1, 1])
    #expect(mean.value.isApproximatelyEqual(to: sum.value / 5, absoluteTolerance: 1e-12))
  }

  @Test func emptyBatchHasZeroLoss() throws {
    let result = try LossFunction.softmaxCrossEntropy.evaluate(
      logits: Matrix(rows: 0, columns: 3), targets: .classes([]))
    #expect(result.value == 0)
  }

  @Test func mismatchedTargetsAreRejected() {
    let logits = Matrix(rows: 2, columns: 3)
    #expect(throws: NeuralNetworkError.self) {
      try LossFunction.softmaxCrossEntropy.evaluate(logits: logits, targets: .classes([0, 3]))
    }
    #expect(throws: NeuralNetworkError.self) {
      try LossFunction.meanSquaredError.evaluate(logits: logits, targets: .classes([0, 1]))
    }
    #expect(throws: NeuralNetworkError.self) {
      try LossFunction.softmaxCrossEntropy.evaluate(logits: logits, targets: .classes([0, 1]), weights: [1])
    }
  }
}
