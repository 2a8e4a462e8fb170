import Foundation
import RealModule
import Testing

@testable import LinearAlgebra

@Suite struct DoubleMatrixTests {
  func randomMatrix(_ rows: Int, _ columns: Int, _ generator: inout SplitMix64) -> DoubleMatrix {
    DoubleMatrix(
      rows: rows, columns: columns, storage: (0..<(rows * columns)).map { _ in generator.uniformUnit() * 2 - 1 })
  }

  @Test(arguments: [false, true])
  func matrixVectorProductMatchesNaiveSum(transposed: Bool) {
    var generator = SplitMix64(seed: 3)
    let a = randomMatrix(7, 5, &generator)
    let x = (0..<(transposed ? 7 : 5)).map { _ in generator.uniformUnit() }
    let product = a.multiplied(by: x, transposed: transposed)
    for i in 0..<product.count {
      let reference = (0..<x.count).reduce(0.0) { $0 + (transposed ? a[$1, i] : a[i, $1]) * x[$1] }
      // Five or seven terms of magnitude ≤ 1 in double precision: rounding ≈ 1e-15.
      #expect(product[i].isApproximatelyEqual(to: reference, absoluteTolerance: 1e-12))
    }
  }

  @Test func gramMatrixIsSymmetricAndMatchesAᵀA() {
    var generator = SplitMix64(seed: 4)
    let a = randomMatrix(9, 4, &generator)
    let gram = a.gramMatrix()
    for j in 0..<4 {
      for k in 0..<4 {
        let reference = (0..<9).reduce(0.0) { $0 + a[$1, j] * a[$1, k] }
        #expect(gram[j, k].isApproximatelyEqual(to: reference, absoluteTolerance: 1e-12))
        #expect(gram[j, k] == gram[k, j])
      }
    }
  }

  @Test func widensFloatMatricesAndAppendsAnInterceptColumn() {
    let design = DoubleMatrix(Matrix([[1, 2], [3, 4]]), appendingColumn: 1)
    #expect(design == DoubleMatrix(rows: 2, columns: 3, storage: [1, 2, 1, 3, 4, 1]))
    #expect(design.scalingRows(by: [2, -1]) == DoubleMatrix(rows: 2, columns: 3, storage: [2, 4, 2, -3, -4, -1]))
  }

  @Test func luAndCholeskySolveASymmetricPositiveDefiniteSystem() throws {
    // A = [[4, 1], [1, 3]], b = [1, 2]: x = [1/11, 7/11].
    let a = DoubleMatrix(rows: 2, columns: 2, storage: [4, 1, 1, 3])
    for solution in [a.luSolve([1, 2]), a.choleskySolve([1, 2])] {
      let x = try #require(solution)
      #expect(abs(x[0] - 1.0 / 11) < 1e-14 && abs(x[1] - 7.0 / 11) < 1e-14)
    }
    #expect(a == DoubleMatrix(rows: 2, columns: 2, storage: [4, 1, 1, 3]), "the solves must not touch the matrix")
  }

  @Test func singularAndIndefiniteSystemsGiveNil() {
    let singular = DoubleMatrix(rows: 2, columns: 2, storage: [1, 2, 2, 4])
    #expect(singular.luSolve([1, 1]) == nil)
    #expect(singular.conditionNumber > 1e15)  // rank 1: σ_min is rounding noise or 0
    let indefinite = DoubleMatrix(rows: 2, columns: 2, storage: [1, 2, 2, 1])
    #expect(indefinite.choleskySolve([1, 1]) == nil)
  }

  @Test func singularValueDecompositionReconstructsTheMatrix() throws {
    var generator = SplitMix64(seed: 5)
    let a = randomMatrix(6, 3, &generator)
    let svd = try #require(a.singularValueDecomposition())
    #expect(svd.singularValues == svd.singularValues.sorted(by: >))
    for i in 0..<6 {
      for j in 0..<3 {
        let value = (0..<3).reduce(0.0) { $0 + svd.u[i, $1] * svd.singularValues[$1] * svd.v[j, $1] }
        #expect(value.isApproximatelyEqual(to: a[i, j], absoluteTolerance: 1e-12))
      }
    }
    let diagonal = DoubleMatrix(rows: 2, columns: 2, storage: [10, 0, 0, 0.5])
    #expect(diagonal.conditionNumber.isApproximatelyEqual(to: 20, absoluteTolerance: 1e-12))
  }

  @Test func regularizedLeastSquaresShrinksTowardsZeroAndIsExactWithoutPenalty() throws {
    let a = DoubleMatrix(rows: 2, columns: 2, storage: [2, 0, 0, 1])
    let exact = try #require(a.regularizedLeastSquares([2, 3], lambda: 0))
    #expect(abs(exact[0] - 1) < 1e-14 && abs(exact[1] - 3) < 1e-14)
    // λ = 1: xᵢ = σᵢ bᵢ / (σᵢ² + 1) = 4/5 and 3/2.
    let shrunk = try #require(a.regularizedLeastSquares([2, 3], lambda: 1))
    #expect(abs(shrunk[0] - 0.8) < 1e-14 && abs(shrunk[1] - 1.5) < 1e-14)
  }
}

@Suite struct NewtonSolverTests {
  /// f(x) = Σ (eˣⁱ − cᵢ·xᵢ): convex, minimum at xᵢ = log cᵢ.
  func minimize(_ c: [Double], maximumIterations: Int = 50) throws -> NewtonSolver.Solution {
    let solver = NewtonSolver(
      problem: "test", sampleCount: c.count, maximumIterations: maximumIterations, maximumHalvings: 30,
      gradientTolerance: 1e-12)
    return try solver.minimize(
      from: [Double](repeating: 0, count: c.count),
      objective: { x in zip(x, c).reduce(0) { $0 + Foundation.exp($1.0) - $1.1 * $1.0 } },
      derivatives: { x in
        let gradient = zip(x, c).map { Foundation.exp($0) - $1 }
        return (
          gradient,
          {
            var hessian = DoubleMatrix(rows: c.count, columns: c.count)
            for i in c.indices { hessian[i, i] = Foundation.exp(x[i]) }
            return hessian
          }
        )
      })
  }

  @Test func findsTheMinimumOfASmoothConvexFunction() throws {
    let solution = try minimize([1, 20, 0.01])
    for (x, c) in zip(solution.point, [1.0, 20, 0.01]) { #expect(abs(x - Foundation.log(c)) < 1e-9) }
    #expect(solution.gradientNorm <= 1e-12)
    #expect(solution.iterations < 20)
  }

  @Test func runningOutOfIterationsThrowsDidNotConverge() {
    #expect {
      _ = try minimize([1, 20, 0.01], maximumIterations: 2)
    } throws: { error in
      guard case .didNotConverge(let solver, let iterations, _) = error as? LinearAlgebraError else { return false }
      return solver == "test" && iterations == 2
    }
  }

  @Test func anIndefiniteHessianThrows() {
    let solver = NewtonSolver(
      problem: "saddle", sampleCount: 1, maximumIterations: 10, maximumHalvings: 10, gradientTolerance: 1e-12)
    #expect(throws: LinearAlgebraError.notPositiveDefinite(solver: "saddle")) {
      _ = try solver.minimize(
        from: [1, 1], objective: { $0[0] * $0[0] - $0[1] * $0[1] },
        derivatives: { x in ([2 * x[0], -2 * x[1]], { DoubleMatrix(rows: 2, columns: 2, storage: [2, 0, 0, -2]) }) })
    }
  }
}

@Suite struct DistributionTests {
  @Test func tailProbabilitiesMatchKnownValues() {
    // χ²(1) at 3.841459 is the 95 % quantile; χ²(10) at 18.307 likewise (tables).
    #expect(
      Distribution.chiSquaredUpperTail(3.841459, degreesOfFreedom: 1).isApproximatelyEqual(
        to: 0.05, absoluteTolerance: 1e-6))
    #expect(
      Distribution.chiSquaredUpperTail(18.307038, degreesOfFreedom: 10).isApproximatelyEqual(
        to: 0.05, absoluteTolerance: 1e-6))
    #expect(Distribution.standardNormalUpperTail(1.959964).isApproximatelyEqual(to: 0.025, absoluteTolerance: 1e-7))
    #expect(Distribution.standardNormalUpperTail(0) == 0.5)
  }

  @Test func gslDrawsAreDeterminedByTheSeed() {
    var first = SplitMix64(seed: 9)
    var second = SplitMix64(seed: 9)
    let prior = first.dirichlet([1, 1, 1, 1])
    #expect(prior == second.dirichlet([1, 1, 1, 1]))
    #expect(abs(prior.reduce(0, +) - 1) < 1e-12 && prior.allSatisfy { $0 >= 0 })
    let counts = first.multinomial(trials: 1000, probabilities: [0.5, 0.25, 0.25])
    #expect(counts == second.multinomial(trials: 1000, probabilities: [0.5, 0.25, 0.25]))
    #expect(counts.reduce(0, +) == 1000)
  }
}
