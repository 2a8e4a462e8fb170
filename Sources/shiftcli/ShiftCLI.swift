import ArgumentParser
import Foundation
import ShiftKit

/// `shiftcli`: distribution-shift correction and evaluation from the command line.
@main
struct ShiftCLI: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "shiftcli",
    abstract: "Train classifiers and correct them for distribution shift.",
    discussion: """
      Exit codes: 0 success; 1 bad input or usage (the message names the file, line and column \
      or the argument); 2 the computation failed (training diverged, a solver did not \
      converge).

      BLAS: on start, if OpenBLAS chose a generic kernel on a CPU with AVX2 or AVX-512 and \
      OPENBLAS_CORETYPE is unset, shiftcli restarts itself with the faster kernel. \
      `shiftcli diagnose` shows which kernel runs.
      """,
    version: "shiftcli 0.1.0",
    subcommands: [Train.self, Evaluate.self, Estimate.self, Detect.self, Correct.self, Simulate.self, Demo.self, Diagnose.self])

  static func main() {
    BLASKernel.ensureOptimizedKernel()
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch let error as ExitStatusProviding {
      FileHandle.standardError.write(Data("error: \(error)\n".utf8))
      Foundation.exit(error.exitStatus)
    } catch {
      let code = exitCode(for: error)
      if code == .success || code == .failure {
        exit(withError: error)
      }
      // Usage errors (ArgumentParser's 64) are reported with the documented code 1.
      FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
      Foundation.exit(1)
    }
  }
}
