import Foundation
import Testing

@testable import shiftcli

/// `shiftcli monitor` on the monitoring table (a binary model's probability, its predicted
/// class, timestamps 1–28 March in cyclic, unsorted order).
extension CommandLineTests {
  func monitorArguments(reference: String, analysis: String) -> [String] {
    [
      "monitor", "--reference", reference, "--analysis", analysis, "--label", "y_true", "--probability",
      "y_pred_proba", "--prediction", "y_pred", "--bootstrap", "20", "--quiet",
    ]
  }

  @Test func monitorByWeekGivesTheDashboardObjectAndTheFlatTable() throws {
    let reference = try monitoringTable("monitor-reference.csv", rows: 2000, shifted: false, seed: 1)
    let analysis = try monitoringTable("monitor-analysis.csv", rows: 3000, shifted: true, seed: 2)
    let table = directory.appendingPathComponent("chunks.csv").path
    let report = directory.appendingPathComponent("monitor.md").path
    let outcome = try run(
      monitorArguments(reference: reference, analysis: analysis) + [
        "--chunk-by", "timestamp:week", "--json", "--out", table, "--report", report,
      ])
    #expect(outcome.status == 0, "\(outcome.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
    let band = try #require(json["referenceBand"] as? [String: Any])
    #expect(band["accuracyLower"] is Double && band["accuracyUpper"] is Double)
    let chunks = try #require(json["chunks"] as? [[String: Any]])
    // 1–28 March 2024: the weeks starting 26 February, 4, 11, 18 and 25 March.
    #expect(
      chunks.map { $0["start"] as? String } == ["2024-02-26", "2024-03-04", "2024-03-11", "2024-03-18", "2024-03-25"])
    #expect(chunks.map { $0["rows"] as? Int ?? 0 }.reduce(0, +) == 3000)
    for chunk in chunks {
      for key in [
        "index", "start", "end", "rows", "verdict", "estimatedAccuracy", "accuracyLower", "accuracyUpper",
        "realisedAccuracy", "estimatedPrior", "alerts",
      ] {
        #expect(chunk.keys.contains(key), "\(key) missing")
      }
      // The analysis file has its labels: the realised accuracy is there.
      #expect(chunk["realisedAccuracy"] is Double)
    }
    // The shifted channel mix is what the detector sees first.
    let detection = try #require(chunks[1]["detection"] as? [String: Any])
    let features = try #require(detection["features"] as? [[String: Any]])
    #expect(features.first?["feature"] as? String == "acq_channel")
    let lines = try String(contentsOfFile: table, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 6 && lines[0].hasPrefix("index,start,end,rows,verdict,recommended,estimatedAccuracy"))
    let markdown = try String(contentsOfFile: report, encoding: .utf8)
    #expect(markdown.contains("## Alerts") && markdown.contains("## Chunks") && markdown.contains("shiftcli monitor"))
    for chart in ["accuracy", "drift", "priors"] {
      let svg = try String(
        contentsOfFile: directory.appendingPathComponent("monitor-\(chart).svg").path, encoding: .utf8)
      #expect(svg.hasPrefix("<?xml") && svg.hasSuffix("</svg>\n"))
    }
  }

  @Test func aSavedMonitorAnalysesLaterBatchesAlike() throws {
    let reference = try monitoringTable("saved-reference.csv", rows: 2000, shifted: false, seed: 3)
    let analysis = try monitoringTable("saved-analysis.csv", rows: 1500, shifted: false, seed: 4)
    let saved = directory.appendingPathComponent("monitor.json").path
    let fitted = try run(
      monitorArguments(reference: reference, analysis: analysis) + [
        "--chunk-size", "500", "--json", "--save-monitor", saved,
      ])
    #expect(fitted.status == 0, "\(fitted.stderr)")
    let loaded = try run([
      "monitor", "--monitor", saved, "--analysis", analysis, "--chunk-size", "500", "--json", "--quiet",
    ])
    #expect(loaded.status == 0, "\(loaded.stderr)")
    // The same figures (to rounding: other tests in this process may change BLAS's thread
    // count, and with it the order of its sums).
    func chunks(_ outcome: Outcome) throws -> [(String, Double, Double, Int)] {
      let json = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
      return (json["chunks"] as? [[String: Any]] ?? []).map {
        (
          $0["verdict"] as? String ?? "", $0["estimatedAccuracy"] as? Double ?? .nan,
          $0["accuracyUpper"] as? Double ?? .nan, ($0["alerts"] as? [Any])?.count ?? -1
        )
      }
    }
    let (first, second) = (try chunks(fitted), try chunks(loaded))
    #expect(first.count == 3 && second.count == 3)
    for (a, b) in zip(first, second) {
      #expect(a.0 == b.0 && a.3 == b.3 && abs(a.1 - b.1) < 1e-9 && abs(a.2 - b.2) < 1e-9, "\(a) vs \(b)")
    }
    // Stable traffic: no alerts.
    #expect(!fitted.stdout.contains("\"kind\""))
  }

  @Test func labelsThatArriveLaterAreJoinedOnTheId() throws {
    let reference = try monitoringTable("join-reference.csv", rows: 2000, shifted: false, seed: 5)
    let labelled = try monitoringTable("join-labelled.csv", rows: 1000, shifted: false, seed: 6)
    // The analysis file without its labels, the labels in a file of their own, shuffled.
    let text = try String(contentsOfFile: labelled, encoding: .utf8)
    var rows = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
    let header = rows.removeFirst()
    let analysis = try write(
      "join-analysis.csv",
      ([header.dropLast()] + rows.map { $0.dropLast() }).map { $0.joined(separator: ",") }.joined(separator: "\n")
        + "\n")
    let labels = try write(
      "join-labels.csv", (["y_true,id"] + rows.reversed().map { "\($0[7]),\($0[0])" }).joined(separator: "\n") + "\n")
    let withoutLabels = try run(
      monitorArguments(reference: reference, analysis: analysis) + ["--chunks", "2", "--json"])
    #expect(withoutLabels.status == 0, "\(withoutLabels.stderr)")
    #expect(withoutLabels.stdout.contains("\"realisedAccuracy\":null"))
    let joined = try run(
      monitorArguments(reference: reference, analysis: analysis) + [
        "--chunks", "2", "--json", "--analysis-labels", labels, "--id", "id",
      ])
    let own = try run(monitorArguments(reference: reference, analysis: labelled) + ["--chunks", "2", "--json"])
    #expect(joined.status == 0 && own.status == 0, "\(joined.stderr)")
    func realised(_ outcome: Outcome) throws -> [Double] {
      let json = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
      return (json["chunks"] as? [[String: Any]] ?? []).compactMap { $0["realisedAccuracy"] as? Double }
    }
    #expect(try realised(joined).count == 2)
    #expect(try realised(joined) == realised(own))
    // Labels of the first rows not arrived yet: only the second chunk shows its realised figures.
    let partial = try write(
      "join-partial.csv",
      (["y_true,id"] + rows.dropFirst(100).map { "\($0[7]),\($0[0])" }).joined(separator: "\n") + "\n")
    let late = try run(
      monitorArguments(reference: reference, analysis: analysis) + [
        "--chunks", "2", "--json", "--analysis-labels", partial, "--id", "id",
      ])
    #expect(late.status == 0 && late.stderr.isEmpty, "\(late.stderr)")
    let lateJSON = try #require(try JSONSerialization.jsonObject(with: Data(late.stdout.utf8)) as? [String: Any])
    let lateChunks = try #require(lateJSON["chunks"] as? [[String: Any]])
    let ownRealised = try realised(own)
    #expect(
      lateChunks[0]["realisedAccuracy"] is NSNull && lateChunks[1]["realisedAccuracy"] as? Double == ownRealised[1])
  }

  @Test func badDatesAndEmptyPeriodsInMonitoring() throws {
    let reference = try monitoringTable("dates-reference.csv", rows: 2000, shifted: false, seed: 7)
    let good = try monitoringTable("dates-analysis.csv", rows: 600, shifted: false, seed: 8)
    var lines = try String(contentsOfFile: good, encoding: .utf8).split(separator: "\n").map(String.init)
    // A gap: no rows on 5 March (a day of its own, reported empty).
    lines = [lines[0]] + lines.dropFirst().filter { !$0.contains("2024-03-05T") }
    let gapped = try write("dates-gapped.csv", lines.joined(separator: "\n") + "\n")
    let daily = try run(
      monitorArguments(reference: reference, analysis: gapped) + ["--chunk-by", "timestamp:day", "--json"])
    #expect(daily.status == 0, "\(daily.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(daily.stdout.utf8)) as? [String: Any])
    let chunks = try #require(json["chunks"] as? [[String: Any]])
    let empty = try #require(chunks.first { $0["start"] as? String == "2024-03-05" })
    #expect(empty["rows"] as? Int == 0 && empty["estimatedAccuracy"] is NSNull)
    // A bad date: an error naming file, line and column, and no output written.
    lines[3] = lines[3].replacingOccurrences(of: "2024-03-", with: "2024-02-3")
    let bad = try write("dates-bad.csv", lines.joined(separator: "\n") + "\n")
    let table = directory.appendingPathComponent("bad-chunks.csv").path
    let outcome = try run(
      monitorArguments(reference: reference, analysis: bad) + ["--chunk-by", "timestamp:day", "--out", table])
    #expect(outcome.status == 1)
    #expect(outcome.stderr.contains("dates-bad.csv:4:2: column 'timestamp': '2024-02-3"), "\(outcome.stderr)")
    #expect(!FileManager.default.fileExists(atPath: table))
    // Usage: one chunking, a reference or a monitor.
    #expect(try run(monitorArguments(reference: reference, analysis: good)).stderr.contains("give one of --chunk-size"))
    #expect(try run(["monitor", "--analysis", good, "--chunks", "2"]).stderr.contains("--reference or --monitor"))
  }
}

extension CommandLineTests {
  @Test func aModelFileGivesTheMonitorItsOutputs() throws {
    let reference = try monitoringTable("model-reference.csv", rows: 2000, shifted: false, seed: 9)
    let analysis = try monitoringTable("model-analysis.csv", rows: 1000, shifted: true, seed: 10)
    let model = directory.appendingPathComponent("monitor-model.bin").path
    let trained = try run([
      "train", "--data", reference, "--label", "y_true", "--ignore", "y_pred_proba,y_pred", "--hidden", "16",
      "--epochs", "5", "--model-out", model, "--quiet",
    ])
    #expect(trained.status == 0, "\(trained.stderr)")
    let saved = directory.appendingPathComponent("model-monitor.json").path
    let fitted = try run([
      "monitor", "--reference", reference, "--analysis", analysis, "--label", "y_true", "--model", model,
      "--chunks", "2", "--bootstrap", "10", "--save-monitor", saved, "--json", "--quiet",
    ])
    #expect(fitted.status == 0, "\(fitted.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(fitted.stdout.utf8)) as? [String: Any])
    #expect((json["chunks"] as? [[String: Any]])?.count == 2)
    // A monitor fitted with a model needs it again, and only it.
    let without = try run(["monitor", "--monitor", saved, "--analysis", analysis, "--chunks", "2", "--quiet"])
    #expect(without.status == 1 && without.stderr.contains("give it again with --model"), "\(without.stderr)")
    let again = try run([
      "monitor", "--monitor", saved, "--model", model, "--analysis", analysis, "--chunks", "2", "--json", "--quiet",
    ])
    #expect(again.status == 0, "\(again.stderr)")
    let both = try run(
      monitorArguments(reference: reference, analysis: analysis) + ["--model", model, "--chunks", "2"])
    #expect(both.status == 1 && both.stderr.contains("--model FILE or --train"))
    // --train: an MLP on half the reference, the other half its holdout; a saved monitor needs --model-out.
    let trainedHere = directory.appendingPathComponent("trained-here.bin").path
    let arguments = [
      "monitor", "--reference", reference, "--analysis", analysis, "--label", "y_true", "--ignore",
      "y_pred_proba,y_pred", "--train", "--epochs", "5", "--chunks", "2", "--bootstrap", "10", "--quiet",
    ]
    #expect(try run(arguments + ["--save-monitor", saved]).stderr.contains("add --model-out FILE"))
    let withTraining = try run(arguments + ["--model-out", trainedHere, "--json"])
    #expect(withTraining.status == 0, "\(withTraining.stderr)")
    #expect(FileManager.default.fileExists(atPath: trainedHere))
  }
}

/// Chunks given as profiles: a saved monitor's reference profiles each half of the analysis
/// file, in two shards merged; `--analysis-profiles` then gives what `--chunks 2` gives on the
/// file for everything read from the same rows — the label-shift, confidence-based and
/// prior-corrected estimates, the estimated prior, the accuracy band, the column and prediction
/// tests — to 1e-9 (sums in another order; the chunks fit the profiles' samples, so the rows
/// are the same). The importance-weighted estimate refits the domain classifier on the rows in
/// another order (other folds) and is not compared; nor is the domain test.
extension CommandLineTests {
  @Test func chunksAsProfilesAreTheFilesChunks() throws {
    let reference = try monitoringTable("profiled-monitor-reference.csv", rows: 2000, shifted: false, seed: 7)
    let analysis = try monitoringTable("profiled-monitor-analysis.csv", rows: 1200, shifted: true, seed: 8)
    let saved = directory.appendingPathComponent("profiled-monitor.json").path
    let common = ["--json", "--quiet"]
    let fromFile = try run(
      [
        "monitor", "--reference", reference, "--analysis", analysis, "--label", "y_true", "--probability",
        "y_pred_proba", "--chunks", "2", "--bootstrap", "0", "--save-monitor", saved,
      ] + common)
    #expect(fromFile.status == 0, "\(fromFile.stderr)")
    let profiles = try [0..<600, 600..<1200].enumerated().map { chunk, range in
      try mergedProfile(
        of: analysis,
        ranges: [range.lowerBound..<(range.lowerBound + 250), (range.lowerBound + 250)..<range.upperBound],
        reference: saved, name: "monitor-chunk-\(chunk)")
    }
    let fromProfiles = try run(["monitor", "--monitor", saved, "--analysis-profiles"] + profiles + common)
    #expect(fromProfiles.status == 0, "\(fromProfiles.stderr)")
    func chunks(_ outcome: Outcome) throws -> [[String: Any]] {
      let json = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
      return try #require(json["chunks"] as? [[String: Any]])
    }
    let (a, b) = (try chunks(fromFile), try chunks(fromProfiles))
    #expect(a.count == 2 && b.count == 2)
    func close(_ x: Any?, _ y: Any?, _ what: String) {
      let (u, v) = (x as? Double ?? .nan, y as? Double ?? .nan)
      #expect(abs(u - v) <= 1e-9, "\(what): \(u) vs \(v)")
    }
    for (file, profile) in zip(a, b) {
      #expect(file["rows"] as? Int == profile["rows"] as? Int)
      #expect(profile["start"] as? String == profiles[profile["index"] as? Int ?? 0])
      for (x, y) in zip(file["estimatedPrior"] as? [Double] ?? [], profile["estimatedPrior"] as? [Double] ?? []) {
        close(x, y, "prior")
      }
      let (bandA, bandB) = (
        file["accuracyBand"] as? [String: Double] ?? [:], profile["accuracyBand"] as? [String: Double] ?? [:]
      )
      close(bandA["lower"], bandB["lower"], "band")
      let estimates = { (chunk: [String: Any]) -> [String: Double] in
        Dictionary(
          uniqueKeysWithValues: (chunk["estimates"] as? [[String: Any]] ?? []).map {
            ($0["estimator"] as? String ?? "", $0["accuracy"] as? Double ?? .nan)
          })
      }
      let (estimatesA, estimatesB) = (estimates(file), estimates(profile))
      #expect(estimatesA.count == 4 && Set(estimatesA.keys) == Set(estimatesB.keys))
      for name in ["label-shift", "confidence-based", "prior-corrected-confidence"] {
        close(estimatesA[name], estimatesB[name], name)
      }
      let tests = { (chunk: [String: Any]) -> [String: [String: Any]] in
        let detection = chunk["detection"] as? [String: Any] ?? [:]
        let all =
          (detection["features"] as? [[String: Any]] ?? []) + (detection["predictionTests"] as? [[String: Any]] ?? [])
        return Dictionary(
          uniqueKeysWithValues: all.map { ("\($0["feature"] ?? "") \($0["type"] ?? "")", $0) })
      }
      let (testsA, testsB) = (tests(file), tests(profile))
      #expect(testsA.count >= 5 && Set(testsA.keys) == Set(testsB.keys))
      for (name, test) in testsA {
        close(test["statistic"], testsB[name]?["statistic"], "\(name) statistic")
        close(test["pValue"], testsB[name]?["pValue"], "\(name) p-value")
      }
    }
    // A profile of another reference, and profiles without a monitor, are refused.
    let otherReference = directory.appendingPathComponent("profiled-other-reference.json").path
    #expect(
      try run([
        "detect", "--source", reference, "--target", reference, "--label", "y_true", "--save-reference",
        otherReference, "--quiet",
      ]).status == 0)
    let foreign = directory.appendingPathComponent("monitor-foreign.json").path
    #expect(
      try run(["profile", "--reference", otherReference, "--data", analysis, "--out", foreign, "--quiet"]).status == 0)
    let refused = try run(["monitor", "--monitor", saved, "--analysis-profiles", foreign, "--quiet"])
    #expect(refused.status == 1 && refused.stderr.contains("another reference"), "\(refused.stderr)")
    let unmonitored = try run([
      "monitor", "--reference", reference, "--analysis-profiles", profiles[0], "--label", "y_true", "--probability",
      "y_pred_proba",
    ])
    #expect(unmonitored.status != 0 && unmonitored.stderr.contains("--analysis-profiles needs --monitor"))
  }
}
