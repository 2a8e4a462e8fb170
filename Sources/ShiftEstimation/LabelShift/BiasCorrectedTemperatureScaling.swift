import Foundation
import LinearAlgebra
import NeuralNetwork

/// Bias-corrected temperature scaling (Alexandari et al. 2020): calibrated probabilities are
/// `softmax(a·z + b)` for logits `z`, with one slope `a = 1/T` and one bias per class, fitted by
/// minimising the negative log-likelihood on labelled held-out data.
///
/// The objective is convex in `(a, b)` (a multinomial logistic regression with fixed
/// features), so Newton's method with a line search finds the optimum; a ridge of 10⁻⁸·n on `b`
/// fixes the bias's free additive constant.
public struct BiasCorrectedTemperatureScaling: Sendable, Equatable {
  /// The slope `a = 1/T` applied to logits.
  public var inverseTemperature: Double
  /// The per-class bias added after scaling.
  public var biases: [Double]

  /// Newton iterations allowed.
  static let maximumIterations = 100

  /// Fits the calibration to `logits` (`n × k`) with true `labels`.
  public static func fit(logits: Matrix, labels: [Int]) throws -> BiasCorrectedTemperatureScaling {
    let n = logits.rows
    let k = logits.columns
    guard n == labels.count, n > 0, k >= 2 else {
      throw ShiftEstimationError.invalidInput("calibration needs one label per logit row and at least 2 classes")
    }
    let z = logits.storage.map(Double.init)
    let p = k + 1
    let ridge = 1e-8 * Double(n)
    var counts = [Double](repeating: 0, count: k)
    for label in labels { counts[label] += 1 }

    func negativeLogLikelihood(_ parameters: [Double]) -> Double {
      var total = 0.0
      var row = [Double](repeating: 0, count: k)
      for i in 0..<n {
        var largest = -Double.infinity
        for j in 0..<k {
          row[j] = parameters[0] * z[i * k + j] + parameters[1 + j]
          largest = max(largest, row[j])
        }
        var sum = 0.0
        for j in 0..<k { sum += exp(row[j] - largest) }
        total += largest + log(sum) - row[labels[i]]
      }
      for j in 0..<k { total += 0.5 * ridge * parameters[1 + j] * parameters[1 + j] }
      return total
    }

    // Gradient and Hessian of the NLL in θ = (a, b). With P the n × k calibrated
    // probabilities and mᵢ = Σⱼ pᵢⱼzᵢⱼ: ∂a = Σᵢ mᵢ − zᵢ,yᵢ; ∂b = colsum(P) − counts;
    // H_aa = Σᵢ Σⱼ pᵢⱼzᵢⱼ² − mᵢ²; H_ab = Σᵢ pᵢⱼ(zᵢⱼ − mᵢ); H_bb = diag(colsum P) − PᵀP (one dsyrk).
    func derivatives(_ parameters: [Double]) -> (gradient: [Double], hessian: () -> DoubleMatrix) {
      var probabilities = [Double](repeating: 0, count: n * k)
      var gradient = [Double](repeating: 0, count: p)
      var hessian = DoubleMatrix(rows: p, columns: p)
      for i in 0..<n {
        var largest = -Double.infinity
        for j in 0..<k {
          probabilities[i * k + j] = parameters[0] * z[i * k + j] + parameters[1 + j]
          largest = max(largest, probabilities[i * k + j])
        }
        var sum = 0.0
        for j in 0..<k {
          probabilities[i * k + j] = exp(probabilities[i * k + j] - largest)
          sum += probabilities[i * k + j]
        }
        var meanLogit = 0.0
        var meanSquare = 0.0
        for j in 0..<k {
          probabilities[i * k + j] /= sum
          meanLogit += probabilities[i * k + j] * z[i * k + j]
          meanSquare += probabilities[i * k + j] * z[i * k + j] * z[i * k + j]
        }
        gradient[0] += meanLogit - z[i * k + labels[i]]
        gradient[1 + labels[i]] -= 1
        hessian[0, 0] += meanSquare - meanLogit * meanLogit
        for j in 0..<k {
          gradient[1 + j] += probabilities[i * k + j]
          hessian[0, 1 + j] += probabilities[i * k + j] * (z[i * k + j] - meanLogit)
        }
      }
      let outer = DoubleMatrix(rows: n, columns: k, storage: probabilities).gramMatrix()
      for j in 0..<k {
        hessian[1 + j, 0] = hessian[0, 1 + j]
        // diag(colsum P), with colsum P = ∂b + counts recovered from the gradient before the ridge.
        hessian[1 + j, 1 + j] = gradient[1 + j] + counts[j] + ridge
        for l in 0..<k { hessian[1 + j, 1 + l] -= outer[j, l] }
        gradient[1 + j] += ridge * parameters[1 + j]
      }
      return (gradient, { hessian })
    }

    // Converged when the predicted decrease of the NLL is below 10⁻¹² per sample.
    let solver = NewtonSolver(
      problem: "temperature scaling", sampleCount: n, maximumIterations: maximumIterations, maximumHalvings: 40,
      decrementTolerance: 1e-12)
    let parameters = try solver.minimize(
      from: [1.0] + [Double](repeating: 0, count: k), objective: negativeLogLikelihood, derivatives: derivatives
    ).point
    guard parameters.allSatisfy(\.isFinite) else {
      throw ShiftEstimationError.numericalFailure("temperature scaling produced non-finite parameters")
    }
    return BiasCorrectedTemperatureScaling(inverseTemperature: parameters[0], biases: Array(parameters[1...]))
  }

  /// Calibrated probabilities `softmax(a·z + b)` for rows of logits.
  public func probabilities(forLogits logits: Matrix) -> Matrix {
    precondition(logits.columns == biases.count, "one bias per class")
    var scaled = logits.scaledAndShifted(by: Float(inverseTemperature), columnOffsets: biases.map(Float.init))
    softmaxRows(&scaled)
    return scaled
  }
}
