import Foundation

/// What running a notebook produced.
public struct NotebookRun: Sendable {
  /// Each cell's output, in order (the work directory's path shown as `.`).
  public var outputs: [String]
  /// The values the cells recorded (the last one recorded under a name wins).
  public var values: [String: String]
  /// The files the cells wrote under `figures/` in the work directory, by path below it.
  public var figures: [String: Data]
  /// Wall-clock time of the run.
  public var seconds: Double
}

/// Runs a notebook's cells in order in a fresh temporary directory.
///
/// Swift cells are compiled (`swiftc -O`) into one program against the ShiftKit build in
/// ``buildDirectory`` (its `Modules/` and `libShiftKitDynamic.so`) and the C module maps of
/// ``packageDirectory`` (`Sources/*/module.modulemap`); shell cells run in Bash
/// with ``buildDirectory`` first on the `PATH`, so `shiftcli` is the one built with the library.
/// The work directory holds a link `Datasets` to ``datasetsDirectory`` and, for the cells'
/// `notebookValue(_:_:)` (or `echo name=value >> "$NOTEBOOK_VALUES"`), a values file outside it.
public struct NotebookRunner: Sendable {
  /// Where the library and `shiftcli` were built (e.g. `.build/release`).
  public var buildDirectory: URL
  /// The package's root, whose `Sources/*/module.modulemap` the library was built with.
  public var packageDirectory: URL
  /// Linked as `Datasets` into every work directory, when given.
  public var datasetsDirectory: URL?
  /// Keeps the work directory (and prints where it is) instead of deleting it.
  public var keepWorkDirectory = false
  /// The OpenBLAS kernel the cells run with (`OPENBLAS_CORETYPE`); nil: whatever the environment
  /// gives. Floating-point results depend on the kernel and, for some reductions, on the thread
  /// count, so the committed outputs are reproducible only with the ones they were made with.
  public var blasCoreType: String? = "Haswell"
  /// `OPENBLAS_NUM_THREADS` for the cells; nil: whatever the environment gives.
  public var blasThreads: Int? = 2

  /// A runner against the build in `buildDirectory` and the package in `packageDirectory`.
  public init(buildDirectory: URL, packageDirectory: URL, datasetsDirectory: URL?) throws {
    self.buildDirectory = buildDirectory
    self.packageDirectory = packageDirectory
    self.datasetsDirectory = datasetsDirectory
    let manager = FileManager.default
    guard manager.fileExists(atPath: packageDirectory.appendingPathComponent("Package.swift").path) else {
      throw NotebookError.missingBuild("\(packageDirectory.path) is not the package's root (it has no Package.swift)")
    }
  }

  /// `-I` for every directory of `Sources/` that holds a C module map.
  var moduleMapSearchPaths: [String] {
    let sources = packageDirectory.appendingPathComponent("Sources")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: sources.path)) ?? []
    return names.sorted().flatMap { name -> [String] in
      let directory = sources.appendingPathComponent(name)
      let map = directory.appendingPathComponent("module.modulemap").path
      return FileManager.default.fileExists(atPath: map) ? ["-I", directory.path] : []
    }
  }

  /// Runs every cell of `notebook` (read from `file`, which compiler errors and failures name).
  public func run(_ notebook: Notebook, file: String) throws -> NotebookRun {
    let start = Date()
    let manager = FileManager.default
    let root = manager.temporaryDirectory.appendingPathComponent("notebook-\(UUID().uuidString)")
    let work = root.appendingPathComponent("work")
    let build = root.appendingPathComponent("build")
    let valuesFile = root.appendingPathComponent("values")
    do {
      try manager.createDirectory(at: work, withIntermediateDirectories: true)
      try manager.createDirectory(at: build, withIntermediateDirectories: true)
      if let datasetsDirectory {
        try manager.createSymbolicLink(
          at: work.appendingPathComponent("Datasets"), withDestinationURL: datasetsDirectory)
      }
    } catch {
      throw NotebookError.io("cannot create the work directory \(work.path): \(error.localizedDescription)")
    }
    defer {
      if keepWorkDirectory {
        FileHandle.standardError.write(Data("kept the work directory of \(file): \(work.path)\n".utf8))
      } else {
        try? manager.removeItem(at: root)
      }
    }

    let environment = cellEnvironment(valuesFile: valuesFile)
    let cells = notebook.cells
    // Compiled up front (so a compile error costs no cell runs), started at the first Swift cell
    // (so that shell cells before it have run).
    var executable: URL? = nil
    var program: Subprocess? = nil
    if cells.contains(where: { $0.language == .swift }) {
      for needed in ["libShiftKitDynamic.so", "Modules/ShiftKit.swiftmodule"]
      where !manager.fileExists(atPath: buildDirectory.appendingPathComponent(needed).path) {
        throw NotebookError.missingBuild(
          "\(buildDirectory.path) has no \(needed): build everything first (swift build -c release)")
      }
      executable = try compile(cells: cells, file: file, in: build)
    }
    // A failure stops the program too (it would otherwise run its remaining cells unattended).
    defer { program?.terminate() }

    var outputs: [String] = []
    for cell in cells {
      switch cell.language {
      case .swift:
        guard let executable else { preconditionFailure("compiled when there are Swift cells") }
        if let program {
          program.send(line: "")
        } else {
          var programEnvironment = environment
          programEnvironment["SWIFT_BACKTRACE"] = "enable=no"  // the error message, not pages of registers
          program = try Subprocess(
            executable: executable.path, arguments: [], directory: work, environment: programEnvironment,
            withInput: true)
        }
        let (text, reachedEnd) = program!.read(until: SwiftCellProgram.cellEndMarker)
        if reachedEnd {
          let status = program!.finish()
          let reason =
            program!.process.terminationReason == .uncaughtSignal
            ? "crashed (\(Self.describe(signal: status)))" : "ended the program with exit status \(status)"
          throw NotebookError.cellFailed(
            file: file, line: cell.line, reason: reason, output: Self.tidy(text, work: work))
        }
        outputs.append(Self.tidy(text, work: work))
      case .shell:
        outputs.append(Self.tidy(try runShell(cell, file: file, in: work, environment: environment), work: work))
      }
    }
    if let program {
      program.send(line: "")
      let rest = program.readToEnd()
      let status = program.finish()
      guard status == 0 else {
        throw NotebookError.cellFailed(
          file: file, line: cells.last(where: { $0.language == .swift })!.line,
          reason: "left the program with exit status \(status)", output: rest)
      }
    }

    let values = try Self.readValues(valuesFile)
    for (name, _) in notebook.values where values[name] == nil {
      throw NotebookError.unknownValue(file: file, name: name)
    }
    return NotebookRun(
      outputs: outputs, values: values, figures: try Self.readFigures(in: work.appendingPathComponent("figures")),
      seconds: Date().timeIntervalSince(start))
  }

  /// The environment of every cell: `shiftcli` first on the `PATH`, where values go, and what
  /// makes outputs reproducible.
  func cellEnvironment(valuesFile: URL) -> [String: String] {
    var environment = ProcessInfo.processInfo.environment
    environment["PATH"] = buildDirectory.path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
    environment["NOTEBOOK_VALUES"] = valuesFile.path
    // Outputs must not depend on the caller's terminal or locale: help text wraps at COLUMNS,
    // and `ls` and `sort` order by the locale's collation.
    environment["COLUMNS"] = "80"
    environment["LC_ALL"] = "C.UTF-8"
    if let blasCoreType { environment["OPENBLAS_CORETYPE"] = blasCoreType }
    if let blasThreads { environment["OPENBLAS_NUM_THREADS"] = String(blasThreads) }
    return environment
  }

  /// Runs a shell cell in Bash; returns its output (ending in the exit status for `expect-failure`).
  func runShell(_ cell: Cell, file: String, in work: URL, environment: [String: String]) throws -> String {
    let (status, output) = try Subprocess.run(
      "/bin/bash", ["-e", "-o", "pipefail", "-c", cell.source], in: work, environment: environment)
    switch (cell.expectsFailure, status == 0) {
    case (false, true):
      return output
    case (false, false):
      throw NotebookError.cellFailed(
        file: file, line: cell.line, reason: "failed with exit status \(status)", output: Self.tidy(output, work: work))
    case (true, true):
      throw NotebookError.cellFailed(
        file: file, line: cell.line, reason: "was expected to fail but exited with status 0",
        output: Self.tidy(output, work: work))
    case (true, false):
      return output + (output.isEmpty || output.hasSuffix("\n") ? "" : "\n") + "[exit status \(status)]\n"
    }
  }

  /// Compiles the Swift cells into an executable in `directory`.
  func compile(cells: [Cell], file: String, in directory: URL) throws -> URL {
    let prelude = directory.appendingPathComponent("Prelude.swift")
    let main = directory.appendingPathComponent("main.swift")
    let executable = directory.appendingPathComponent("notebook")
    do {
      try SwiftCellProgram.prelude.write(to: prelude, atomically: true, encoding: .utf8)
      try SwiftCellProgram.main(cells: cells, file: file).write(to: main, atomically: true, encoding: .utf8)
    } catch {
      throw NotebookError.io("cannot write the notebook program in \(directory.path): \(error.localizedDescription)")
    }
    let lib = buildDirectory.path
    let (status, diagnostics) = try Subprocess.run(
      "/usr/bin/env",
      [
        "swiftc", "-O", "-module-name", "NotebookCells", "-I", lib + "/Modules", "-L", lib, "-lShiftKitDynamic",
        "-Xlinker", "-rpath", "-Xlinker", lib, main.path, prelude.path, "-o", executable.path,
      ] + moduleMapSearchPaths,
      in: directory, environment: ProcessInfo.processInfo.environment)
    guard status == 0 else { throw NotebookError.compilation(file: file, diagnostics: diagnostics) }
    if !diagnostics.isEmpty { FileHandle.standardError.write(Data(diagnostics.utf8)) }
    return executable
  }

  /// "signal 4, SIGILL: a Swift runtime trap (…)".
  static func describe(signal: Int32) -> String {
    switch signal {
    case SIGILL, SIGTRAP:
      "signal \(signal): a Swift runtime trap, such as an index out of range, a nil force-unwrapped or an arithmetic overflow"
    case SIGSEGV: "signal \(signal): a segmentation fault"
    case SIGABRT: "signal \(signal): aborted"
    case SIGKILL: "signal \(signal): killed (out of memory?)"
    default: "signal \(signal)"
    }
  }

  /// A cell's output as the notebook shows it: the work directory's path as `.`, one final newline.
  static func tidy(_ output: String, work: URL) -> String {
    var text = output.replacingOccurrences(of: work.path + "/", with: "").replacingOccurrences(of: work.path, with: ".")
    while text.hasSuffix("\n\n") { text.removeLast() }
    if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
    return text
  }

  /// The `name=value` lines the cells appended to `file`; a later line wins.
  static func readValues(_ file: URL) throws -> [String: String] {
    guard FileManager.default.fileExists(atPath: file.path) else { return [:] }
    guard let text = try? String(contentsOf: file, encoding: .utf8) else {
      throw NotebookError.io("cannot read the recorded values in \(file.path)")
    }
    var values: [String: String] = [:]
    for line in text.split(separator: "\n") {
      guard let equals = line.firstIndex(of: "=") else { continue }
      values[String(line[..<equals])] = String(line[line.index(after: equals)...])
    }
    return values
  }

  /// Every file below `directory` (none when it does not exist), by relative path.
  static func readFigures(in directory: URL) throws -> [String: Data] {
    let manager = FileManager.default
    guard let enumerator = manager.enumerator(atPath: directory.path) else { return [:] }
    var figures: [String: Data] = [:]
    for case let path as String in enumerator {
      var isDirectory: ObjCBool = false
      let url = directory.appendingPathComponent(path)
      guard manager.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
      guard let data = manager.contents(atPath: url.path) else { throw NotebookError.io("cannot read \(url.path)") }
      figures[path] = data
    }
    return figures
  }
}
