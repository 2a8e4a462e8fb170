import ArgumentParser
import Foundation
import ShiftKit

extension ShiftCLI {
  /// `shiftcli diagnose`: which BLAS kernel runs, and whether it computes correctly.
  struct Diagnose: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show the active OpenBLAS kernel, the CPU's vector extensions and a GEMM self-check.")

    @OptionGroup var threadOptions: ThreadOptions
    @OptionGroup var output: OutputOptions

    struct Report: Encodable {
      var kernel: BLASKernel
      var advice: String
      var gemmSelfCheckRelativeError: Double
    }

    func run() throws {
      threadOptions.apply()
      let kernel = BLASKernel.current
      let error: Double
      do {
        error = try BLASKernel.verifyMatrixMultiply()
      } catch {
        throw CLIFailure(message: "\(error)", code: 2)
      }
      if output.json {
        try output.printJSON(Report(kernel: kernel, advice: kernel.advice, gemmSelfCheckRelativeError: error))
      } else {
        print(kernel.advice)
        print("CPU features: \(kernel.cpuFeatures.joined(separator: ", "))")
        print("configuration: \(kernel.configuration)")
        print(String(format: "sgemm self-check: passed (largest relative error %.1e)", error))
      }
    }
  }
}
