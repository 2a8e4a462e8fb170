import Datasets
import Foundation
import LinearAlgebra
import NeuralNetwork
import Testing

@testable import shiftcli

/// The inputs that used to crash `shiftcli`, lose a file or pass silently (one test per root
/// cause): each now ends in a clear error with a non-zero status, and leaves nothing behind.
extension CommandLineTests {
  /// A small model file from `train`, its bytes, and the CSV it was trained on.
  func trainedModel() throws -> (model: String, bytes: [UInt8], data: String) {
    let data = try letterSubset(300)
    let model = directory.appendingPathComponent("small.model").path
    let train = try run([
      "train", "--data", data, "--label", "lettr", "--hidden", "4", "--epochs", "1", "--model-out", model, "--quiet",
    ])
    #expect(train.status == 0, "\(train.stderr)")
    return (model, [UInt8](try Data(contentsOf: URL(fileURLWithPath: model))), data)
  }

  /// `bytes` with its JSON header rewritten by `edit` and a fresh, valid checksum.
  func rewritingHeader(of bytes: [UInt8], _ edit: (inout [String: Any]) -> Void) throws -> [UInt8] {
    let length = (0..<8).reduce(0) { $0 | Int(bytes[12 + $1]) << (8 * $1) }
    var header = try #require(try JSONSerialization.jsonObject(with: Data(bytes[20..<(20 + length)])) as? [String: Any])
    edit(&header)
    let json = [UInt8](try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
    var result = Array(bytes[0..<12])
    withUnsafeBytes(of: UInt64(json.count).littleEndian) { result += $0 }
    result += json + bytes[(20 + length)..<(bytes.count - 4)]
    withUnsafeBytes(of: crc32Checksum(result[...]).littleEndian) { result += $0 }
    return result
  }

  func expectFailure(_ arguments: [String], status: Int32 = 1, mentioning text: String) throws {
    let result = try run(arguments)
    #expect(result.status == status, "\(arguments): \(result.stderr)")
    #expect(result.stderr.contains(text), "\(arguments): \(result.stderr)")
  }

  @Test func modelFileSizesAreCheckedBeforeUse() throws {
    let (_, bytes, data) = try trainedModel()
    // A flipped bit in the header-length field.
    var flipped = bytes
    flipped[19] ^= 0x80
    let flippedFile = try write("flipped.model", "")
    try Data(flipped).write(to: URL(fileURLWithPath: flippedFile))
    try expectFailure(
      ["evaluate", "--model", flippedFile, "--data", data, "--label", "lettr"], mentioning: "truncated")
    // Thousands of layers of 16 777 215 units, with a valid checksum.
    let huge = try rewritingHeader(of: bytes) { header in
      header["sizes"] = [16] + [Int](repeating: 16_777_215, count: 3000) + [26]
    }
    let hugeFile = try write("huge.model", "")
    try Data(huge).write(to: URL(fileURLWithPath: hugeFile))
    try expectFailure(
      ["evaluate", "--model", hugeFile, "--data", data, "--label", "lettr"],
      mentioning: "\(hugeFile): corrupt model file: a layer of 16777215 × 16777215 weights")
    // Two layers of 2¹⁶ units: 2³² weights between them, more than BLAS's 32-bit indices reach,
    // refused from the header before the payload's size is compared with the bytes present.
    let wide = try rewritingHeader(of: bytes) { header in header["sizes"] = [16, 65_536, 65_536, 26] }
    let wideFile = try write("wide.model", "")
    try Data(wide).write(to: URL(fileURLWithPath: wideFile))
    try expectFailure(
      ["evaluate", "--model", wideFile, "--data", data, "--label", "lettr"],
      mentioning: "a layer of 65536 × 65536 weights, more than 2147483647")
  }

  @Test func repeatedClassOrFeatureNamesInAModelAreRejected() throws {
    let (_, bytes, data) = try trainedModel()
    let (source, target) = try labelShiftFiles()
    for (key, reason) in [("classes", "a class name appears twice"), ("featureNames", "a feature name appears twice")] {
      let damaged = try rewritingHeader(of: bytes) { header in
        var names = header[key] as? [String] ?? []
        names[1] = names[0]
        header[key] = names
      }
      let file = try write("repeated-\(key).model", "")
      try Data(damaged).write(to: URL(fileURLWithPath: file))
      try expectFailure(["evaluate", "--model", file, "--data", data, "--label", "lettr"], mentioning: reason)
      try expectFailure(
        ["estimate", "--shift", "label", "--source", source, "--target", target, "--label", "lettr", "--model", file],
        mentioning: reason)
    }
  }

  @Test func nonFiniteModelOutputsAreAComputationError() throws {
    var generator = SplitMix64(seed: 1)
    let network = try MLP(sizes: [16, 4, 26], using: &generator)
    let letters = try Dataset(csvFile: Self.letters, labelColumn: "lettr")
    let classifier = Classifier(
      network: network, classes: letters.classes, featureNames: letters.featureNames,
      standardizer: Standardizer(mean: .init(repeating: 0, count: 16), scale: .init(repeating: 1e-45, count: 16)))
    let model = directory.appendingPathComponent("tiny-scale.model").path
    try ModelFile.save(classifier, to: model)
    let data = try letterSubset(50)
    try expectFailure(
      ["evaluate", "--model", model, "--data", data, "--label", "lettr"], status: 2, mentioning: "not finite")
    let (source, target) = try labelShiftFiles()
    try expectFailure(
      ["estimate", "--shift", "label", "--source", source, "--target", target, "--label", "lettr", "--model", model],
      status: 2, mentioning: "not finite")
  }

  /// IDX files: dimensions whose product overflows, a small gzip'd file claiming 1.5 M images,
  /// 1 × 1 images where Fashion-MNIST's are 28 × 28, and bytes after the gzip stream.
  @Test func idxHeadersAreCheckedBeforeThePayloadIsRead() throws {
    func idx(_ dimensions: [Int], payload: [UInt8]) -> [UInt8] {
      [0, 0, 8, UInt8(dimensions.count)]
        + dimensions.flatMap { d in (0..<4).map { UInt8((d >> (8 * (3 - $0))) & 0xFF) } }
        + payload
    }
    #expect(
      throws: DatasetError.tooLarge(
        file: "x", what: "an IDX payload of 4294967295 × 4294967295 × 4294967295 bytes", limitBytes: 1 << 20)
    ) {
      try IDXFile(bytes: idx([0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF], payload: []), file: "x", payloadLimit: 1 << 20)
    }
    let claimsTooMuch = idx([1_500_000, 28, 28], payload: [UInt8](repeating: 0, count: 1000))
    let tooLarge = DatasetError.tooLarge(
      file: "x", what: "an IDX payload of 1176000000 bytes (1500000 × 28 × 28)", limitBytes: 1 << 20)
    #expect(throws: tooLarge) { try IDXFile(bytes: claimsTooMuch, file: "x", payloadLimit: 1 << 20) }

    let fashion = directory.appendingPathComponent("fashion")
    try FileManager.default.createDirectory(at: fashion, withIntermediateDirectories: true)
    func gzip(_ bytes: [UInt8], to name: String) throws {
      let raw = fashion.appendingPathComponent(name.replacingOccurrences(of: ".gz", with: "")).path
      try Data(bytes).write(to: URL(fileURLWithPath: raw))
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      process.arguments = ["gzip", "-f", raw]
      try process.run()
      process.waitUntilExit()
    }
    // Gzip'd, the same header is refused before anything is inflated past it, and a header
    // within the limit inflates only as far as the (short) stream goes.
    try gzip(claimsTooMuch, to: "claims.idx.gz")
    let claims = fashion.appendingPathComponent("claims.idx.gz").path
    #expect(
      throws: DatasetError.tooLarge(
        file: claims, what: "an IDX payload of 1176000000 bytes (1500000 × 28 × 28)", limitBytes: 1 << 20)
    ) {
      try IDXFile(contentsOf: claims, payloadLimit: 1 << 20)
    }
    #expect(
      throws: DatasetError.truncatedIDX(file: claims, byteOffset: 16, expectedBytes: 1_176_000_000, foundBytes: 1000)
    ) { try IDXFile(contentsOf: claims, payloadLimit: .max) }
    try gzip(idx([100, 1, 1], payload: [UInt8](repeating: 7, count: 100)), to: "train-images-idx3-ubyte.gz")
    try gzip(idx([100], payload: [UInt8](repeating: 1, count: 100)), to: "train-labels-idx1-ubyte.gz")
    try expectFailure(
      ["train", "--data", "fashion-mnist", "--data-dir", fashion.path, "--epochs", "1"], mentioning: "28 × 28 pixels")
    try expectFailure(
      [
        "simulate", "--data", "fashion-mnist", "--data-dir", fashion.path, "--shift", "none", "--out-dir",
        fashion.path + "/out",
      ],
      mentioning: "28 × 28 pixels")
    let labels = fashion.appendingPathComponent("train-labels-idx1-ubyte.gz")
    var trailing = try Data(contentsOf: labels)
    let end = trailing.count
    trailing.append(contentsOf: [1, 2, 3])
    try trailing.write(to: labels)
    #expect(
      throws: DatasetError.corruptGzip(
        file: labels.path, reason: "bytes after the end of the gzip stream, from byte \(end)")
    ) {
      try IDXFile(contentsOf: labels.path)
    }
  }

  @Test func optionValuesOutsideTheirRangesAreUsageErrors() throws {
    let data = try letterSubset(100)
    let (source, target) = try labelShiftFiles()
    let cases: [([String], String)] = [
      (["train", "--data", data, "--label", "lettr", "--epochs", "-1"], "--epochs must be at least 1"),
      (["train", "--data", data, "--label", "lettr", "--epochs", "1000000000"], "pass --force"),
      (["train", "--data", data, "--label", "lettr", "--hidden", "2000000"], "pass --force"),
      (["train", "--data", data, "--label", "lettr", "--hidden", "4611686018427387904"], "pass --force"),
      (["train", "--data", data, "--label", "lettr", "--hidden", "-5"], "--hidden"),
      (
        [
          "simulate", "--data", data, "--label", "lettr", "--shift", "none", "--target-size", "100000000000",
          "--out-dir", "x",
        ],
        "--target-size"
      ),
      (["estimate", "--shift", "covariate", "--source", source, "--target", target, "--domain-c", "-1"], "--domain-c"),
      (["detect", "--source", source, "--target", target, "--level", "-0.5"], "--level must be in (0, 1)"),
    ]
    for (arguments, message) in cases { try expectFailure(arguments, mentioning: message) }
    // Past the limit with --force, an absurd layer is still refused before any allocation, and
    // sizes near Int.max do not overflow the memory estimate.
    for hidden in ["4611686018427387904", "9223372036854775807", "4611686018427387904,4611686018427387904"] {
      try expectFailure(
        ["train", "--data", data, "--label", "lettr", "--hidden", hidden, "--force"],
        mentioning: "--hidden \(hidden): a layer of")
    }
    // A huge clip value is a cap like any other (it used to trap when printed).
    let clipped = try run([
      "estimate", "--shift", "covariate", "--source", source, "--target", target, "--label", "lettr", "--clip", "1e19",
      "--json",
    ])
    #expect(clipped.status == 0 && clipped.stdout.contains("\"clip\":\"1e+19\""), "\(clipped.stderr)")
  }

  @Test func noCommandOverwritesItsInput() throws {
    let (source, target) = try labelShiftFiles()
    let before = try Data(contentsOf: URL(fileURLWithPath: source))
    let link = directory.appendingPathComponent("link.csv").path
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: source)
    let hard = directory.appendingPathComponent("hard.csv").path
    try FileManager.default.linkItem(atPath: source, toPath: hard)
    let (model, _, data) = try trainedModel()
    for arguments in [
      ["estimate", "--shift", "covariate", "--source", source, "--target", target, "--out", source],
      ["estimate", "--shift", "covariate", "--source", source, "--target", target, "--out", link],
      ["estimate", "--shift", "covariate", "--source", source, "--target", target, "--out", hard],
      [
        "estimate", "--shift", "label", "--source", source, "--target", target, "--label", "lettr", "--model", model,
        "--out", model,
      ],
      ["detect", "--source", source, "--target", target, "--save-reference", target],
      ["train", "--data", data, "--label", "lettr", "--model-out", data],
    ] {
      try expectFailure(arguments, mentioning: "would be overwritten")
    }
    #expect(try Data(contentsOf: URL(fileURLWithPath: source)) == before)
  }

  @Test func silentCorruptionIsAnError() throws {
    try expectFailure(
      ["train", "--data", try write("nul.csv", "a,y\n1\u{0}999,x\n2,z\n"), "--label", "y"],
      mentioning: "nul.csv:2:1: a NUL byte")
    // Lone carriage returns end lines (old Mac files): the header is three columns, not one.
    let mac = try write(
      "mac.csv", "a,b,y\r" + (0..<40).map { "\($0),\($0 % 7),\($0 % 2 == 0 ? "x" : "z")" }.joined(separator: "\r"))
    let table = try CSVTable(contentsOf: mac, labelColumn: "y")
    #expect(table.featureNames == ["a", "b"] && table.features.rows == 40 && table.rowLines.last == 41)
    let reference = try write(
      "negative.json", #"{"version":1,"source":"s.csv","featureNames":["a"],"sourceRows":-5,"sample":[[1]]}"#)
    try expectFailure(
      ["detect", "--reference", reference, "--target", try write("t.csv", "a\n1\n2\n3\n4\n5\n6\n")],
      mentioning: "-5 source rows cannot hold a sample of 1")
  }

  /// A class with one row lands in the test part of a 50 % stratified split: its 30 features at
  /// 3.4·10³⁸, far outside the training range, overflow the network's first layer to ∞ and the
  /// next to NaN.
  @Test func aNonFiniteTestLossIsAComputationError() throws {
    let columns = 30
    let header = (0..<columns).map { "f\($0)" } + ["y"]
    let rows =
      (0..<40).map { i in (0..<columns).map { String((i + $0) % 5) } + [i % 2 == 0 ? "x" : "z"] }
      + [[String](repeating: "3.4e38", count: columns) + ["w"]]
    let data = try write(
      "extreme.csv", ([header] + rows).map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n")
    try expectFailure(
      ["train", "--data", data, "--label", "y", "--hidden", "64,64", "--epochs", "1", "--test-fraction", "0.5"],
      status: 2, mentioning: "extreme.csv: the trained model's loss on the test rows is not finite")
  }

  @Test func libraryErrorsNameTheirFiles() throws {
    let (source, target) = try labelShiftFiles()
    let twoRows = try write("two.csv", "a,y\n1,x\n2,z\n")
    try expectFailure(
      ["train", "--data", twoRows, "--label", "y", "--epochs", "1", "--test-fraction", "0.2"], mentioning: "two.csv: ")
    let threeRows = try write(
      "three.csv",
      (try String(contentsOfFile: target, encoding: .utf8)).split(separator: "\n").prefix(4)
        .joined(separator: "\n") + "\n")
    try expectFailure(
      ["estimate", "--shift", "covariate", "--source", source, "--target", threeRows, "--label", "lettr"],
      mentioning: "three.csv: 5-fold cross-fitting")
    try expectFailure(
      [
        "correct", "--source", source, "--target", threeRows, "--label", "lettr", "--report",
        directory.appendingPathComponent("r.md").path,
      ],
      mentioning: "three.csv: the target needs at least 5 rows")
    #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("r.md").path))
    // A class with one row goes to the source half, so the pool lacks it: the error names the
    // class, not its index, and the file.
    let rows = (0..<40).map { "\($0 % 5),\($0 % 2 == 0 ? "x" : "z")" } + ["1,w"]
    let single = try write("single.csv", "a,y\n" + rows.joined(separator: "\n") + "\n")
    try expectFailure(
      [
        "simulate", "--data", single, "--label", "y", "--shift", "dirichlet", "--alpha", "100",
        "--out-dir", directory.appendingPathComponent("never").path,
      ], mentioning: "single.csv: the pool has no rows of class 'w'")
    #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("never").path))
  }

  @Test func inputsMustBeFilesOrPipes() throws {
    let (source, _) = try labelShiftFiles()
    try expectFailure(
      ["estimate", "--shift", "covariate", "--source", source, "--target", "/dev/zero", "--label", "lettr"],
      mentioning: "/dev/zero: cannot read: a device, not a file")
    try expectFailure(
      ["estimate", "--shift", "covariate", "--source", source, "--target", directory.path, "--label", "lettr"],
      mentioning: "cannot read: a directory, not a file")
    try expectFailure(
      ["evaluate", "--model", directory.path, "--data", source, "--label", "lettr"],
      mentioning: "a directory, not a model file")
    #expect(
      throws: DatasetError.tooLarge(
        file: source, what: "a file of \(try Data(contentsOf: URL(fileURLWithPath: source)).count) bytes",
        limitBytes: 100)
    ) {
      try InputFile.read(source, limit: 100)
    }
  }

  @Test func aModelIsScoredOnlyOnDataOfItsClasses() throws {
    let (model, _, _) = try trainedModel()
    try expectFailure(
      ["evaluate", "--model", model, "--data", "fashion-mnist", "--data-dir", directory.path],
      mentioning: "\(model): the model's classes (A, B, C, D, E, F, G, H, I, J, …) are not Fashion-MNIST's")
  }

  @Test func outputsAreCheckedBeforeWorkAndWrittenWhole() throws {
    let data = try letterSubset(100)
    try expectFailure(
      ["train", "--data", data, "--label", "lettr", "--model-out", directory.path],
      mentioning: "--model-out \(directory.path) is a directory")
    // A directory in the way of one of several files: none is replaced, no temporary is left,
    // and the directories created for them are removed again.
    let existing = try write("kept.txt", "old")
    let blocked = directory.appendingPathComponent("blocked")
    try FileManager.default.createDirectory(at: blocked, withIntermediateDirectories: true)
    let nested = directory.appendingPathComponent("new/deeper").path
    #expect(throws: DatasetError.unwritable(file: blocked.path, reason: "a directory is in the way")) {
      try AtomicFile.write(
        [
          (existing, Data("new".utf8)), ((nested as NSString).appendingPathComponent("x"), Data()),
          (blocked.path, Data()),
        ],
        creatingDirectory: nested)
    }
    #expect(try String(contentsOfFile: existing, encoding: .utf8) == "old")
    #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("new").path))
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).allSatisfy { !$0.contains(".tmp-") })
    // A second simulation into the same directory leaves no file of the first that it did not
    // write itself (target labels that no longer match the truth).
    let out = directory.appendingPathComponent("sim").path
    let simulate = ["simulate", "--data", data, "--label", "lettr", "--shift", "none", "--out-dir", out, "--quiet"]
    #expect(try run(simulate + ["--hide-target-labels"]).status == 0)
    #expect(FileManager.default.fileExists(atPath: out + "/target-labels.csv"))
    #expect(try run(simulate).status == 0)
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: out).sorted() == ["source.csv", "target.csv", "truth.json"])
  }

  @Test func aCSVErrorNamesItsFileOnce() throws {
    let onlyLabels = try write("only-labels.csv", "y\nx\nz\n")
    let outcome = try run(["train", "--data", onlyLabels, "--label", "y"])
    #expect(
      outcome.status == 1 && outcome.stderr == "error: \(onlyLabels): no feature columns besides the label column\n",
      "\(outcome.stderr)")
  }
}
