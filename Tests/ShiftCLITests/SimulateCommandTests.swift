import Foundation
import RealModule
import Testing

@testable import shiftcli

/// `shiftcli simulate` end to end, and its output fed back into `shiftcli estimate`.
extension CommandLineTests {
  @Test func simulatedLabelShiftIsRecoveredByEstimate() throws {
    let out = directory.appendingPathComponent("tweak").path
    let simulate = try run([
      "simulate", "--data", Self.letters, "--label", "lettr", "--shift", "tweak-one", "--class", "E", "--rho", "0.4",
      "--target-size", "3000", "--seed", "5", "--out-dir", out, "--quiet",
    ])
    #expect(simulate.status == 0, "\(simulate.stderr)")
    let truth = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/truth.json")))
        as? [String: Any])
    let prior = try #require(truth["targetPrior"] as? [Double])
    let classes = try #require(truth["classes"] as? [String])
    #expect(abs(prior.reduce(0, +) - 1) < 1e-9 && prior[classes.firstIndex(of: "E")!] == 0.4)
    #expect(truth["tweakedClass"] as? String == "E" && truth["targetRows"] as? Int == 3000)
    let estimate = try run([
      "estimate", "--shift", "label", "--source", out + "/source.csv", "--target", out + "/target.csv", "--label",
      "lettr",
      "--folds", "1", "--json", "--quiet",
    ])
    #expect(estimate.status == 0, "\(estimate.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(estimate.stdout.utf8)) as? [String: Any])
    let estimated = try #require(json["targetPrior"] as? [Double])
    // 3 000 target rows: the tweaked class's share has a sampling SE of 0.009; 0.04 leaves room for the model.
    #expect(estimated[classes.firstIndex(of: "E")!].isApproximatelyEqual(to: 0.4, absoluteTolerance: 0.04))
  }

  @Test func selectionBiasWritesOracleWeightsAndCanHideTargetLabels() throws {
    let out = directory.appendingPathComponent("selection").path
    let result = try run([
      "simulate", "--data", Self.letters, "--label", "lettr", "--shift", "selection-bias", "--source-size", "3000",
      "--target-size", "1000", "--hide-target-labels", "--out-dir", out, "--quiet",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let weights = try String(contentsOfFile: out + "/oracle-weights.csv", encoding: .utf8).split(separator: "\n")
      .dropFirst()
      .compactMap { Double($0) }
    #expect(weights.count == 3000 && abs(weights.reduce(0, +) / 3000 - 1) < 1e-9)
    let targetHeader = try String(contentsOfFile: out + "/target.csv", encoding: .utf8).prefix { $0 != "\n" }
    #expect(!targetHeader.contains("lettr"))
    let labels = try String(contentsOfFile: out + "/target-labels.csv", encoding: .utf8).split(separator: "\n")
    #expect(labels.first == "lettr" && labels.count == 1001)
  }

  @Test func simulateRejectsAnUnknownClassAndWritesNothing() throws {
    let out = directory.appendingPathComponent("never").path
    let result = try run([
      "simulate", "--data", Self.letters, "--label", "lettr", "--shift", "tweak-one", "--class", "Ω", "--out-dir", out,
      "--quiet",
    ])
    #expect(result.status == 1)
    #expect(result.stderr.contains("--class Ω is not a class"))
    #expect(!FileManager.default.fileExists(atPath: out))
  }
}
