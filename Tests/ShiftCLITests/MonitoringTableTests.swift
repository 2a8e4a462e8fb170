import Foundation
import LinearAlgebra
import ShiftKit
import Testing

@testable import shiftcli

/// A production model's monitoring table, as in the issue: an id, a timestamp, string
/// categories, booleans, missing cells, the model's probability and predicted class, the label.
extension CommandLineTests {
  /// Rows whose label is drawn from the model's own probability, so the probabilities are
  /// calibrated by construction and a label-free estimate has a known target: `shifted` moves
  /// the channel mix (which the model's probability depends on) and raises the missing rate.
  func monitoringTable(_ name: String, rows: Int, shifted: Bool, seed: UInt64) throws -> String {
    var generator = SplitMix64(seed: seed)
    var lines = ["id,timestamp,acq_channel,repaid_loan_on_prev_car,car_value,y_pred_proba,y_pred,y_true"]
    let channels = ["Partner1", "Partner2", "Partner3", "web"]
    let shares = shifted ? [0.1, 0.1, 0.2, 0.6] : [0.3, 0.3, 0.2, 0.2]
    for row in 0..<rows {
      let u = Double.random(in: 0..<1, using: &generator)
      var channel = 0
      var cumulative = shares[0]
      while u >= cumulative && channel < 3 {
        channel += 1
        cumulative += shares[channel]
      }
      let repaid = Double.random(in: 0..<1, using: &generator) < 0.6
      let missing = Double.random(in: 0..<1, using: &generator) < (shifted ? 0.15 : 0.03)
      let value = 30_000 + 8_000 * generator.standardNormal()
      let z = -1.2 + (repaid ? 1.5 : 0) + (channel == 3 ? 1.2 : 0) + (value - 30_000) / 8_000
      let p = 1 / (1 + exp(-z))
      let y = Double.random(in: 0..<1, using: &generator) < p ? 1 : 0
      lines.append(
        "\(row),2024-03-\(String(format: "%02d", 1 + row % 28))T10:00:00,\(channels[channel]),\(repaid ? "True" : "False"),"
          + "\(missing ? "" : String(format: "%.0f", value)),\(String(format: "%.6f", p)),\(p > 0.5 ? 1 : 0),\(y)")
    }
    return try write(name, lines.joined(separator: "\n") + "\n")
  }

  @Test func detectOnAMonitoringTableTestsColumnsAndTheModelsOutputs() throws {
    let reference = try monitoringTable("mon-reference.csv", rows: 3000, shifted: false, seed: 1)
    let analysis = try monitoringTable("mon-analysis.csv", rows: 2000, shifted: true, seed: 2)
    let saved = directory.appendingPathComponent("mon-reference.json").path
    let outcome = try run([
      "detect", "--source", reference, "--target", analysis, "--label", "y_true", "--probability", "y_pred_proba",
      "--prediction", "y_pred", "--save-reference", saved, "--json", "--quiet",
    ])
    #expect(outcome.status == 0, "\(outcome.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
    let features = try #require(json["features"] as? [[String: Any]])
    // id and timestamp are left out; the model's columns are outputs, not features.
    let tested = Set(features.compactMap { $0["feature"] as? String })
    #expect(tested == ["acq_channel", "repaid_loan_on_prev_car", "car_value"])
    for entry in features {
      for key in [
        "type", "test", "effectSize", "effectSizeName", "missingRateSource", "missingRateTarget", "unseenLevels",
        "pValue", "adjustedPValue", "statistic",
      ] {
        #expect(entry[key] != nil, "\(key) missing in \(entry)")
      }
    }
    func entry(_ feature: String, _ type: String) throws -> [String: Any] {
      try #require(features.first { $0["feature"] as? String == feature && $0["type"] as? String == type })
    }
    let channel = try entry("acq_channel", "categorical")
    #expect((channel["adjustedPValue"] as? Double ?? 1) < 1e-6)
    #expect(channel["effectSizeName"] as? String == "Cramér's V")
    let missing = try entry("car_value", "missing rate")
    #expect((missing["adjustedPValue"] as? Double ?? 1) < 1e-6)
    #expect(abs((missing["missingRateTarget"] as? Double ?? 0) - 0.15) < 0.03)
    #expect((try entry("repaid_loan_on_prev_car", "boolean")["adjustedPValue"] as? Double ?? 0) > 0.05 / 3)
    // The model's outputs moved with the channel mix: χ² on y_pred, KS on y_pred_proba.
    let predictions = try #require(json["predictionTests"] as? [[String: Any]])
    #expect(Set(predictions.compactMap { $0["type"] as? String }) == ["predicted class", "probability"])
    #expect(predictions.allSatisfy { ($0["adjustedPValue"] as? Double ?? 1) < 1e-6 })
    // The reference keeps the schema and the model's outputs: the column and prediction tests
    // against it are the same (the domain classifier's folds draw other random numbers).
    let again = try run(["detect", "--reference", saved, "--target", analysis, "--json", "--quiet"])
    #expect(again.status == 0, "\(again.stderr)")
    let json2 = try #require(try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])
    for key in ["features", "predictionTests"] {
      let first = try JSONSerialization.data(withJSONObject: try #require(json[key]), options: [.sortedKeys])
      let second = try JSONSerialization.data(withJSONObject: try #require(json2[key]), options: [.sortedKeys])
      #expect(first == second, "\(key)")
    }
  }

  /// The labels follow the model's probabilities, so confidence-based estimation is unbiased:
  /// on 2 000 target rows its accuracy and the actual one each scatter by about 0.011, so
  /// agreement within 0.045 (three standard deviations of their difference) is required, and
  /// the 95 % interval must hold the actual accuracy.
  @Test func performanceFromTheModelsColumnsMatchesTheTargetsLabels() throws {
    let reference = try monitoringTable("perf-reference.csv", rows: 3000, shifted: false, seed: 3)
    let analysis = try monitoringTable("perf-analysis.csv", rows: 2000, shifted: true, seed: 4)
    let outcome = try run([
      "performance", "--source", reference, "--target", analysis, "--label", "y_true", "--probability",
      "y_pred_proba", "--prediction", "y_pred", "--bootstrap", "100", "--json", "--quiet",
    ])
    #expect(outcome.status == 0, "\(outcome.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
    let actual = try #require(json["actual"] as? [String: Double])
    let estimates = try #require(json["estimates"] as? [[String: Any]])
    let cbpe = try #require(estimates.first { $0["estimator"] as? String == "confidence-based" })
    let accuracy = try #require(actual["accuracy"])
    #expect(abs((cbpe["accuracy"] as? Double ?? 0) - accuracy) < 0.045)
    let interval = try #require(cbpe["accuracyInterval"] as? [String: Double])
    #expect(try #require(interval["lower"]) <= accuracy && accuracy <= (try #require(interval["upper"])))
    let binary = try #require(cbpe["binary"] as? [String: Any])
    #expect(abs((binary["rocAUC"] as? Double ?? 0) - (actual["rocAUC"] ?? 0)) < 0.05)
    #expect(abs((binary["precision"] as? Double ?? 0) - (actual["precision"] ?? 0)) < 0.05)
    // Without probability columns there is nothing to estimate: a usage error.
    let missing = try run(["performance", "--source", reference, "--target", analysis, "--label", "y_true"])
    #expect(missing.status == 1 && missing.stderr.contains("--probability"))
  }

  /// The model's probability columns (and no predicted-class column), of the source or of a
  /// reference saved from it, test a target streamed in one pass: the predicted-class χ² from the
  /// counts, the probabilities' KS tests on the sampled outputs (here every row), the column
  /// tests — the figures of the whole target in memory (the detector run through the library on
  /// the target read whole), to 1e-12. (The domain classifier's folds draw other random numbers.)
  @Test func probabilityColumnsStreamTheTarget() throws {
    let reference = try monitoringTable("stream-outputs-reference.csv", rows: 3000, shifted: false, seed: 9)
    let analysis = try monitoringTable("stream-outputs-analysis.csv", rows: 2000, shifted: true, seed: 10)
    let saved = directory.appendingPathComponent("stream-outputs-reference.json").path
    let fromSource = try run([
      "detect", "--source", reference, "--target", analysis, "--label", "y_true", "--probability", "y_pred_proba",
      "--save-reference", saved, "--json", "--quiet",
    ])
    let fromReference = try run(["detect", "--reference", saved, "--target", analysis, "--json", "--quiet"])
    #expect(fromSource.status == 0 && fromReference.status == 0, "\(fromSource.stderr) \(fromReference.stderr)")
    func tests(_ json: [String: Any]) -> [String: [String: Any]] {
      let all = (json["features"] as? [[String: Any]] ?? []) + (json["predictionTests"] as? [[String: Any]] ?? [])
      return Dictionary(uniqueKeysWithValues: all.map { ("\($0["feature"] ?? "") \($0["type"] ?? "")", $0) })
    }
    func tests(_ outcome: Outcome) throws -> [String: [String: Any]] {
      tests(try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]))
    }
    // The whole target in memory, against the saved reference's sample.
    let loaded = try SourceReference.load(from: saved)
    let encoding = try #require(loaded.tableEncoding)
    let table = try MixedTable(contentsOf: analysis, schema: encoding.schema)
    let cells = try encoding.cells(of: table)
    let sample = loaded.sampleMatrix
    var generator = SplitMix64(seed: 1)
    let whole = try ShiftDetector().detect(
      source: sample, target: encoding.encoder.expand(cells.cells), featureNames: loaded.featureNames,
      columns: (try encoding.cells(ofEncoded: sample), cells),
      predictions: try loaded.modelOutputs?.predictionSample(target: table), using: &generator)
    let inMemory = tests(
      try #require(try JSONSerialization.jsonObject(with: try JSONEncoder().encode(whole)) as? [String: Any]))
    #expect(inMemory.keys.contains("predicted class predicted class") && inMemory.keys.contains("P(1) probability"))
    for streamed in [try tests(fromSource), try tests(fromReference)] {
      #expect(Set(inMemory.keys) == Set(streamed.keys))
      for (name, test) in inMemory {
        for field in ["statistic", "pValue", "adjustedPValue"] {
          let (x, y) = (test[field] as? Double ?? .nan, streamed[name]?[field] as? Double ?? .nan)
          #expect(abs(x - y) <= 1e-12 * max(1, abs(x)), "\(name) \(field): \(x) vs \(y)")
        }
      }
    }
  }

  /// Label-free estimates from a profile of the target, cut into two shards and merged: the
  /// label-shift, confidence-based and prior-corrected estimates read the same rows (the whole
  /// target fits the profile's samples) and agree with the file's to 1e-9 (sums in another
  /// order). The importance-weighted one refits the domain classifier on the rows in another
  /// order, so on other folds: over seeds 1–5 of the file's run its accuracy and macro-F1 each
  /// spread over 0.0010, and it must fall within 0.003 of the file's (three times that).
  @Test func performanceFromAProfileIsTheFilesPerformance() throws {
    let reference = try monitoringTable("perf-profile-reference.csv", rows: 3000, shifted: false, seed: 5)
    let analysis = try monitoringTable("perf-profile-analysis.csv", rows: 2000, shifted: true, seed: 6)
    let saved = directory.appendingPathComponent("perf-profile-reference.json").path
    let common = ["--label", "y_true", "--probability", "y_pred_proba", "--quiet"]
    #expect(
      try run(["detect", "--source", reference, "--target", reference, "--save-reference", saved] + common).status == 0)
    let merged = try mergedProfile(of: analysis, ranges: [0..<700, 700..<2000], reference: saved, name: "perf-merged")
    func accuracies(_ target: [String], seed: Int = 1) throws -> [String: [Double]] {
      let outcome = try run(
        ["performance", "--source", reference, "--bootstrap", "0", "--json", "--seed", String(seed)] + common + target)
      #expect(outcome.status == 0, "\(outcome.stderr)")
      let json = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
      let estimates = try #require(json["estimates"] as? [[String: Any]])
      return Dictionary(
        uniqueKeysWithValues: estimates.map {
          ($0["estimator"] as? String ?? "", [$0["accuracy"] as? Double ?? .nan, $0["macroF1"] as? Double ?? .nan])
        })
    }
    let fromFile = try accuracies(["--target", analysis])
    let fromProfile = try accuracies(["--target-profile", merged])
    #expect(Set(fromFile.keys) == Set(fromProfile.keys) && fromFile.count == 4)
    for (estimator, values) in fromFile {
      let other = fromProfile[estimator] ?? []
      let tolerance = estimator == "importance-weighted" ? 0.003 : 1e-9
      for (a, b) in zip(values, other) { #expect(abs(a - b) <= tolerance, "\(estimator): \(a) vs \(b)") }
    }
    let unprofiled = directory.appendingPathComponent("perf-no-outputs.json").path
    let bare = directory.appendingPathComponent("perf-bare-reference.json").path
    #expect(
      try run([
        "detect", "--source", reference, "--target", reference, "--label", "y_true", "--save-reference", bare,
        "--quiet",
      ]).status == 0)
    #expect(try run(["profile", "--reference", bare, "--data", analysis, "--out", unprofiled, "--quiet"]).status == 0)
    let refused = try run(
      ["performance", "--source", reference, "--target-profile", unprofiled] + common)
    #expect(
      refused.status == 1 && refused.stderr.contains("a profile without the model's outputs"), "\(refused.stderr)")
  }

  /// Three Gaussian classes and their exact posteriors under equal priors as the model's
  /// probabilities: the source has equal priors, the target `prior`.
  func gaussianClassesTable(_ name: String, rows: Int, prior: [Double], seed: UInt64) throws -> String {
    var generator = SplitMix64(seed: seed)
    let means = [(0.0, 0.0), (1.5, 2.0), (3.0, 0.0)]
    var lines = ["id,x1,x2,y_pred_proba_a,y_pred_proba_b,y_pred_proba_c,y_true"]
    for row in 0..<rows {
      let u = Double.random(in: 0..<1, using: &generator)
      let y = u < prior[0] ? 0 : u < prior[0] + prior[1] ? 1 : 2
      let x = (means[y].0 + generator.standardNormal(), means[y].1 + generator.standardNormal())
      let logs = means.map { -((x.0 - $0.0) * (x.0 - $0.0) + (x.1 - $0.1) * (x.1 - $0.1)) / 2 }
      let largest = logs.max() ?? 0
      let e = logs.map { exp($0 - largest) }
      let p = e.map { $0 / e.reduce(0, +) }
      lines.append(
        "\(row),\(String(format: "%.4f,%.4f", x.0, x.1)),\(p.map { String(format: "%.6f", $0) }.joined(separator: ",")),"
          + ["a", "b", "c"][y])
    }
    return try write(name, lines.joined(separator: "\n") + "\n")
  }

  /// `correct` on the model's columns: the estimated target prior is near the truth (0.6, 0.3,
  /// 0.1) — within 0.04, about three standard errors of a 2 000-row target's class shares plus
  /// the estimator's own error — and the corrected probabilities, one row per target row,
  /// sum to 1 and predict better than the uncorrected ones.
  @Test func correctWritesPriorCorrectedProbabilitiesOfTheUsersModel() throws {
    let source = try gaussianClassesTable("gc-source.csv", rows: 3000, prior: [1.0 / 3, 1.0 / 3, 1.0 / 3], seed: 5)
    let target = try gaussianClassesTable("gc-target.csv", rows: 2000, prior: [0.6, 0.3, 0.1], seed: 6)
    let out = directory.appendingPathComponent("gc-corrected.csv").path
    let outcome = try run([
      "correct", "--source", source, "--target", target, "--label", "y_true", "--probability-prefix",
      "y_pred_proba_", "--ignore", "id", "--out", out, "--quiet",
    ])
    #expect(outcome.status == 0, "\(outcome.stderr)")
    let priors = outcome.stdout.split(separator: "\n").filter { ["a ", "b ", "c "].contains($0.prefix(2)) }
      .compactMap { Double($0.split(separator: " ", omittingEmptySubsequences: true)[2]) }
    #expect(priors.count == 3)
    for (estimate, truth) in zip(priors, [0.6, 0.3, 0.1]) { #expect(abs(estimate - truth) < 0.04) }
    let accuracies = try #require(outcome.stdout.split(separator: "\n").first { $0.hasPrefix("target accuracy") })
      .split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .punctuationCharacters)) }
    #expect(accuracies.count == 2 && accuracies[1] > accuracies[0])
    let rows = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
    #expect(rows.first == "line,y_pred_proba_a,y_pred_proba_b,y_pred_proba_c,predicted")
    #expect(rows.count == 2001)
    for row in rows.dropFirst().prefix(50) {
      let cells = row.split(separator: ",")
      let sum = cells[1...3].compactMap { Double($0) }.reduce(0, +)
      #expect(abs(sum - 1) < 1e-4)
    }
    // Without --out there is nowhere to write them.
    let missing = try run([
      "correct", "--source", source, "--target", target, "--label", "y_true", "--probability-prefix",
      "y_pred_proba_",
    ])
    #expect(missing.status == 1 && missing.stderr.contains("--out"))
  }

  /// A predicted class the labels do not have, and a probability outside [0, 1], in the target:
  /// errors naming file, line and column, exit 1, and no reference written.
  @Test func badModelOutputsInTheTargetAreErrorsNamingTheCell() throws {
    let reference = try monitoringTable("bad-reference.csv", rows: 200, shifted: false, seed: 7)
    let good = try monitoringTable("bad-good.csv", rows: 50, shifted: true, seed: 8)
    var lines = try String(contentsOfFile: good, encoding: .utf8).split(separator: "\n").map(String.init)
    var cells = lines[3].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    cells[6] = "7"
    lines[3] = cells.joined(separator: ",")
    let unknownClass = try write("bad-class.csv", lines.joined(separator: "\n") + "\n")
    cells[6] = "1"
    cells[5] = "1.5"
    lines[3] = cells.joined(separator: ",")
    let outOfRange = try write("bad-probability.csv", lines.joined(separator: "\n") + "\n")
    let saved = directory.appendingPathComponent("bad-reference.json").path
    for (target, message) in [
      (unknownClass, "bad-class.csv:4:7: column 'y_pred': '7' is not a class of the labels (0, 1)"),
      (outOfRange, "bad-probability.csv:4:6: column 'y_pred_proba': 1.5 is not in [0, 1]"),
    ] {
      let outcome = try run([
        "detect", "--source", reference, "--target", target, "--label", "y_true", "--probability", "y_pred_proba",
        "--prediction", "y_pred", "--save-reference", saved, "--quiet",
      ])
      #expect(outcome.status == 1)
      #expect(outcome.stderr.contains(message), "\(outcome.stderr)")
      #expect(!FileManager.default.fileExists(atPath: saved))
    }
  }
}
