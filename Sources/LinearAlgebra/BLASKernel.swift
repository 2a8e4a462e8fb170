internal import CGSL
import Foundation

/// Which OpenBLAS compute kernel is active, whether the CPU could run a faster one, and how to get it.
///
/// Debian's OpenBLAS 0.3.21 does not recognise some AVX-512 CPUs and falls back to a generic
/// SSE kernel (`Prescott`), about 5× slower for `sgemm`. OpenBLAS reads `OPENBLAS_CORETYPE` once,
/// when the library is loaded, so the fix must be in the environment before the process starts:
/// executables call ``ensureOptimizedKernel(arguments:)`` first thing in `main`, which re-executes
/// the process with the variable set; library users read ``current`` and its ``advice``.
public struct BLASKernel: Sendable, Codable, Equatable {
  /// `openblas_get_corename()`, e.g. `Haswell`, `SkylakeX`, `Prescott`.
  public var coreName: String
  /// `openblas_get_config()`: version, build options and the kernel.
  public var configuration: String
  /// `OPENBLAS_CORETYPE` as found in this process's environment, if set.
  public var requestedCoreType: String?
  /// The vector extensions of this CPU that matter for kernel choice (`avx512f`, `avx2`, `fma`).
  public var cpuFeatures: [String]
  /// OpenBLAS's thread count for one call.
  public var threads: Int
  /// The kernel this CPU could run when the active one is generic; `nil` when nothing is to gain.
  public var recommendedCoreType: String?

  /// The kernel loaded in this process.
  public static var current: BLASKernel {
    let features = cpuFlags()
    let core = String(cString: openblas_get_corename())
    let requested = ProcessInfo.processInfo.environment[environmentVariable]
    return BLASKernel(
      coreName: core,
      configuration: String(cString: openblas_get_config()).trimmingCharacters(in: .whitespaces),
      requestedCoreType: requested,
      cpuFeatures: ["avx512f", "avx2", "fma"].filter(features.contains),
      threads: BLAS.threadCount,
      recommendedCoreType: recommendedCoreType(activeCore: core, cpuFlags: features))
  }

  /// A sentence for humans: the active kernel and, when it is slower than the CPU allows, the fix.
  public var advice: String {
    var text = "OpenBLAS kernel \(coreName), \(threads) thread\(threads == 1 ? "" : "s")"
    if let requested = requestedCoreType { text += " (OPENBLAS_CORETYPE=\(requested))" }
    if let better = recommendedCoreType {
      text +=
        "; this CPU supports the faster \(better) kernel: start the process with "
        + "OPENBLAS_CORETYPE=\(better) in its environment (setting it after start has no effect)"
    }
    return text
  }

  /// Number of threads OpenBLAS uses for one call (set it to at least 1; OpenBLAS's default is
  /// one per core).
  public static var threadCount: Int {
    get { BLAS.threadCount }
    set { BLAS.threadCount = newValue }
  }

  /// The environment variable OpenBLAS reads at load time to choose its kernel.
  public static let environmentVariable = "OPENBLAS_CORETYPE"
  /// Set in a re-executed child so that it never re-executes again.
  static let reexecMarker = "SHIFTKIT_BLAS_REEXEC"

  /// OpenBLAS x86-64 kernels that use AVX2 or AVX-512: no faster kernel is to be had on x86-64.
  static let vectorKernels: Set<String> = [
    "haswell", "zen", "skylakex", "cooperlake", "sapphirerapids", "excavator",
  ]

  /// The kernel to request, given the active kernel's name and the CPU's flags: `nil` when the
  /// active kernel already uses AVX2/AVX-512 or the CPU has neither.
  public static func recommendedCoreType(activeCore: String, cpuFlags: Set<String>) -> String? {
    if vectorKernels.contains(activeCore.lowercased()) { return nil }
    let avx512 = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]
    if avx512.allSatisfy(cpuFlags.contains) { return "SkylakeX" }
    if cpuFlags.contains("avx2") && cpuFlags.contains("fma") { return "Haswell" }
    return nil
  }

  /// The `flags` line of `/proc/cpuinfo` (empty where there is none).
  public static func cpuFlags() -> Set<String> {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
      let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
      let colon = line.firstIndex(of: ":")
    else { return [] }
    return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
  }

  /// For executables, first thing in `main`: when OpenBLAS fell back to a generic kernel on a
  /// CPU that can do better and `OPENBLAS_CORETYPE` is unset, re-executes the process
  /// (`/proc/self/exe`, same arguments) with the variable set. In the child, checks `sgemm`
  /// against a naive reference and, if the requested kernel computes wrong results, re-executes
  /// once more without it. An explicit `OPENBLAS_CORETYPE` from the user is always respected.
  /// Returns normally when no re-execution is needed or possible.
  public static func ensureOptimizedKernel(arguments: [String] = CommandLine.arguments) {
    let environment = ProcessInfo.processInfo.environment
    switch environment[reexecMarker] {
    case "requested":
      if (try? verifyMatrixMultiply()) == nil {
        unsetenv(environmentVariable)
        setenv(reexecMarker, "fallback", 1)
        reexecute(arguments)
        FileHandle.standardError.write(
          Data("warning: OpenBLAS kernel \(current.coreName) failed its self-check; using the default kernel\n".utf8))
      }
      return
    case .some: return
    case nil: break
    }
    guard environment[environmentVariable] == nil,
      let better = current.recommendedCoreType
    else { return }
    setenv(environmentVariable, better, 1)
    setenv(reexecMarker, "requested", 1)
    reexecute(arguments)
    // execv returned: it failed. Carry on with the generic kernel, and leave no trace.
    unsetenv(environmentVariable)
    unsetenv(reexecMarker)
  }

  private static func reexecute(_ arguments: [String]) {
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
    argv.append(nil)
    execv("/proc/self/exe", &argv)
    for pointer in argv { free(pointer) }
  }

  /// Checks `cblas_sgemm` (all four transpose combinations, odd sizes that exercise the kernel's
  /// edge handling) against a naive double-precision product, so a miscompiled or misdetected
  /// kernel can never pass silently. Returns the largest relative error seen.
  ///
  /// Tolerance: with `k = 97` and entries in [−1, 1], float32 accumulation error is bounded by
  /// about `k · 2⁻²⁴ · Σ|aᵢₖbₖⱼ|`; `1e-4` relative to `Σ|aᵢₖbₖⱼ|` is 17× that bound yet far below
  /// what a wrong kernel (garbage, zeros or missing terms) produces.
  @discardableResult
  public static func verifyMatrixMultiply() throws -> Double {
    var generator = SplitMix64(seed: 0x5EED)
    let (m, n, k) = (67, 45, 97)
    var worst = 0.0
    for (transposeA, transposeB) in [(false, false), (true, false), (false, true), (true, true)] {
      let a = (0..<(m * k)).map { _ in Float(generator.uniformUnit() * 2 - 1) }
      let b = (0..<(k * n)).map { _ in Float(generator.uniformUnit() * 2 - 1) }
      var c = [Float](repeating: .nan, count: m * n)
      let (lda, ldb) = (transposeA ? m : k, transposeB ? k : n)
      BLAS.gemm(
        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
        a: a, lda: lda, b: b, ldb: ldb, c: &c, ldc: n)
      for i in 0..<m {
        for j in 0..<n {
          var exact = 0.0
          var magnitude = 0.0
          for p in 0..<k {
            let x = Double(transposeA ? a[p * m + i] : a[i * k + p])
            let y = Double(transposeB ? b[j * k + p] : b[p * n + j])
            exact += x * y
            magnitude += abs(x * y)
          }
          let error = abs(Double(c[i * n + j]) - exact) / max(magnitude, 1e-30)
          if !(error <= 1e-4) {
            throw LinearAlgebraError.blasSelfCheckFailed(
              kernel: String(cString: openblas_get_corename()), relativeError: error)
          }
          worst = max(worst, error)
        }
      }
    }
    return worst
  }
}
