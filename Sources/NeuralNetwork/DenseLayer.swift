import LinearAlgebra

/// A fully connected layer `y = x·W + b` on row-major batches.
///
/// `weights` is `inputs × outputs`, so a batch `X` of shape `B × inputs` maps to `X·W + 1bᵀ`
/// with a single `sgemm`.
public struct DenseLayer: Sendable, Equatable {
  /// `inputs × outputs`.
  public var weights: Matrix
  /// One bias per output.
  public var bias: [Float]

  /// A layer with explicit parameters.
  public init(weights: Matrix, bias: [Float]) {
    precondition(bias.count == weights.columns, "one bias per output")
    self.weights = weights
    self.bias = bias
  }

  /// A freshly initialised layer with zero biases.
  public init(
    inputs: Int, outputs: Int, initialization: Initialization, using generator: inout some RandomNumberGenerator
  ) {
    self.init(
      weights: initialization.weights(inputs: inputs, outputs: outputs, using: &generator),
      bias: .init(repeating: 0, count: outputs))
  }

  /// Number of inputs.
  public var inputCount: Int { weights.rows }
  /// Number of outputs.
  public var outputCount: Int { weights.columns }

  /// Writes `X·W + b` for the `rows × inputs` batch at `input` into `output` (`rows × outputs`).
  @inline(__always)
  func forward(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>) {
    let (n, k) = (outputCount, inputCount)
    weights.withUnsafeBufferPointer { w in
      BLAS.gemm(m: rows, n: n, k: k, a: input, lda: k, b: w.baseAddress!, ldb: n, c: output, ldc: n)
    }
    bias.withUnsafeBufferPointer { b in
      for i in 0..<rows {
        let row = output + i * n
        for j in 0..<n { row[j] += b[j] }
      }
    }
  }
}
