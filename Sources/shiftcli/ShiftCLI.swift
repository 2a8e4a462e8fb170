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
    subcommands: [
      Train.self, Evaluate.self, Estimate.self, Detect.self, Correct.self, Performance.self, MonitorCommand.self,
      Profile.self, Merge.self, Simulate.self, Demo.self, Schema.self,
      Diagnose.self,
    ])

  /// What one run of the command line produced.
  struct Outcome: Equatable {
    /// The exit status: 0 success, 1 bad input or usage, 2 a failed computation.
    var status: Int32
    /// What goes to stdout.
    var stdout: String
    /// The error message for stderr (progress lines are written to stderr as they happen).
    var stderr: String
  }

  /// The command line of the run in progress, program name first (what reports quote to
  /// reproduce themselves).
  @TaskLocal static var commandLine: [String] = CommandLine.arguments

  /// Parses `arguments` (without the program name), runs the subcommand and maps any error to
  /// its documented exit status and message: the whole command line, callable in-process.
  static func outcome(of arguments: [String], programName: String = "shiftcli") -> Outcome {
    $commandLine.withValue([programName] + arguments) { runCommand(arguments) }
  }

  private static func runCommand(_ arguments: [String]) -> Outcome {
    do {
      var command = try parseAsRoot(arguments)
      if let command = command as? any ShiftCommand {
        return Outcome(status: 0, stdout: try command.execute() + "\n", stderr: "")
      }
      try command.run()
      return Outcome(status: 0, stdout: "", stderr: "")
    } catch let error as ExitStatusProviding {
      return Outcome(status: error.exitStatus, stdout: "", stderr: "error: \(error)\n")
    } catch {
      // ArgumentParser's: help and version requests (success) or usage errors, reported with
      // the documented status 1 (not its 64).
      let message = fullMessage(for: error) + "\n"
      return exitCode(for: error) == .success
        ? Outcome(status: 0, stdout: message, stderr: "") : Outcome(status: 1, stdout: "", stderr: message)
    }
  }

  static func main() {
    BLASKernel.ensureOptimizedKernel()
    let outcome = outcome(
      of: Array(CommandLine.arguments.dropFirst()), programName: CommandLine.arguments.first ?? "shiftcli")
    FileHandle.standardOutput.write(Data(outcome.stdout.utf8))
    FileHandle.standardError.write(Data(outcome.stderr.utf8))
    Foundation.exit(outcome.status)
  }
}
