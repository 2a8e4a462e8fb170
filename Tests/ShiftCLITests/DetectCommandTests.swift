import Foundation
import ShiftKit
import Testing

@testable import shiftcli

/// `shiftcli detect`, with a source file and with a saved source reference.
extension CommandLineTests {
  @Test func detectWithASavedReference() throws {
    let out = directory.appendingPathComponent("selection").path
    let simulate = try run([
      "simulate", "--data", Self.letters, "--label", "lettr", "--shift", "selection-bias", "--source-size", "4000",
      "--target-size", "300", "--out-dir", out, "--quiet",
    ])
    #expect(simulate.status == 0, "\(simulate.stderr)")
    let reference = directory.appendingPathComponent("ref.json").path
    let direct = try run([
      "detect", "--source", out + "/source.csv", "--label", "lettr", "--target", out + "/target.csv",
      "--save-reference", reference, "--reference-rows", "2000", "--json",
    ])
    #expect(direct.status == 0, "\(direct.stderr)")
    let first = try #require(try JSONSerialization.jsonObject(with: Data(direct.stdout.utf8)) as? [String: Any])
    #expect(first["verdict"] as? String == "shift detected in the features")
    let reused = try run([
      "detect", "--reference", reference, "--target", out + "/target.csv", "--label", "lettr", "--json",
    ])
    #expect(reused.status == 0, "\(reused.stderr)")
    let second = try #require(try JSONSerialization.jsonObject(with: Data(reused.stdout.utf8)) as? [String: Any])
    #expect(second["verdict"] as? String == "shift detected in the features")
    #expect((second["features"] as? [[String: Any]])?.count == 16)

    // A control target drawn like the source: nothing to detect.
    let control = directory.appendingPathComponent("control").path
    _ = try run([
      "simulate", "--data", Self.letters, "--label", "lettr", "--shift", "none", "--target-size", "500", "--out-dir",
      control, "--quiet",
    ])
    let none = try run([
      "detect", "--source", control + "/source.csv", "--label", "lettr", "--target", control + "/target.csv",
    ])
    #expect(none.status == 0 && none.stdout.hasPrefix("no shift detected at α = 0.05"), "\(none.stdout)\(none.stderr)")
  }

  @Test func detectRejectsBadReferencesAndArguments() throws {
    let (source, target) = try labelShiftFiles()
    let damaged = try write("damaged.json", "{\"version\": 1}")
    let saved = directory.appendingPathComponent("never.json").path
    let cases: [([String], String)] = [
      (["--source", source, "--reference", damaged, "--target", target], "either --source or --reference"),
      (["--reference", damaged, "--target", target], "not a source reference"),
      (
        [
          "--source", source, "--label", "lettr", "--target", directory.appendingPathComponent("gone.csv").path,
          "--save-reference", saved,
        ], "gone.csv"
      ),
    ]
    for (arguments, message) in cases {
      let result = try run(["detect"] + arguments)
      #expect(result.status == 1, "\(arguments): \(result.stderr)")
      #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
    }
    #expect(!FileManager.default.fileExists(atPath: saved))
  }
}

/// The one-pass commands: the streamed target gives what the whole target in memory gives, and
/// a gzip'd target reads as its text.
extension CommandLineTests {
  @Test func streamedDetectIsTheInMemoryDetection() throws {
    let out = directory.appendingPathComponent("streamed").path
    let simulate = try run([
      "simulate", "--data", Self.letters, "--label", "lettr", "--shift", "selection-bias", "--source-size", "3000",
      "--target-size", "1500", "--out-dir", out, "--quiet",
    ])
    #expect(simulate.status == 0, "\(simulate.stderr)")
    let (source, target) = (out + "/source.csv", out + "/target.csv")
    let streamed = try run(["detect", "--source", source, "--label", "lettr", "--target", target, "--json"])
    #expect(streamed.status == 0, "\(streamed.stderr)")

    // The same detection on the whole target read into memory, through the library.
    var generator = SplitMix64(seed: 1)
    let sourceTable = try MixedTable(contentsOf: source, options: SchemaOptions(label: "lettr"))
    let encoding = TableEncoding(fittedTo: sourceTable)
    let sourceCells = try encoding.cells(of: sourceTable)
    let reference = SourceReference(
      source: source, featureNames: encoding.featureNames, features: encoding.encoder.expand(sourceCells.cells),
      sampleSize: SourceReference.defaultSampleSize, tableEncoding: encoding, outputs: nil, using: &generator)
    let targetCells = try encoding.cells(of: MixedTable(contentsOf: target, schema: encoding.schema))
    let sample = reference.sampleMatrix
    let whole = try ShiftDetector().detect(
      source: sample, target: encoding.encoder.expand(targetCells.cells), featureNames: encoding.featureNames,
      columns: (try encoding.cells(ofEncoded: sample), targetCells), using: &generator)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    #expect(
      streamed.stdout.trimmingCharacters(in: .newlines) == String(decoding: try encoder.encode(whole), as: UTF8.self))

    // Gzip'd, the same output.
    let gzip = Process()
    gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
    gzip.arguments = ["-k", target]
    try gzip.run()
    gzip.waitUntilExit()
    let compressed = try run(["detect", "--source", source, "--label", "lettr", "--target", target + ".gz", "--json"])
    #expect(compressed.status == 0, "\(compressed.stderr)")
    #expect(compressed.stdout == streamed.stdout)
    let estimate = ["estimate", "--shift", "label", "--source", source, "--label", "lettr", "--epochs", "2", "--json"]
    let plain = try run(estimate + ["--target", target])
    let zipped = try run(estimate + ["--target", target + ".gz"])
    #expect(plain.status == 0 && zipped.status == 0, "\(plain.stderr)\(zipped.stderr)")
    #expect(plain.stdout == zipped.stdout)
  }
}

/// `shiftcli profile` and `shiftcli merge`: shards of a real mixed table (penguins: text
/// columns, NA cells) profiled and merged give the profile of the whole, and bad shards are
/// refused by name.
extension CommandLineTests {
  @Test func profilesOfShardsMergeIntoTheProfileOfTheWhole() throws {
    let penguins = try String(contentsOfFile: "Datasets/penguins.csv", encoding: .utf8)
    var lines = penguins.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    let header = lines.removeFirst()
    let whole = try write("all.csv", ([header] + lines).joined(separator: "\n") + "\n")
    let reference = directory.appendingPathComponent("ref.json").path
    let saved = try run([
      "detect", "--source", whole, "--label", "species", "--target", whole, "--save-reference", reference, "--quiet",
    ])
    #expect(saved.status == 0, "\(saved.stderr)")
    // An empty shard (a header alone) among them: a profile of no rows, which merging ignores.
    let cuts = [0, 1, 100, 101, 101, 250, lines.count]
    var shards: [String] = []
    for (index, (start, end)) in zip(cuts, cuts.dropFirst()).enumerated() {
      let shard = try write("part-\(index).csv", ([header] + lines[start..<end]).joined(separator: "\n") + "\n")
      let profile = directory.appendingPathComponent("part-\(index).json").path
      let result = try run(["profile", "--reference", reference, "--data", shard, "--out", profile, "--quiet"])
      #expect(result.status == 0, "\(result.stderr)")
      shards.append(profile)
    }
    let wholeProfile = directory.appendingPathComponent("whole.json").path
    #expect(try run(["profile", "--reference", reference, "--data", whole, "--out", wholeProfile]).status == 0)
    let merged = directory.appendingPathComponent("merged.json").path
    let reversed = directory.appendingPathComponent("reversed.json").path
    #expect(try run(["merge"] + shards + ["--out", merged]).status == 0)
    #expect(try run(["merge"] + shards.reversed() + ["--out", reversed]).status == 0)
    let expected = try ShiftProfile.load(from: wholeProfile)
    #expect(expected.rows == lines.count)
    #expect(try ShiftProfile.load(from: merged) == expected)
    #expect(try ShiftProfile.load(from: reversed) == expected)
    // Tested against the reference, the merged profile is the whole profile.
    let fromMerged = try run(["detect", "--reference", reference, "--target-profile", merged, "--json"])
    let fromWhole = try run(["detect", "--reference", reference, "--target-profile", wholeProfile, "--json"])
    #expect(fromMerged.status == 0 && fromMerged.stdout == fromWhole.stdout, "\(fromMerged.stderr)")
    // Gzip-compressed profiles (an output ending in .gz), merged with plain ones: the same.
    let compressed = directory.appendingPathComponent("part-gz.json.gz").path
    #expect(try run(["profile", "--reference", reference, "--data", whole, "--out", compressed]).status == 0)
    let compressedBytes = try Data(contentsOf: URL(fileURLWithPath: compressed))
    #expect(compressedBytes.starts(with: [0x1F, 0x8B]))
    #expect(try ShiftProfile.load(from: compressed) == expected)
    let firstShard = directory.appendingPathComponent("part-0.json.gz").path
    let profiled = try run([
      "profile", "--reference", reference, "--data", directory.appendingPathComponent("part-0.csv").path, "--out",
      firstShard,
    ])
    #expect(profiled.status == 0, "\(profiled.stderr)")
    let mixed = directory.appendingPathComponent("mixed.json.gz").path
    #expect(try run(["merge", firstShard] + shards.dropFirst() + ["--out", mixed]).status == 0)
    #expect(try ShiftProfile.load(from: mixed) == expected)

    // Bad shards: named, and nothing written.
    let text = try String(contentsOfFile: shards[1], encoding: .utf8)
    let truncated = try write("truncated.json", String(text.prefix(text.count / 2)))
    let newer = try write(
      "newer.json", text.replacingOccurrences(of: "\"version\":\(ShiftProfile.formatVersion)", with: "\"version\":99"))
    let foreign = try write("foreign.json", "{\"format\":\"shiftkit-monitor\",\"version\":1}")
    let otherSource = try write(
      "other.csv",
      ([header] + lines.prefix(200)).joined(separator: "\n").replacingOccurrences(of: "Torgersen", with: "Elsewhere")
        + "\n")
    let otherReference = directory.appendingPathComponent("other-ref.json").path
    _ = try run([
      "detect", "--source", otherSource, "--label", "species", "--target", otherSource, "--save-reference",
      otherReference, "--quiet",
    ])
    let mismatched = directory.appendingPathComponent("mismatched.json").path
    #expect(
      try run(["profile", "--reference", otherReference, "--data", whole, "--out", mismatched, "--quiet"]).status == 0)
    let cutGzip = directory.appendingPathComponent("cut.json.gz").path
    try compressedBytes.prefix(compressedBytes.count / 2).write(to: URL(fileURLWithPath: cutGzip))
    let never = directory.appendingPathComponent("never.json").path
    for (bad, message) in [
      (truncated, "cut short"), (newer, "format version 99"), (foreign, "its format is 'shiftkit-monitor'"),
      (mismatched, "cannot be merged"), (cutGzip, "corrupt gzip stream"),
    ] {
      let result = try run(["merge", shards[0], bad, "--out", never])
      #expect(result.status == 1, "\(bad)")
      #expect(result.stderr.contains(bad) && result.stderr.contains(message), "\(result.stderr)")
      #expect(!FileManager.default.fileExists(atPath: never))
    }
  }
}
