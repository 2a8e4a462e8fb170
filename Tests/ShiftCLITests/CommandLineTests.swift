import Foundation
import Testing

@testable import shiftcli

/// End-to-end runs of `shiftcli` on small data: in-process through ``ShiftCLI/outcome(of:)``
/// (the whole command line: parsing, the command, exit statuses and messages), and through the
/// built binary where the process itself matters (progress on stderr, the BLAS kernel chosen at
/// start, exit statuses as the shell sees them).
@Suite final class CommandLineTests {
  typealias Outcome = ShiftCLI.Outcome

  /// The `shiftcli` built next to this test bundle.
  static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    .appendingPathComponent("shiftcli")
  static let letters = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../Datasets/letter-recognition.csv").standardized.path

  let directory: URL

  init() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  }

  /// Each test's files go with it.
  deinit { try? FileManager.default.removeItem(at: directory) }

  /// Runs the command line in this process (progress lines, if not `--quiet`, go to this
  /// process's stderr and are not in the outcome).
  func run(_ arguments: [String]) throws -> Outcome { ShiftCLI.outcome(of: arguments) }

  /// Runs the built binary, with `environment` added to this process's.
  func runBinary(_ arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
    let executable = try #require(
      FileManager.default.isExecutableFile(atPath: Self.binary.path) ? Self.binary : nil, "build shiftcli first")
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Outcome(
      status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
      stderr: String(decoding: stderr, as: UTF8.self))
  }

  /// The data rows `ranges` of the CSV `file`, each written as a shard, profiled with
  /// `reference` (and `options`) and merged (checked at every step): the merged profile's path,
  /// `name`.json.
  func mergedProfile(
    of file: String, ranges: [Range<Int>], reference: String, name: String, options: [String] = []
  ) throws -> String {
    var lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
    let header = lines.removeFirst()
    var shards: [String] = []
    for (index, range) in ranges.enumerated() {
      let shard = try write("\(name)-\(index).csv", ([header] + lines[range]).joined(separator: "\n") + "\n")
      let profile = directory.appendingPathComponent("\(name)-\(index).json").path
      let made = try run(["profile", "--reference", reference, "--data", shard, "--out", profile, "--quiet"] + options)
      #expect(made.status == 0, "\(made.stderr)")
      shards.append(profile)
    }
    let merged = directory.appendingPathComponent("\(name).json").path
    let merging = try run(["merge"] + shards + ["--out", merged, "--quiet"])
    #expect(merging.status == 0, "\(merging.stderr)")
    return merged
  }

  func write(_ name: String, _ text: String) throws -> String {
    let path = directory.appendingPathComponent(name).path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  /// The first `rows` data rows of the bundled letter-recognition file.
  func letterSubset(_ rows: Int) throws -> String {
    let lines = try String(contentsOfFile: Self.letters, encoding: .utf8).split(separator: "\n")
    return try write("letters.csv", lines.prefix(rows + 1).joined(separator: "\n") + "\n")
  }

  @Test func trainThenEvaluateOnCSV() throws {
    let data = try letterSubset(3000)
    let model = directory.appendingPathComponent("letters.model").path
    let train = try run([
      "train", "--data", data, "--label", "lettr", "--hidden", "64", "--optimizer", "adam", "--epochs", "15",
      "--batch-size", "64", "--seed", "3", "--model-out", model, "--json", "--quiet",
    ])
    #expect(train.status == 0, "\(train.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(train.stdout.utf8)) as? [String: Any])
    let accuracy = try #require(json["testAccuracy"] as? Double)
    // 26 classes: chance is 3.8 %; an MLP on 2400 rows reaches ≈ 75 %. 50 % separates working from broken.
    #expect(accuracy > 0.5)
    #expect(json["secondsPerEpoch"] is Double)
    let epochs = try #require(json["epochs"] as? [[String: Any]])
    #expect(epochs.count == 15)
    #expect(Set(epochs[0].keys).isSuperset(of: ["epoch", "loss", "trainAccuracy", "seconds"]))
    #expect(train.stderr.isEmpty)

    let evaluate = try run(["evaluate", "--model", model, "--data", data, "--label", "lettr", "--json"])
    #expect(evaluate.status == 0, "\(evaluate.stderr)")
    let metrics = try #require(try JSONSerialization.jsonObject(with: Data(evaluate.stdout.utf8)) as? [String: Any])
    #expect((metrics["accuracy"] as? Double ?? 0) > 0.5)
    #expect((metrics["confusionMatrix"] as? [[Int]])?.count == 26)
    let human = try run(["evaluate", "--model", model, "--data", data, "--label", "lettr"])
    #expect(human.stdout.contains("macro-F1") && human.stdout.contains("confusion matrix"))
  }

  @Test func progressGoesToStderr() throws {
    let data = try letterSubset(300)
    let result = try runBinary(["train", "--data", data, "--label", "lettr", "--hidden", "8", "--epochs", "2"])
    #expect(result.status == 0)
    #expect(result.stderr.contains("epoch 2/2"))
    #expect(result.stdout.contains("test accuracy"))
  }

  @Test func missingFileIsNamed() throws {
    let result = try runBinary(["train", "--data", "/nonexistent/x.csv", "--label", "y"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("error: /nonexistent/x.csv: cannot read: no such file"))
  }

  @Test func wrongLabelColumn() throws {
    let data = try write("a.csv", "a,b\n1,2\n3,4\n")
    let result = try run(["train", "--data", data, "--label", "class"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("no column named 'class'"))
  }

  /// Text in a source column makes it categorical; in a later file's numeric column it is an
  /// error naming the line and column.
  @Test func badCellNamesLineAndColumn() throws {
    let rows = (0..<40).map { "\($0 % 7),\($0 % 2 == 0 ? "x" : "z")" }
    let data = try write("good.csv", "a,y\n" + rows.joined(separator: "\n") + "\n")
    let model = directory.appendingPathComponent("bad-cell.model").path
    #expect(
      try run(["train", "--data", data, "--label", "y", "--epochs", "1", "--model-out", model, "--quiet"]).status == 0)
    let bad = try write("bad.csv", "a,y\n1,x\n2,z\nfoo,x\n")
    let result = try run(["evaluate", "--model", model, "--data", bad, "--label", "y"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("bad.csv:4:1: column 'a': 'foo' is not a finite number"), "\(result.stderr)")
  }

  @Test func oneClassIsRejected() throws {
    let data = try write("one.csv", "a,y\n1,x\n2,x\n")
    let result = try run(["train", "--data", data, "--label", "y"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("need at least two classes"))
  }

  @Test func usageErrorsExitWithOne() throws {
    let data = try write("ok.csv", "a,y\n1,x\n2,z\n")
    for arguments in [
      ["train", "--data", data],
      ["train", "--data", data, "--label", "y", "--hidden", "256,x"],
      ["train", "--data", data, "--label", "y", "--init", "uniform"],
      ["train", "--data", data, "--label", "y", "--dropout", "1"],
    ] {
      let result = try runBinary(arguments)
      #expect(result.status == 1, "\(arguments)")
      #expect(!result.stderr.isEmpty)
    }
  }

  @Test func failedRunLeavesNoModelFile() throws {
    let data = try write("bad.csv", "a,y\n1,x\nNA,z\n")
    let model = directory.appendingPathComponent("never.model").path
    let result = try run(["train", "--data", data, "--label", "y", "--model-out", model])
    #expect(result.status == 1)
    #expect(!FileManager.default.fileExists(atPath: model))
  }

  @Test func corruptModelIsRejected() throws {
    let model = try write("fake.model", "not a model")
    let data = try write("ok.csv", "a,y\n1,x\n2,z\n")
    let result = try run(["evaluate", "--model", model, "--data", data, "--label", "y"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("not a ShiftKit model file"))
  }

  @Test func diagnoseReportsTheKernel() throws {
    let result = try run(["diagnose", "--json"])
    #expect(result.status == 0)
    let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    let kernel = try #require(json["kernel"] as? [String: Any])
    #expect((kernel["coreName"] as? String)?.isEmpty == false)
    #expect((json["gemmSelfCheckRelativeError"] as? Double ?? 1) < 1e-4)
  }

  /// An explicitly requested generic kernel is respected (no re-execution), still computes
  /// correct products, and the advice names the faster kernel this CPU could run.
  @Test func explicitGenericKernelIsRespectedAndExplained() throws {
    let result = try runBinary(["diagnose", "--json"], environment: ["OPENBLAS_CORETYPE": "Prescott"])
    #expect(result.status == 0)
    let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    let kernel = try #require(json["kernel"] as? [String: Any])
    #expect(kernel["coreName"] as? String == "Prescott")
    #expect((json["gemmSelfCheckRelativeError"] as? Double ?? 1) < 1e-4)
    if let better = kernel["recommendedCoreType"] as? String {
      #expect((json["advice"] as? String)?.contains("OPENBLAS_CORETYPE=\(better)") == true)
    }
  }
}
