import Foundation
import LinearAlgebra
import Testing

@testable import DomainClassifier

@Suite struct LogisticRegressionTests {
  @Test func convergesToAStationaryPointOfThePenalisedObjective() throws {
    var generator = SplitMix64(seed: 3)
    let n = 400
    let features = Matrix(rows: n, columns: 3, storage: (0..<(n * 3)).map { _ in Float(generator.standardNormal()) })
    let labels = (0..<n).map { i in
      generator.uniformUnit() < sigmoid(1.5 * Double(features[i, 0]) - Double(features[i, 1]) + 0.3)
    }
    let (model, report) = try LogisticRegression.fit(features: features, labels: labels, inverseRegularization: 0.5)
    #expect(report.gradientNorm <= LogisticRegression.gradientTolerance)
    #expect(report.iterations < 20)
    // Central differences of the objective at the solution vanish (h = 1e-5: truncation ~h², rounding ~1e-16·f/h).
    func objective(_ beta: [Double], _ intercept: Double) -> Double {
      var total = 0.0
      for i in 0..<n {
        let eta = intercept + (0..<3).reduce(0) { $0 + Double(features[i, $1]) * beta[$1] }
        total += softplus(labels[i] ? -eta : eta)
      }
      return total + beta.reduce(0) { $0 + $1 * $1 } / (2 * 0.5)
    }
    let h = 1e-5
    for j in 0..<3 {
      var up = model.coefficients
      var down = model.coefficients
      up[j] += h
      down[j] -= h
      let slope: Double = (objective(up, model.intercept) - objective(down, model.intercept)) / (2 * h)
      #expect(abs(slope) < 1e-4)
    }
    let interceptSlope: Double =
      (objective(model.coefficients, model.intercept + h) - objective(model.coefficients, model.intercept - h))
      / (2 * h)
    #expect(abs(interceptSlope) < 1e-4)
    // The signs of the generating model are recovered.
    #expect(model.coefficients[0] > 0.8 && model.coefficients[1] < -0.5)
  }

  @Test func separableDataStillConvergesThanksToThePenalty() throws {
    let features = Matrix([[-2], [-1], [1], [2]])
    let (model, _) = try LogisticRegression.fit(features: features, labels: [false, false, true, true])
    #expect(model.coefficients[0] > 0 && model.coefficients[0].isFinite)
  }

  @Test func oneClassIsAnError() {
    #expect(throws: DomainClassifierError.self) {
      try LogisticRegression.fit(features: Matrix([[1], [2]]), labels: [true, true])
    }
  }
}
