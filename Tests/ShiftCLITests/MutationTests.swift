import Datasets
import Foundation
import LinearAlgebra
import NeuralNetwork
import Testing

@testable import shiftcli

/// Structure-aware mutation of the command line's inputs (a seeded complement to the byte-level
/// fuzzer in Fuzz/): damaged CSV files, model files and references, and out-of-range option
/// values (600 runs), through `detect` and `estimate`. Whatever the input, a run ends with status
/// 0, 1 or 2, a failure says what went wrong, and a failed run writes no output file (a crash
/// would end the test process).
extension CommandLineTests {
  /// One seeded mutation of `bytes`, or with `combined` up to three at once.
  static func mutate(_ bytes: [UInt8], combined: Bool = true, using generator: inout SplitMix64) -> [UInt8] {
    var bytes = bytes
    let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    func position() -> Int { bytes.isEmpty ? 0 : generator.uniformIndex(below: bytes.count) }
    let pieces: [[UInt8]] = [
      [0], [13], [UInt8(ascii: "\"")], [UInt8(ascii: ",")], Array("NaN".utf8), Array("-1e400".utf8), Array("".utf8),
      Array("\u{FEFF}".utf8), [0xFF, 0xFE], Array("99999999999999999999".utf8), Array(",,,".utf8),
    ]
    switch generator.uniformIndex(below: combined ? 7 : 6) {
    case 0 where !bytes.isEmpty:  // flip a bit
      bytes[position()] ^= UInt8(1) << UInt8(generator.uniformIndex(below: 8))
    case 1:  // cut the file short
      bytes = Array(bytes.prefix(position()))
    case 2 where lines.count > 1:  // repeat a line
      var copy = lines
      copy.insert(lines[generator.uniformIndex(below: lines.count)], at: generator.uniformIndex(below: lines.count))
      bytes = Array(copy.joined(separator: [UInt8(ascii: "\n")]))
    case 3 where lines.count > 1:  // drop a line (the header too, sometimes)
      var copy = lines
      copy.remove(at: generator.uniformIndex(below: lines.count))
      bytes = Array(copy.joined(separator: [UInt8(ascii: "\n")]))
    case 4:  // insert a troublesome piece
      bytes.insert(contentsOf: pieces[generator.uniformIndex(below: pieces.count)], at: position())
    case 5 where !bytes.isEmpty:  // overwrite a run with one byte value
      let start = position()
      let value = UInt8(truncatingIfNeeded: generator.next())
      for index in start..<min(bytes.count, start + 1 + generator.uniformIndex(below: 16)) { bytes[index] = value }
    case 6:  // several at once
      for _ in 0..<3 { bytes = mutate(bytes, combined: false, using: &generator) }
    default:  // the mutation needs bytes or lines the input does not have
      bytes.insert(contentsOf: pieces[generator.uniformIndex(below: pieces.count)], at: position())
    }
    return bytes
  }

  @Test func mutatedInputsAndOptionsNeverCrashOrLeaveOutput() throws {
    let (model, modelBytes, _) = try trainedModel()
    let lines = try String(contentsOfFile: Self.letters, encoding: .utf8).split(separator: "\n").map(String.init)
    let source = try write("m-source.csv", ([lines[0]] + lines[1...200]).joined(separator: "\n") + "\n")
    let target = try write("m-target.csv", ([lines[0]] + lines[201...300]).joined(separator: "\n") + "\n")
    let reference = directory.appendingPathComponent("m-reference.json").path
    #expect(
      try run(["detect", "--source", source, "--target", target, "--label", "lettr", "--save-reference", reference])
        .status == 0)
    let originals = [
      "csv": Array(try Data(contentsOf: URL(fileURLWithPath: target))), "model": modelBytes,
      "reference": Array(try Data(contentsOf: URL(fileURLWithPath: reference))),
    ]
    let out = directory.appendingPathComponent("m-out.csv").path
    let numbers = ["-1", "0", "1", "2", "1e308", "nan", "-0", "99999999999", "", "2.5", "1e-300"]
    var generator = SplitMix64(seed: 2026)
    var statuses = [Int32: Int]()
    for run in 0..<600 {
      let kind = ["csv", "model", "reference", "options"][run % 4]
      let damaged = directory.appendingPathComponent("m-damaged-\(run % 4)").path
      if let original = originals[kind] {
        let mutated = Self.mutate(original, using: &generator)
        // Every other model is resealed, so that the checks after the checksum are reached too.
        let bytes = kind == "model" && run % 8 == 1 ? ModelFile.resealed(mutated) : mutated
        try Data(bytes).write(to: URL(fileURLWithPath: damaged))
      }
      let value = numbers[generator.uniformIndex(below: numbers.count)]
      let arguments: [String]
      var option = ""
      switch kind {
      case "csv":
        arguments = [
          "estimate", "--shift", "covariate", "--source", source, "--target", damaged, "--label", "lettr", "--folds",
          "2",
          "--domain-c", "1", "--out", out,
        ]
      case "model":
        arguments = [
          "estimate", "--shift", "label", "--source", source, "--target", target, "--label", "lettr", "--model",
          damaged,
          "--method", "bbse-hard", "--out", out,
        ]
      case "reference":
        arguments = ["detect", "--reference", damaged, "--target", target, "--label", "lettr"]
      default:
        let options = ["--folds", "--clip", "--domain-c", "--bootstrap", "--holdout", "--level", "--reference-rows"]
        option = options[generator.uniformIndex(below: options.count)]
        arguments =
          option == "--level" || option == "--reference-rows"
          ? ["detect", "--source", source, "--target", target, "--label", "lettr", option, value]
          : [
            "estimate", "--shift", option == "--bootstrap" || option == "--holdout" ? "label" : "covariate", "--source",
            source, "--target", target, "--label", "lettr", "--model", model, "--method", "bbse-hard", option, value,
            "--out", out,
          ]
      }
      let result = try self.run(arguments + ["--quiet"])
      statuses[result.status, default: 0] += 1
      #expect([0, 1, 2].contains(result.status), "\(arguments): status \(result.status)")
      if result.status != 0 {
        #expect(
          result.stderr.hasPrefix("error: ") || result.stderr.hasPrefix("Error: "), "\(arguments): \(result.stderr)")
        // …and names what it is about: the damaged file, an input beside it, or the option.
        let named = kind == "options" ? [option, "'\(value)'"] : [damaged]
        #expect(named.contains { result.stderr.contains($0) }, "\(arguments): \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out), "\(arguments) failed but wrote \(out)")
      }
      try? FileManager.default.removeItem(atPath: out)
    }
    // The mutations must reach both outcomes, or they test nothing.
    #expect((statuses[0] ?? 0) > 20 && (statuses[1] ?? 0) > 20, "\(statuses)")
  }
}
