import Testing

@testable import LinearAlgebra

@Suite struct MatrixTests {
  /// Naive triple loop in double precision, the reference for every BLAS product.
  func naiveProduct(_ a: Matrix, _ b: Matrix) -> [Double] {
    var c = [Double](repeating: 0, count: a.rows * b.columns)
    for i in 0..<a.rows {
      for j in 0..<b.columns {
        for p in 0..<a.columns { c[i * b.columns + j] += Double(a[i, p]) * Double(b[p, j]) }
      }
    }
    return c
  }

  func randomMatrix(_ rows: Int, _ columns: Int, _ generator: inout SplitMix64) -> Matrix {
    Matrix(
      rows: rows, columns: columns, storage: (0..<(rows * columns)).map { _ in Float(generator.uniformUnit() * 2 - 1) })
  }

  @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
  func productMatchesNaiveReference(transposeA: Bool, transposeB: Bool) {
    var generator = SplitMix64(seed: 7)
    let a = randomMatrix(13, 29, &generator)
    let b = randomMatrix(29, 17, &generator)
    let storedA = transposeA ? a.transposed() : a
    let storedB = transposeB ? b.transposed() : b
    let product = storedA.multiplied(by: storedB, transposeSelf: transposeA, transposeOther: transposeB)
    let reference = naiveProduct(a, b)
    #expect(product.rows == 13 && product.columns == 17)
    // 29 terms of magnitude ≤ 1 in float32: error ≤ 29 · 2⁻²⁴ · 29 ≈ 5e-5.
    for (x, y) in zip(product.storage, reference) { #expect(abs(Double(x) - y) < 1e-4) }
  }

  @Test func accumulatingProductUsesBeta() {
    let a = Matrix([[1, 2], [3, 4]])
    var c = Matrix([[1, 1], [1, 1]])
    c.assignProduct(a, a, alpha: 2, beta: 3)
    #expect(c == Matrix([[17, 23], [33, 47]]))
  }

  @Test func blasKernelPassesSelfCheck() throws {
    let error = try BLASKernel.verifyMatrixMultiply()
    #expect(error < 1e-4)
    #expect(!BLASKernel.current.coreName.isEmpty)
  }

  @Test func gatheringRowsCopiesInOrder() {
    let m = Matrix([[1, 2], [3, 4], [5, 6]])
    #expect(m.rows(at: [2, 0]) == Matrix([[5, 6], [1, 2]]))
    #expect(m.transposed() == Matrix([[1, 3, 5], [2, 4, 6]]))
  }
}

@Suite struct BLASKernelChoiceTests {
  static let skylakeFlags: Set<String> = ["avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]

  @Test func genericKernelOnAVX512GetsSkylakeX() {
    #expect(BLASKernel.recommendedCoreType(activeCore: "Prescott", cpuFlags: Self.skylakeFlags) == "SkylakeX")
  }

  @Test func genericKernelOnAVX2GetsHaswell() {
    #expect(BLASKernel.recommendedCoreType(activeCore: "Prescott", cpuFlags: ["avx2", "fma", "sse4_2"]) == "Haswell")
  }

  @Test(arguments: ["Haswell", "SkylakeX", "Cooperlake", "Zen", "SAPPHIRERAPIDS"])
  func vectorKernelsAreLeftAlone(core: String) {
    #expect(BLASKernel.recommendedCoreType(activeCore: core, cpuFlags: Self.skylakeFlags) == nil)
  }

  @Test func oldCPUGetsNoAdvice() {
    #expect(BLASKernel.recommendedCoreType(activeCore: "Core2", cpuFlags: ["sse2", "ssse3"]) == nil)
  }

  @Test func adviceNamesTheFix() {
    let kernel = BLASKernel(
      coreName: "Prescott", configuration: "", requestedCoreType: nil, cpuFeatures: ["avx512f"], threads: 2,
      recommendedCoreType: "SkylakeX")
    #expect(kernel.advice.contains("OPENBLAS_CORETYPE=SkylakeX"))
  }
}
