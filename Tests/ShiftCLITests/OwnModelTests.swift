import Foundation
import LinearAlgebra
import NeuralNetwork
import Testing

@testable import Datasets
@testable import shiftcli

/// Label shift on the probabilities of the user's own model, given as columns of the data.
extension CommandLineTests {
  /// A model trained on the label-shift source and the files around it.
  struct OwnModelFiles {
    /// The model, and the file it was saved to.
    var classifier: Classifier
    var model: String
    /// The label-shift source and target as written by `labelShiftFiles`.
    var source: String
    var target: String
    /// The same files with the model's probabilities as `y_pred_proba_<class>` columns.
    var sourceWith: String
    var targetWith: String
  }

  /// A model trained (`hidden` units, `epochs` epochs of Adam) on the label-shift source, and
  /// the source and target with its probabilities as columns, files named after `name`.
  func ownModelFiles(_ name: String, hidden: Int, epochs: Int) throws -> OwnModelFiles {
    let (source, target) = try labelShiftFiles()
    let model = directory.appendingPathComponent("\(name).model").path
    let train = try run([
      "train", "--data", source, "--label", "lettr", "--hidden", String(hidden), "--optimizer", "adam", "--epochs",
      String(epochs), "--batch-size", "64", "--model-out", model, "--quiet",
    ])
    #expect(train.status == 0, "\(train.stderr)")
    let (classifier, _) = try ModelFile.load(from: model)
    return OwnModelFiles(
      classifier: classifier, model: model, source: source, target: target,
      sourceWith: try withProbabilities(source, model: classifier, name: "\(name)-source.csv"),
      targetWith: try withProbabilities(target, model: classifier, name: "\(name)-target.csv"))
  }

  /// `file` with the model's probabilities appended as `y_pred_proba_<class>` columns (9
  /// significant digits: a Float's probability exactly).
  func withProbabilities(_ file: String, model: Classifier, name: String) throws -> String {
    let encoding = try #require(model.tableEncoding)
    let (_, encoded) = try encoding.read(file)
    let probabilities = try model.probabilities(for: encoded.features)
    let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
    var out = [lines[0] + "," + model.classes.names.map { "y_pred_proba_\($0)" }.joined(separator: ",")]
    for (row, line) in lines.dropFirst().enumerated() {
      let cells = (0..<probabilities.columns).map { String(format: "%.9g", probabilities[row, $0]) }
      out.append(line + "," + cells.joined(separator: ","))
    }
    return try write(name, out.joined(separator: "\n") + "\n")
  }

  /// The same model twice: as a model file, and as probability columns. Both paths must give
  /// the same estimate: the columns' logarithms differ from the logits by a per-row constant,
  /// which softmax (and BCTS's temperature) cancel, so what is left is the rounding of the
  /// probabilities to Float (relative 10⁻⁷): agreement to 10⁻⁴ leaves a thousandfold margin.
  @Test func probabilityColumnsReproduceTheModelPath() throws {
    let files = try ownModelFiles("own", hidden: 64, epochs: 10)
    let (source, target, model) = (files.source, files.target, files.model)
    let (sourceWith, targetWith) = (files.sourceWith, files.targetWith)
    for method in ["bbse-hard", "bbse-soft", "rlls", "em", "em-bcts", "auto"] {
      let common = ["estimate", "--shift", "label", "--label", "lettr", "--method", method, "--json", "--quiet"]
      let viaModel = try run(common + ["--source", source, "--target", target, "--model", model])
      let viaColumns = try run(
        common + ["--source", sourceWith, "--target", targetWith, "--probability-prefix", "y_pred_proba_"])
      #expect(viaModel.status == 0 && viaColumns.status == 0, "\(viaModel.stderr) \(viaColumns.stderr)")
      func weights(_ outcome: Outcome) throws -> [Double] {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        return try #require(json["weights"] as? [Double])
      }
      let (a, b) = (try weights(viaModel), try weights(viaColumns))
      #expect(a.count == 26 && b.count == 26)
      for (x, y) in zip(a, b) { #expect(abs(x - y) <= 1e-4 * max(1, abs(x)), "\(method): \(x) vs \(y)") }
    }
  }

  @Test func badProbabilityColumnsAreErrorsNamingFileLineAndColumn() throws {
    let header = "x,y,p0,p1"
    let rows = (0..<40).map { i in "\(i),\(i % 2),\(i % 2 == 0 ? "0.8,0.2" : "0.3,0.7")" }
    let good = try write("pp-source.csv", ([header] + rows).joined(separator: "\n") + "\n")
    func target(_ edit: String, _ name: String) throws -> String {
      try write(name, ([header] + rows.prefix(5) + [edit]).joined(separator: "\n") + "\n")
    }
    let base = ["estimate", "--shift", "label", "--source", good, "--label", "y", "--method", "bbse-soft"]
    try expectFailure(
      base + ["--target", try target("9,1,1.5,-0.5", "pp-range.csv"), "--probabilities", "p0,p1"],
      mentioning: "pp-range.csv:7:3: column 'p0': 1.5 is not in [0, 1]")
    try expectFailure(
      base + ["--target", try target("9,1,0.5,0.2", "pp-sum.csv"), "--probabilities", "p0,p1"],
      mentioning: "pp-sum.csv:7: the probabilities sum to 0.7, not 1 (within 0.01)")
    try expectFailure(
      base + ["--target", try target("9,1,NA,0.2", "pp-missing.csv"), "--probabilities", "p0,p1"],
      mentioning: "pp-missing.csv:7:3: column 'p0': a missing probability")
    try expectFailure(
      base + ["--target", good, "--probability-prefix", "q"], mentioning: "0 columns start with 'q'")
    // A prefix: the class of each column is the rest of its name (p_0 and p_1: classes 0, 1);
    // a column for a class no source label has is an error.
    let rename = ([header.replacingOccurrences(of: "p0,p1", with: "p_0,p_1")] + rows).joined(separator: "\n") + "\n"
    let renamed = try write("pp-renamed.csv", rename)
    let ok = try run([
      "estimate", "--shift", "label", "--source", renamed, "--target", renamed, "--label", "y", "--probability-prefix",
      "p_", "--json",
    ])
    #expect(ok.status == 0, "\(ok.stderr)")
    let three =
      ([header.replacingOccurrences(of: "p0,p1", with: "p_0,p_1,p_2")] + rows.map { $0 + ",0" })
      .joined(separator: "\n") + "\n"
    let threeFile = try write("pp-three.csv", three)
    try expectFailure(
      [
        "estimate", "--shift", "label", "--source", threeFile, "--target", threeFile, "--label", "y",
        "--probability-prefix", "p_",
      ],
      mentioning: "pp-three.csv:1: column p_2 is for the class '2', which no label of the source has")
    // A binary model's positive class: the second class in class order (here 1).
    let binary = try run(
      [
        "estimate", "--shift", "label", "--source", good, "--target", good, "--label", "y", "--probability", "p1",
        "--json",
      ])
    #expect(binary.status == 0, "\(binary.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(binary.stdout.utf8)) as? [String: Any])
    let weights = try #require(json["weights"] as? [Double])
    // The target is the source: every weight is 1 up to the solver's tolerance.
    #expect(weights.allSatisfy { abs($0 - 1) < 1e-3 }, "\(weights)")
    try expectFailure(
      [
        "estimate", "--shift", "label", "--source", good, "--target", good, "--label", "y", "--probability", "p1",
        "--model", "m",
      ],
      mentioning: "give either --model or the model's probability columns")
  }
}

/// Label shift from profiles: a target profiled in shards and merged gives the estimate of the
/// target file itself, for every method (counts and sums add exactly; the sample of outputs is
/// the same hash-chosen rows).
extension CommandLineTests {
  @Test func estimatesFromMergedProfilesAreTheFilesEstimates() throws {
    let files = try ownModelFiles("profiled", hidden: 32, epochs: 5)
    let (classifier, sourceWith, targetWith) = (files.classifier, files.sourceWith, files.targetWith)
    let reference = directory.appendingPathComponent("profiled-ref.json").path
    let saved = try run([
      "detect", "--source", sourceWith, "--label", "lettr", "--target", sourceWith, "--probability-prefix",
      "y_pred_proba_", "--save-reference", reference, "--quiet",
    ])
    #expect(saved.status == 0, "\(saved.stderr)")
    // Two shards of the target, cut off-centre, profiled and merged.
    let rows = try String(contentsOfFile: targetWith, encoding: .utf8).split(separator: "\n").count - 1
    let merged = try mergedProfile(
      of: targetWith, ranges: [0..<(rows / 3), (rows / 3)..<rows], reference: reference, name: "shards")
    for method in ["bbse-hard", "bbse-soft", "rlls", "em", "em-bcts", "auto"] {
      let common = [
        "estimate", "--shift", "label", "--label", "lettr", "--method", method, "--source", sourceWith,
        "--probability-prefix", "y_pred_proba_", "--json", "--quiet",
      ]
      let fromFile = try run(common + ["--target", targetWith])
      let fromProfile = try run(common + ["--target-profile", merged])
      #expect(fromFile.status == 0 && fromProfile.status == 0, "\(fromFile.stderr) \(fromProfile.stderr)")
      func priors(_ outcome: Outcome) throws -> [Double] {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        return try #require(json["targetPrior"] as? [Double])
      }
      let (a, b) = (try priors(fromFile), try priors(fromProfile))
      #expect(a.count == 26 && b.count == 26)
      // Probability sums added in another order differ in the last bits: 1e-9 is far above that.
      for (x, y) in zip(a, b) { #expect(abs(x - y) <= 1e-9, "\(method): \(x) vs \(y)") }
    }
    // The prediction family from the merged profile: the predicted-class χ² from its counts, a KS
    // test per class probability from its sampled outputs (here every row), as on the file.
    func predictionTests(_ arguments: [String]) throws -> [String: [String: Any]] {
      let outcome = try run(["detect", "--reference", reference, "--json"] + arguments)
      #expect(outcome.status == 0, "\(outcome.stderr)")
      let json = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
      let tests = try #require(json["predictionTests"] as? [[String: Any]])
      return Dictionary(uniqueKeysWithValues: tests.map { ($0["feature"] as? String ?? "", $0) })
    }
    let fromFile = try predictionTests(["--target", targetWith])
    let fromProfile = try predictionTests(["--target-profile", merged])
    #expect(fromFile.count == 27 && Set(fromFile.keys) == Set(fromProfile.keys))
    for (feature, test) in fromFile {
      for field in ["statistic", "pValue", "adjustedPValue"] {
        let (a, b) = (test[field] as? Double ?? .nan, fromProfile[feature]?[field] as? Double ?? .nan)
        #expect(abs(a - b) <= 1e-12 * max(1, abs(a)), "\(feature) \(field): \(a) vs \(b)")
      }
    }
    // The source's columns in another order would be other classes' probabilities: refused.
    let reversed = classifier.classes.names.reversed().map { "y_pred_proba_\($0)" }.joined(separator: ",")
    let misordered = try run([
      "estimate", "--shift", "label", "--label", "lettr", "--source", sourceWith, "--probabilities", reversed,
      "--target-profile", merged, "--quiet",
    ])
    #expect(misordered.status == 1 && misordered.stderr.contains("(in class order), not"), "\(misordered.stderr)")
    let without = try run([
      "estimate", "--shift", "label", "--label", "lettr", "--source", sourceWith, "--target-profile", merged,
    ])
    #expect(without.status != 0 && without.stderr.contains("--target-profile needs"), "\(without.stderr)")
  }
}

/// Label shift from two profiles, a labelled reference's and a target's, with no file read:
/// the count-based methods equal the files' estimate, whatever the samples keep.
extension CommandLineTests {
  @Test func estimatesFromALabelledReferenceProfileAreTheSourcesEstimates() throws {
    let files = try ownModelFiles("labelled", hidden: 32, epochs: 5)
    let (sourceWith, targetWith) = (files.sourceWith, files.targetWith)
    let reference = directory.appendingPathComponent("labelled-ref.json").path
    let saved = try run([
      "detect", "--source", sourceWith, "--label", "lettr", "--target", sourceWith, "--probability-prefix",
      "y_pred_proba_", "--save-reference", reference, "--quiet",
    ])
    #expect(saved.status == 0, "\(saved.stderr)")
    func rowCount(_ file: String) throws -> Int {
      try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").count - 1
    }
    let (sourceRows, targetRows) = (try rowCount(sourceWith), try rowCount(targetWith))
    let target = try mergedProfile(
      of: targetWith, ranges: [0..<(targetRows / 2), (targetRows / 2)..<targetRows], reference: reference,
      name: "labelled-target")
    let thirds = [0..<(sourceRows / 3), (sourceRows / 3)..<(2 * sourceRows / 3), (2 * sourceRows / 3)..<sourceRows]
    let whole = try mergedProfile(
      of: sourceWith, ranges: thirds, reference: reference, name: "labelled-source", options: ["--labelled"])
    // A labelled sample of 100 rows, far fewer than the source's: BBSE's and RLLS's counts are
    // still every row's.
    let sampled = try mergedProfile(
      of: sourceWith, ranges: thirds, reference: reference, name: "labelled-sampled",
      options: ["--labelled", "--sample-rows", "100"])
    func priors(_ arguments: [String]) throws -> [Double] {
      let outcome = try run(
        ["estimate", "--shift", "label", "--json", "--quiet", "--target-profile", target] + arguments)
      #expect(outcome.status == 0, "\(outcome.stderr)")
      let json = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
      return try #require(json["targetPrior"] as? [Double])
    }
    let fromSource = ["--label", "lettr", "--source", sourceWith, "--probability-prefix", "y_pred_proba_"]
    // Counts added in another order differ in the last bits; EM reads only the target's sample.
    for method in ["bbse-hard", "bbse-soft", "rlls", "em"] {
      let file = try priors(fromSource + ["--method", method])
      for profile in [whole, sampled] {
        let fromProfile = try priors(["--reference-profile", profile, "--method", method])
        #expect(file.count == 26 && fromProfile.count == 26)
        for (x, y) in zip(file, fromProfile) { #expect(abs(x - y) <= 1e-9, "\(method): \(x) vs \(y)") }
      }
    }
    // EM-BCTS calibrates on the whole labelled sample (every row, in key order rather than the
    // file's): the same fit up to the optimiser's rounding.
    let file = try priors(fromSource + ["--method", "em-bcts"])
    let fromProfile = try priors(["--reference-profile", whole, "--method", "em-bcts"])
    for (x, y) in zip(file, fromProfile) { #expect(abs(x - y) <= 1e-6, "em-bcts: \(x) vs \(y)") }
    // auto and the bootstrap on the 100 sampled rows; the report says what was sampled.
    let auto = try run([
      "estimate", "--shift", "label", "--reference-profile", sampled, "--target-profile", target, "--bootstrap", "20",
      "--json", "--quiet",
    ])
    #expect(auto.status == 0, "\(auto.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(auto.stdout.utf8)) as? [String: Any])
    #expect(json["ci"] != nil && json["sourceRows"] as? Int == sourceRows)
    let notes = try #require(json["notes"] as? [String])
    #expect(notes.contains { $0.contains("100 of \(sourceRows) labelled rows") }, "\(notes)")

    // An unlabelled profile as the reference, a labelled with an unlabelled shard, a reference
    // without the model's columns: errors naming the file.
    let unlabelled = try run([
      "estimate", "--shift", "label", "--reference-profile", target, "--target-profile", target, "--quiet",
    ])
    #expect(unlabelled.status == 1 && unlabelled.stderr.contains("profile --labelled"), "\(unlabelled.stderr)")
    // A crafted profile whose classes repeat a name: refused, not a crash.
    let wholeText = try String(contentsOfFile: whole, encoding: .utf8)
    #expect(wholeText.contains("\"classNames\":[\"A\",\"B\","))
    let repeated = try write(
      "labelled-repeated.json",
      wholeText.replacingOccurrences(of: "\"classNames\":[\"A\",\"B\",", with: "\"classNames\":[\"A\",\"A\","))
    let refusedRepeat = try run([
      "estimate", "--shift", "label", "--reference-profile", repeated, "--target-profile", target, "--quiet",
    ])
    #expect(refusedRepeat.status == 1, "\(refusedRepeat.stderr)")
    #expect(refusedRepeat.stderr.contains("not a usable shift profile"), "\(refusedRepeat.stderr)")
    let mixed = directory.appendingPathComponent("labelled-mixed.json").path
    let merging = try run(["merge", whole, target, "--out", mixed, "--quiet"])
    #expect(merging.status == 1 && merging.stderr.contains("a labelled and an unlabelled profile"))
    #expect(!FileManager.default.fileExists(atPath: mixed))
    let plain = directory.appendingPathComponent("labelled-plain-ref.json").path
    let plainSaved = try run([
      "detect", "--source", sourceWith, "--label", "lettr", "--target", sourceWith, "--save-reference", plain,
      "--ignore", files.classifier.classes.names.map { "y_pred_proba_\($0)" }.joined(separator: ","), "--quiet",
    ])
    #expect(plainSaved.status == 0, "\(plainSaved.stderr)")
    let refused = try run([
      "profile", "--reference", plain, "--data", sourceWith, "--labelled", "--out",
      directory.appendingPathComponent("labelled-refused.json").path, "--quiet",
    ])
    #expect(refused.status == 1 && refused.stderr.contains("model's probability columns"), "\(refused.stderr)")
    let both = try run([
      "estimate", "--shift", "label", "--source", sourceWith, "--reference-profile", whole, "--target-profile", target,
    ])
    #expect(both.status != 0 && both.stderr.contains("either --source or --reference-profile"), "\(both.stderr)")
  }
}
