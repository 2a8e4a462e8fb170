import ArgumentParser
import Foundation
import ShiftKit

extension ShiftCLI {
  /// `shiftcli diagnose`: which BLAS kernel runs, and whether it computes correctly.
  struct Diagnose: ShiftCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show the active OpenBLAS kernel, the CPU's vector extensions and a GEMM self-check.")

    @OptionGroup var threadOptions: ThreadOptions
    @OptionGroup var output: OutputOptions

    struct Report: Encodable {
      var kernel: BLASKernel
      var advice: String
      var gemmSelfCheckRelativeError: Double
    }

    func execute() throws -> String {
      threadOptions.apply()
      let kernel = BLASKernel.current
      let error = try BLASKernel.verifyMatrixMultiply()
      return try output.render(Report(kernel: kernel, advice: kernel.advice, gemmSelfCheckRelativeError: error)) {
        [
          kernel.advice, "CPU features: \(kernel.cpuFeatures.joined(separator: ", "))",
          "configuration: \(kernel.configuration)",
          String(format: "sgemm self-check: passed (largest relative error %.1e)", error),
        ].joined(separator: "\n")
      }
    }
  }
}
