import ShiftKit

/// An error whose exit status the command line documents: 1 for bad input or usage, 2 when the
/// computation failed (training diverged, a solver did not converge).
protocol ExitStatusProviding: Error, CustomStringConvertible {
  /// The process's exit status for this error.
  var exitStatus: Int32 { get }
}

/// A failure the CLI reports itself, with its exit status.
struct CLIFailure: ExitStatusProviding {
  /// What went wrong, naming the file or option.
  var message: String
  /// 1 (bad input) unless given.
  var exitStatus: Int32 = 1

  var description: String { message }
}

extension LinearAlgebraError: ExitStatusProviding {
  var exitStatus: Int32 { 2 }
}

extension DatasetError: ExitStatusProviding {
  var exitStatus: Int32 { 1 }
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

extension ShiftDetectionError: ExitStatusProviding {
  var exitStatus: Int32 { 1 }
}

extension ShiftEstimationError: ExitStatusProviding {
  var exitStatus: Int32 {
    if case .invalidInput = self { return 1 }
    return 2
  }
}

extension PerformanceEstimationError: ExitStatusProviding {
  var exitStatus: Int32 { 1 }
}

extension WorkflowError: ExitStatusProviding {
  var exitStatus: Int32 { 1 }
}
