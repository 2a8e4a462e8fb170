import ShiftKit

/// An error whose exit status the command line documents: 1 for bad input or usage (the
/// default), 2 when the computation failed (training diverged, a solver did not converge).
protocol ExitStatusProviding: Error, CustomStringConvertible {
  /// The process's exit status for this error.
  var exitStatus: Int32 { get }
  /// Whether the message already names the file it is about (else ``naming(_:in:)`` adds it).
  var namesItsFile: Bool { get }
}

extension ExitStatusProviding {
  var exitStatus: Int32 { 1 }
  var namesItsFile: Bool { false }
}

/// A failure the CLI reports itself, naming the file or option.
struct CLIFailure: ExitStatusProviding {
  /// What went wrong.
  var message: String
  /// 1 (bad input) unless the computation failed (2).
  var exitStatus: Int32 = 1

  var description: String { message }
  var namesItsFile: Bool { true }
}

/// An error of the library about data read from `files`, which its message does not name.
struct InputFileError: ExitStatusProviding {
  /// The files the data came from.
  var files: [String]
  /// The library's error.
  var underlying: any ExitStatusProviding

  var description: String { files.joined(separator: " and ") + ": \(underlying)" }
  var exitStatus: Int32 { underlying.exitStatus }
  var namesItsFile: Bool { true }
}

/// Runs `body` on data read from `files`; an error whose message names no file gets theirs.
func naming<T>(_ files: String..., in body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch let error as ExitStatusProviding where !error.namesItsFile {
    throw InputFileError(files: files, underlying: error)
  }
}

// Bad input.
extension DatasetError: ExitStatusProviding {
  var namesItsFile: Bool {
    if case .invalidArgument = self { return false }
    return true
  }
}
extension ShiftDetectionError: ExitStatusProviding {
  var namesItsFile: Bool {
    if case .invalidReference = self { return true }
    return false
  }
}
extension PerformanceEstimationError: ExitStatusProviding {}
extension WorkflowError: ExitStatusProviding {}
extension SummaryError: ExitStatusProviding {}

// Errors that are bad input or a failed computation, case by case.
extension LinearAlgebraError: ExitStatusProviding {
  var exitStatus: Int32 { 2 }
}

extension NeuralNetworkError: ExitStatusProviding {
  var exitStatus: Int32 {
    switch self {
    case .diverged, .nonFiniteOutput: 2
    default: 1
    }
  }

  var namesItsFile: Bool {
    switch self {
    case .foreignModelFile, .unsupportedModelVersion, .truncatedModelFile, .corruptModelFile, .io: true
    default: false
    }
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
