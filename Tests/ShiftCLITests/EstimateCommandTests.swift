import Foundation
import RealModule
import Testing

@testable import shiftcli

/// `shiftcli estimate` end to end through the built binary, on letter-recognition slices.
extension CommandLineTests {
  /// Source: letter rows 1–3 000. Target: rows 3 001–9 000 keeping every A–E row and one row in
  /// five of the others, so A–E are ≈ 5× over-represented (weights ≈ 2.6 vs ≈ 0.5).
  func labelShiftFiles(dropLabel: Bool = false) throws -> (source: String, target: String) {
    let lines = try String(contentsOfFile: Self.letters, encoding: .utf8).split(separator: "\n").map(String.init)
    let header = lines[0]
    let source = try write("source.csv", ([header] + lines[1...3000]).joined(separator: "\n") + "\n")
    var kept: [String] = []
    for (offset, line) in lines[3001...9000].enumerated() where "ABCDE".contains(line.prefix(1)) || offset % 5 == 0 {
      kept.append(dropLabel ? String(line.drop { $0 != "," }.dropFirst()) : line)
    }
    let targetHeader = dropLabel ? String(header.drop { $0 != "," }.dropFirst()) : header
    let target = try write(
      dropLabel ? "target-unlabelled.csv" : "target.csv", ([targetHeader] + kept).joined(separator: "\n") + "\n")
    return (source, target)
  }

  @Test func estimateLabelShiftWritesWeightsAndJSON() throws {
    let (source, target) = try labelShiftFiles(dropLabel: true)
    let out = directory.appendingPathComponent("weights.csv").path
    let result = try run([
      "estimate", "--shift", "label", "--source", source, "--target", target, "--label", "lettr", "--method", "em-bcts",
      "--bootstrap", "10", "--out", out, "--json", "--quiet",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    for key in [
      "shift", "method", "classes", "sourcePrior", "targetPrior", "weights", "conditionNumber", "clippedClasses", "ci",
    ] {
      #expect(json[key] != nil, "missing \(key)")
    }
    #expect(json["shift"] as? String == "label")
    let classes = try #require(json["classes"] as? [String])
    let weights = try #require(json["weights"] as? [Double])
    #expect(classes.count == 26)
    // Over-represented classes get weights above 1.5, the thinned ones below 1.
    for (name, weight) in zip(classes, weights) {
      if "ABCDE".contains(name) {
        #expect(weight > 1.5, "\(name): \(weight)")
      } else {
        #expect(weight < 1, "\(name): \(weight)")
      }
    }
    let csv = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
    #expect(csv.first == "class,sourcePrior,targetPrior,weight,weightLower,weightUpper")
    #expect(csv.count == 27)
  }

  /// With a saved model, the whole source is its holdout (the model was trained on other rows).
  @Test func estimateWithASavedModel() throws {
    let (source, target) = try labelShiftFiles(dropLabel: true)
    let lines = try String(contentsOfFile: Self.letters, encoding: .utf8).split(separator: "\n").map(String.init)
    let other = try write("other.csv", ([lines[0]] + lines[12001...18000]).joined(separator: "\n") + "\n")
    let model = directory.appendingPathComponent("letters.model").path
    let train = try run([
      "train", "--data", other, "--label", "lettr", "--optimizer", "adam", "--init", "he", "--epochs", "40",
      "--batch-size", "128",
      "--model-out", model, "--quiet",
    ])
    #expect(train.status == 0, "\(train.stderr)")
    let result = try run([
      "estimate", "--shift", "label", "--source", source, "--target", target, "--label", "lettr", "--model", model,
      "--method", "bbse-soft", "--json", "--quiet",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    #expect(
      json["holdoutRows"] as? Int == 3000 && json["folds"] as? Int == 1 && json["method"] as? String == "bbse-soft")
    let classes = try #require(json["classes"] as? [String])
    let weights = try #require(json["weights"] as? [Double])
    let overRepresented = zip(classes, weights).filter { "ABCDE".contains($0.0) }.map(\.1)
    #expect(overRepresented.allSatisfy { $0 > 1.5 })
  }

  @Test func estimateCovariateShiftWritesOneWeightPerSourceRow() throws {
    let (source, target) = try labelShiftFiles()
    let out = directory.appendingPathComponent("covariate.csv").path
    let result = try run([
      "estimate", "--shift", "covariate", "--source", source, "--target", target, "--label", "lettr", "--out", out,
      "--json",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    for key in [
      "shift", "method", "domainAUC", "ess", "essFraction", "maxWeight", "quantiles", "clippedShare", "solver",
    ] {
      #expect(json[key] != nil, "missing \(key)")
    }
    let solver = try #require(json["solver"] as? [String: Any])
    #expect(solver["iterations"] is Int && solver["gradientNorm"] is Double)
    // Label shift changes p(x) too, so the domain classifier sees it.
    #expect((json["domainAUC"] as? Double ?? 0) > 0.55)
    let csv = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
    #expect(csv.first == "weight" && csv.count == 3001)
    let mean = csv.dropFirst().compactMap { Double($0) }.reduce(0, +) / 3000
    #expect(mean.isApproximatelyEqual(to: 1, absoluteTolerance: 1e-9))
  }

  @Test func estimateErrorsAreClearAndLeaveNoOutput() throws {
    let (source, target) = try labelShiftFiles()
    let out = directory.appendingPathComponent("never.csv").path
    let lines = try String(contentsOfFile: target, encoding: .utf8).split(separator: "\n").map(String.init)
    let fewerColumns = try write(
      "fewer.csv",
      lines.map { $0.split(separator: ",", omittingEmptySubsequences: false).dropLast().joined(separator: ",") }
        .joined(separator: "\n") + "\n")
    let extraColumn = try write(
      "extra.csv", ([lines[0] + ",extra"] + lines.dropFirst().map { $0 + ",1" }).joined(separator: "\n") + "\n")
    let empty = try write("empty.csv", lines[0] + "\n")
    let oneClass = try write(
      "one-class.csv", ([lines[0]] + lines.dropFirst().filter { $0.hasPrefix("A,") }).joined(separator: "\n") + "\n")
    let cases: [([String], String)] = [
      (["--shift", "label", "--source", source, "--target", target, "--label", "nope"], "no column named 'nope'"),
      (["--shift", "label", "--source", source, "--target", fewerColumns, "--label", "lettr"], "yegvx"),
      (["--shift", "covariate", "--source", source, "--target", fewerColumns, "--label", "lettr"], "yegvx"),
      (["--shift", "label", "--source", source, "--target", empty, "--label", "lettr"], "no data rows"),
      (["--shift", "label", "--source", oneClass, "--target", target, "--label", "lettr"], "at least two classes"),
      (["--shift", "covariate", "--source", source, "--target", target, "--clip", "banana"], "--clip"),
      (["--shift", "label", "--source", source, "--target", target], "--label"),
      (
        [
          "--shift", "label", "--source", directory.appendingPathComponent("missing.csv").path, "--target", target,
          "--label", "lettr",
        ], "missing.csv"
      ),
    ]
    for (arguments, message) in cases {
      let result = try run(["estimate"] + arguments + ["--out", out, "--quiet"])
      #expect(result.status == 1, "\(arguments): \(result.stderr)")
      #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
      #expect(!FileManager.default.fileExists(atPath: out))
    }
    // A target column the source lacks is not used (a warning says so), not an error.
    let extra = try run([
      "estimate", "--shift", "covariate", "--source", source, "--target", extraColumn, "--label", "lettr", "--quiet",
    ])
    #expect(extra.status == 0, "\(extra.stderr)")
  }
}
