import Foundation
import NeuralNetwork
import ShiftDetection
import Testing

@testable import Datasets
@testable import shiftcli

/// The Palmer penguins table as distributed (string categories, `NA` cells) through every
/// command that reads a source, without edits to the file.
extension CommandLineTests {
  static let penguins = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../Datasets/penguins.csv").standardized.path

  /// The file's header and data lines.
  func penguinLines() throws -> (header: String, rows: [String]) {
    let lines = try String(contentsOfFile: Self.penguins, encoding: .utf8).split(separator: "\n").map(String.init)
    return (lines[0], Array(lines.dropFirst()))
  }

  /// Source: every other row; target: the other rows, with only one Gentoo in four kept (a
  /// known label shift). Returns the paths and the target's true class shares.
  func penguinShift() throws -> (source: String, target: String, targetPrior: [String: Double]) {
    let (header, rows) = try penguinLines()
    let sourceRows = rows.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
    var gentoo = 0
    let targetRows = rows.enumerated().filter { $0.offset % 2 == 1 }.map(\.element).filter { row in
      guard row.hasPrefix("Gentoo,") else { return true }
      gentoo += 1
      return gentoo % 4 == 0
    }
    var prior: [String: Double] = [:]
    for row in targetRows { prior[String(row.prefix { $0 != "," }), default: 0] += 1 / Double(targetRows.count) }
    return (
      try write("p-source.csv", ([header] + sourceRows).joined(separator: "\n") + "\n"),
      try write("p-target.csv", ([header] + targetRows).joined(separator: "\n") + "\n"), prior
    )
  }

  @Test func schemaShowsHowPenguinsAreRead() throws {
    let result = try run(["schema", Self.penguins, "--label", "species", "--json"])
    #expect(result.status == 0, "\(result.stderr)")
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    #expect((json["features"] as? [String])?.count == 15 && json["rows"] as? Int == 344)
    let human = try run(["schema", Self.penguins, "--label", "species", "--ignore", "year"])
    #expect(human.stdout.contains("island             categorical"), "\(human.stdout)")
    #expect(human.stdout.contains("year               ignored               --ignore"), "\(human.stdout)")
    let unknown = try run(["schema", Self.penguins, "--categorical", "yaer"])
    #expect(unknown.status == 1 && unknown.stderr.contains("no column named 'yaer' (given as --categorical"))
  }

  @Test func penguinsTrainAndEvaluateWithTheirSchemaInTheModel() throws {
    let model = directory.appendingPathComponent("penguins.model").path
    let train = try run([
      "train", "--data", Self.penguins, "--label", "species", "--hidden", "32", "--epochs", "30", "--model-out", model,
      "--json", "--quiet",
    ])
    #expect(train.status == 0, "\(train.stderr)")
    // The schema travels with the model: the same as inferred from the file.
    let (classifier, _) = try ModelFile.load(from: model)
    let inferred = try MixedTable(contentsOf: Self.penguins, options: SchemaOptions(label: "species"))
    #expect(classifier.tableEncoding?.schema == inferred.schema)
    #expect(classifier.featureNames.contains("sex=(missing)") && classifier.featureNames.contains("island=Dream"))
    // 30 epochs separate the three species almost perfectly (published simple models: 97–99 %);
    // 0.9 leaves room for the seed without letting a broken encoding pass (a third is chance).
    let evaluate = try run(["evaluate", "--model", model, "--data", Self.penguins, "--label", "species", "--json"])
    let scores = try #require(try JSONSerialization.jsonObject(with: Data(evaluate.stdout.utf8)) as? [String: Any])
    #expect((scores["accuracy"] as? Double ?? 0) > 0.9, "\(evaluate.stdout)")
    // A later file with an island the model never saw, and a missing cell in year (complete in
    // training): counted, reported, scored.
    let (header, rows) = try penguinLines()
    var changed = rows
    changed[0] = changed[0].replacingOccurrences(of: "Torgersen", with: "Atlantis")
    changed[1] = changed[1].replacingOccurrences(of: ",2007", with: ",NA")
    let later = try write("p-later.csv", ([header] + changed).joined(separator: "\n") + "\n")
    let scored = try run(["evaluate", "--model", model, "--data", later, "--label", "species", "--json"])
    #expect(scored.status == 0, "\(scored.stderr)")
    #expect(scored.stdout.contains(#""unseenLevels":[{"column":"island","levels":["Atlantis"],"rows":1}"#))
    #expect(scored.stdout.contains(#"{"column":"year","levels":["(missing)"],"rows":1}"#), "\(scored.stdout)")
    // A model file whose stored encoding contradicts itself (valid checksum) is refused on load.
    let damaged = try rewritingHeader(of: Array(try Data(contentsOf: URL(fileURLWithPath: model)))) { header in
      guard var encoding = header["tableEncoding"] as? [String: Any],
        var encoder = encoding["encoder"] as? [String: Any], var columns = encoder["columns"] as? [Any]
      else { return }
      columns.removeFirst()
      encoder["columns"] = columns
      encoding["encoder"] = encoder
      header["tableEncoding"] = encoding
    }
    let damagedFile = try write("p-damaged.model", "")
    try Data(damaged).write(to: URL(fileURLWithPath: damagedFile))
    try expectFailure(
      ["evaluate", "--model", damagedFile, "--data", Self.penguins, "--label", "species"],
      mentioning: "corrupt model file: table encoding: its encoder's columns are not the schema's feature columns")
  }

  @Test func penguinsLabelShiftIsEstimatedDetectedAndCorrected() throws {
    let (source, target, truth) = try penguinShift()
    let estimate = try run([
      "estimate", "--shift", "label", "--source", source, "--target", target, "--label", "species", "--epochs", "100",
      "--hidden", "32", "--json", "--quiet",
    ])
    #expect(estimate.status == 0, "\(estimate.stderr)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(estimate.stdout.utf8)) as? [String: Any])
    let classes = try #require(json["classes"] as? [String])
    let prior = try #require(json["targetPrior"] as? [Double])
    // The species are nearly separable (a well-trained MLP scores 97.6 % on this target), so the
    // estimate is off by its few errors: 0.02 at most with 100 epochs. 0.08 is four times that,
    // and far below the 0.2–0.5 errors of an underfitted model (40 epochs, a batch of 128: 0.33).
    for (name, estimated) in zip(classes, prior) {
      #expect(abs(estimated - (truth[name] ?? 0)) < 0.08, "\(name): \(estimated) vs \(truth[name] ?? 0)")
    }
    let reference = directory.appendingPathComponent("p-reference.json").path
    let detect = try run([
      "detect", "--source", source, "--target", target, "--label", "species", "--save-reference", reference, "--json",
    ])
    #expect(detect.status == 0, "\(detect.stderr)")
    let saved = try SourceReference.load(from: reference)
    #expect(saved.tableEncoding?.schema.column(named: "island")?.kind == .categorical)
    let again = try run(["detect", "--reference", reference, "--target", target, "--json"])
    #expect(again.status == 0, "\(again.stderr)")
    let report = directory.appendingPathComponent("p-report.md").path
    let correct = try run([
      "correct", "--source", source, "--target", target, "--label", "species", "--report", report, "--epochs", "20",
      "--bootstrap", "20", "--quiet",
    ])
    #expect(correct.status == 0, "\(correct.stderr)")
    // The report lists how each column was read and tests each by its kind.
    let markdown = try String(contentsOfFile: report, encoding: .utf8)
    #expect(markdown.contains("| island | categorical |"))
    #expect(markdown.contains("## Drift by column"))
    #expect(markdown.contains("Cramér's V"))
  }

  @Test func aPenguinModelEstimatesOnFilesReadWithItsSchema() throws {
    let (source, target, _) = try penguinShift()
    let model = directory.appendingPathComponent("p-shift.model").path
    #expect(
      try run([
        "train", "--data", source, "--label", "species", "--hidden", "32", "--epochs", "30", "--model-out", model,
        "--quiet",
      ]).status == 0)
    let estimate = try run([
      "estimate", "--shift", "label", "--source", source, "--target", target, "--label", "species", "--model", model,
      "--json",
    ])
    #expect(estimate.status == 0, "\(estimate.stderr)")
  }
}
