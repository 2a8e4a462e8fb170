import ShiftKit

/// An error whose exit status the command line documents: 1 for bad input or usage (the
/// default), 2 when the computation failed (training diverged, a solver did not converge).
protocol ExitStatusProviding: Error, CustomStringConvertible {
  /// The process's exit status for this error.
  var exitStatus: Int32 { get }
}

extension ExitStatusProviding {
  var exitStatus: Int32 { 1 }
}

/// A failure the CLI reports itself, with its exit status.
struct CLIFailure: ExitStatusProviding {
  /// What went wrong, naming the file or option.
  var message: String
  /// 1 (bad input) unless given.
  var exitStatus: Int32 = 1

  var description: String { message }
}

// Bad input: the message names the file, line and column or the argument.
extension DatasetError: ExitStatusProviding {}
extension ShiftDetectionError: ExitStatusProviding {}
extension PerformanceEstimationError: ExitStatusProviding {}
extension WorkflowError: ExitStatusProviding {}

// Errors that are bad input or a failed computation, case by case.
extension LinearAlgebraError: ExitStatusProviding {
  var exitStatus: Int32 { 2 }
}

extension NeuralNetworkError: ExitStatusProviding {
  var exitStatus: Int32 {
    if case .diverged = self { return 2 }
    return 1
  }
}

extension DomainClassifierError: ExitStatusProviding {
  var exitStatus: Int32 {
    if case .fitFailed = self { return 2 }
    return 1
  }
}

extension ShiftEstimationError: ExitStatusProviding {
  var exitStatus: Int32 {
    if case .invalidInput = self { return 1 }
    return 2
  }
}
