import Foundation

/// A child process whose standard output and standard error go to one pipe (so they interleave as
/// written) and whose standard input, when asked for, is a pipe the caller writes to.
final class Subprocess {
  let process = Process()
  private let output = Pipe()
  private let input: Pipe?
  private var buffer = Data()

  init(executable: String, arguments: [String], directory: URL, environment: [String: String], withInput: Bool) throws {
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = directory
    process.environment = environment
    process.standardOutput = output
    process.standardError = output
    input = withInput ? Pipe() : nil
    // Writing to a child that has exited must not take the runner down with it.
    if withInput { signal(SIGPIPE, SIG_IGN) }
    process.standardInput = input ?? FileHandle.nullDevice
    do {
      try process.run()
    } catch {
      throw NotebookError.io("cannot run \(executable): \(error.localizedDescription)")
    }
  }

  /// Runs to completion; returns the exit status and everything it printed.
  static func run(
    _ executable: String, _ arguments: [String], in directory: URL, environment: [String: String]
  ) throws -> (status: Int32, output: String) {
    let subprocess = try Subprocess(
      executable: executable, arguments: arguments, directory: directory, environment: environment, withInput: false)
    let text = subprocess.readToEnd()
    subprocess.process.waitUntilExit()
    return (subprocess.process.terminationStatus, text)
  }

  /// What it prints from now until `marker` (returned without the marker), or until it closes its
  /// output (nil marker found: returns everything up to the end, and `reachedEnd` is true).
  func read(until marker: String) -> (text: String, reachedEnd: Bool) {
    let markerBytes = Data(marker.utf8)
    while true {
      if let range = buffer.range(of: markerBytes) {
        let text = String(decoding: buffer[buffer.startIndex..<range.lowerBound], as: UTF8.self)
        buffer = Data(buffer[range.upperBound...])
        return (text, false)
      }
      let chunk = output.fileHandleForReading.availableData
      if chunk.isEmpty {
        let text = String(decoding: buffer, as: UTF8.self)
        buffer = Data()
        return (text, true)
      }
      buffer.append(chunk)
    }
  }

  /// Everything it prints until it closes its output.
  func readToEnd() -> String {
    buffer.append(output.fileHandleForReading.readDataToEndOfFile())
    defer { buffer = Data() }
    return String(decoding: buffer, as: UTF8.self)
  }

  /// Sends one line to its standard input (nothing happens if it has already exited).
  func send(line: String) {
    try? input?.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
  }

  /// Stops it if it is still running.
  func terminate() {
    guard process.isRunning else { return }
    process.terminate()
    process.waitUntilExit()
  }

  /// Closes its standard input and waits for it to exit; returns the exit status.
  func finish() -> Int32 {
    try? input?.fileHandleForWriting.close()
    process.waitUntilExit()
    return process.terminationStatus
  }
}
