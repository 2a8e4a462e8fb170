import ArgumentParser
import Foundation
import LinearAlgebra
import Notebooks

/// Runs the Markdown notebooks in `Notebooks-md/` and keeps their outputs true.
@main
struct ShiftNotebook: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "shift-notebook",
    abstract: "Run Markdown notebooks and rewrite, or check, their captured outputs.",
    discussion: """
      A notebook is Markdown whose ```swift and ```sh blocks run, in order, in a fresh temporary \
      directory (with a link Datasets to ./Datasets); each block's output goes in the ```output \
      block under it. Swift blocks are compiled together into one program against ShiftKit, so \
      later blocks see earlier declarations. Build first, from the repository root:

        swift build -c release && .build/release/shift-notebook check

      Format details: Notebooks-md/README.md.
      """,
    subcommands: [Run.self, Check.self])

  struct Options: ParsableArguments {
    @Argument(help: "Notebooks to run (default: Notebooks-md/[0-9]*.md).")
    var files: [String] = []

    @Option(help: "The build with libShiftKitDynamic.so, Modules/ and shiftcli (default: this executable's directory).")
    var buildDir: String?

    @Option(help: "The package's root (its Sources/*/module.modulemap are needed to compile Swift blocks).")
    var packageDir = "."

    @Option(help: "Linked as Datasets into each work directory.")
    var datasets = "Datasets"

    @Flag(help: "Keep each work directory and print where it is.")
    var keepWorkDir = false

    @Option(
      help: ArgumentHelp(
        "OpenBLAS kernel for the cells (OPENBLAS_CORETYPE); 'environment' leaves it to the environment.",
        discussion:
          "The committed outputs were made with Haswell (any x86-64 CPU with AVX2 and FMA runs it) and 2 threads; another kernel or thread count can change the last digits."
      ))
    var blasCore = "Haswell"

    @Option(help: "OPENBLAS_NUM_THREADS for the cells (0: leave it to the environment).")
    var blasThreads = 2

    func notebooks() throws -> [URL] {
      if !files.isEmpty { return files.map { URL(fileURLWithPath: $0) } }
      let directory = "Notebooks-md"
      guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
        throw ValidationError("no notebooks given, and there is no \(directory)/ here (run from the repository root)")
      }
      return names.filter { $0.hasSuffix(".md") && $0.first?.isNumber == true }.sorted()
        .map { URL(fileURLWithPath: directory).appendingPathComponent($0) }
    }

    func runner() throws -> NotebookRunner {
      let build =
        buildDir.map { URL(fileURLWithPath: $0) }
        ?? Bundle.main.executableURL?.resolvingSymlinksInPath().deletingLastPathComponent()
      guard let build else { throw ValidationError("cannot tell where this executable is: pass --build-dir") }
      var isDirectory: ObjCBool = false
      let datasets =
        FileManager.default.fileExists(atPath: datasets, isDirectory: &isDirectory) && isDirectory.boolValue
        ? URL(fileURLWithPath: datasets).standardizedFileURL : nil
      var runner = try NotebookRunner(
        buildDirectory: build.standardizedFileURL,
        packageDirectory: URL(fileURLWithPath: packageDir).standardizedFileURL,
        datasetsDirectory: datasets)
      runner.keepWorkDirectory = keepWorkDir
      runner.blasCoreType = blasCore == "environment" ? nil : blasCore
      runner.blasThreads = blasThreads > 0 ? blasThreads : nil
      let flags = BLASKernel.cpuFlags()
      if blasCore.lowercased() == "haswell", !flags.isEmpty, !(flags.contains("avx2") && flags.contains("fma")) {
        throw ValidationError(
          "this CPU lacks AVX2/FMA, which OpenBLAS's Haswell kernel needs: pass --blas-core environment "
            + "(outputs may then differ from the committed ones in their last digits)")
      }
      return runner
    }
  }

  struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run notebooks and rewrite their outputs, shown values and figures (--check: only compare).",
      discussion: """
        A notebook whose run fails is left as it was; the others are still run. With --check \
        nothing is written: a stale output, value or figure is shown as a diff. Timings (a number \
        followed by ns, µs, ms, s, min or h) are ignored. Exit status 1 when any notebook failed \
        (or, with --check, is stale).
        """)

    @OptionGroup var options: Options

    @Flag(help: "Compare with the committed outputs instead of rewriting them (as `shift-notebook check`).")
    var check = false

    func run() throws { try runNotebooks(options, check: check) }
  }

  struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Run notebooks and fail, with a diff, when a committed output is stale (run --check).",
      discussion: """
        Timings (a number followed by ns, µs, ms, s, min or h) are ignored. Every notebook is \
        checked even when one fails or is stale. Exit status 1 when any is.
        """)

    @OptionGroup var options: Options

    func run() throws { try runNotebooks(options, check: true) }
  }
}

/// Runs every notebook; rewrites it, or with `check` compares it with the run. Exits with status 1
/// naming the notebooks that failed or are stale.
func runNotebooks(_ options: ShiftNotebook.Options, check: Bool) throws {
  let runner = try options.runner()
  var failed: [String] = []
  for url in try options.notebooks() {
    do {
      let file = try NotebookFile(url: url)
      let result = try runner.run(file.notebook, file: url.relativePath)
      if check {
        let problems = try file.staleness(against: result)
        print("\(url.relativePath): \(summary(file.notebook, result)) — \(problems.isEmpty ? "up to date" : "STALE")")
        for problem in problems { print(problem) }
        if !problems.isEmpty { failed.append(url.relativePath) }
      } else {
        let changed = try file.update(from: result)
        print("\(url.relativePath): \(summary(file.notebook, result)) — \(changed ? "updated" : "unchanged")")
      }
    } catch {
      print("\(url.relativePath): FAILED\n\(error)")
      failed.append(url.relativePath)
    }
  }
  guard !failed.isEmpty else { return }
  FileHandle.standardError.write(
    Data("\(check ? "stale or failing" : "failed"): \(failed.joined(separator: ", "))\n".utf8))
  throw ExitCode.failure
}

/// "9 cells (7 swift, 2 sh) in 12.3 s".
func summary(_ notebook: Notebook, _ run: NotebookRun) -> String {
  let swift = notebook.cells.filter { $0.language == .swift }.count
  return "\(notebook.cells.count) cells (\(swift) swift, \(notebook.cells.count - swift) sh) in "
    + String(format: "%.1f s", run.seconds)
}
