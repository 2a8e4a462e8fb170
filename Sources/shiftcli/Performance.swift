import ArgumentParser
import Foundation
import ShiftKit

extension ShiftCLI {
  /// `shiftcli performance`: how well does your model do on the target, before its labels come?
  struct Performance: ShiftCommand {
    static let configuration = CommandConfiguration(
      abstract: "Estimate your model's accuracy and macro-F1 on a target without its labels, from its probabilities.",
      discussion: """
        Your model's class probabilities are columns of both files (--probabilities, \
        --probability-prefix, or --probability for a binary model; --prediction names its own \
        predicted class, else the most probable class counts). The labelled source is its holdout \
        (rows it was not trained on). Four estimates, each with a bootstrap interval: \
        label-shift (the holdout's per-class confusion reweighted by the target prior EM-BCTS \
        estimates), importance-weighted (the holdout reweighted by a cross-fitted domain \
        classifier on the encoded columns), confidence-based (CBPE: the expected confusion of the \
        target's calibrated probabilities) and prior-corrected confidence. For a binary model \
        also precision and recall of the positive class (the second in class order) and ROC \
        AUC. When the target has the label column, the actual figures are shown beside them.

        A target too large to read whole: profile it in shards (`shiftcli profile` with a \
        reference saved with the same probability columns), merge, and give --target-profile; \
        the estimates then read the profile's hash-chosen samples (100 000 rows of outputs, \
        20 000 encoded rows by default: the whole target when it is no larger).

        Example:
          shiftcli performance --source reference.csv --target analysis.csv --label y_true \\
            --probability y_pred_proba --prediction y_pred --ignore id,timestamp
          shiftcli performance --source reference.csv --target-profile analysis.profile.json \\
            --label y_true --probability y_pred_proba
        """)

    @Option(help: ArgumentHelp("Source CSV file with labels: your model's holdout.", valueName: "file"))
    var source: String

    @Option(help: ArgumentHelp("Target CSV file (its label column is optional).", valueName: "file"))
    var target: String?

    @Option(
      help: ArgumentHelp(
        "Instead of --target: a profile of it (`shiftcli profile` with a reference saved with the same probability columns, `shiftcli merge`); the estimates read its hash-chosen sample of rows.",
        valueName: "file"))
    var targetProfile: String?

    @Option(help: "Label column of the source (and of the target, when it has one).")
    var label: String

    @Option(
      parsing: .unconditional,
      help: "Bootstrap replicates for the intervals (0: none; 2…\(ResourceLimits.bootstrapReplicates) without --force)."
    )
    var bootstrap = 200

    @OptionGroup var probabilities: ProbabilityOptions
    @OptionGroup var columns: ColumnOptions
    @OptionGroup var seedOptions: SeedOptions
    @OptionGroup var threadOptions: ThreadOptions
    @OptionGroup var limits: LimitOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
      guard (target == nil) != (targetProfile == nil) else {
        throw ValidationError("give either --target or --target-profile")
      }
      guard probabilities.columns != nil else {
        throw ValidationError(
          "give your model's probability columns: --probabilities a,b,…, --probability-prefix PREFIX or --probability COLUMN"
        )
      }
      guard bootstrap == 0 || bootstrap >= 2 else {
        throw ValidationError("--bootstrap takes 0 (off) or at least 2 replicates, got \(bootstrap)")
      }
      try limits.check(bootstrap, atMost: ResourceLimits.bootstrapReplicates, option: "--bootstrap")
    }

    func execute() throws -> String {
      threadOptions.apply()
      var generator = seedOptions.generator
      if let targetProfile { return try estimate(profile: targetProfile, using: &generator) }
      let target = self.target ?? ""
      output.progress("reading \(source) and \(target)…")
      let pair = try TablePair(
        source: source, target: target, label: label, labelRequired: true, columns: columns,
        probabilities: probabilities)
      for warning in pair.warnings { output.warn(warning) }
      guard let spec = probabilities.columns else { throw CLIFailure(message: "no probability columns given") }
      let outputs = try ModelOutputs(spec, source: pair.source, target: pair.target)
      let problem = try naming(source, target) {
        try LabelShiftProblem(
          holdoutProbabilities: outputs.source, holdoutLabels: outputs.sourceLabels,
          targetProbabilities: outputs.target,
          sourcePrior: classShares(outputs.sourceLabels, classCount: outputs.classes.count))
      }
      let estimates = try estimate(
        problem, sourceFeatures: pair.sourceFeatures, targetFeatures: pair.targetFeatures, named: target,
        using: &generator)
      let actual = try pair.targetLabels(classes: outputs.classes).map { labels in
        RealisedPerformance(
          labels: labels, predicted: outputs.targetPredicted, probabilities: outputs.target,
          classCount: outputs.classes.count)
      }
      let report = PerformanceReport(
        source: source, target: target, classes: outputs.classes.names, probabilityColumns: outputs.columnNames,
        targetRows: outputs.target.rows, estimates: estimates, actual: actual)
      return try output.render(report) { report.humanSummary }
    }

    /// The four estimates on `problem`, the importance weights from a cross-fitted domain
    /// classifier of `sourceFeatures` against `targetFeatures` (the target `targetName`'s).
    private func estimate(
      _ problem: LabelShiftProblem, sourceFeatures: Matrix, targetFeatures: Matrix, named targetName: String,
      using generator: inout SplitMix64
    ) throws -> [TargetPerformanceEstimate] {
      output.progress("cross-fitting the domain classifier for the importance weights…")
      let weights = try naming(source, targetName) {
        try CovariateShiftEstimator().estimate(source: sourceFeatures, target: targetFeatures, using: &generator)
          .weights
      }
      output.progress("estimating the target performance (\(bootstrap) bootstrap replicates)…")
      defer { output.endProgress() }
      return try naming(source, targetName) {
        try TargetPerformanceEstimator(replicates: bootstrap).estimate(
          problem, holdoutWeights: weights, using: &generator)
      }
    }

    /// The estimates on a profile of the target: the source read with the profile's schema and
    /// encoding, the target's model outputs and encoded rows from the profile's samples (the
    /// whole target when it fits them).
    private func estimate(profile file: String, using generator: inout SplitMix64) throws -> String {
      output.progress("reading \(source) and \(file)…")
      let profile = try ShiftProfile.load(from: file)
      guard let predictions = profile.predictions, let classNames = profile.classNames else {
        throw CLIFailure(
          message:
            "\(file): a profile without the model's outputs (make it with a reference saved with the model's probability columns)"
        )
      }
      let encoding = profile.encoding
      guard encoding.schema.labelColumn == label else {
        throw CLIFailure(
          message:
            "\(file): its reference's label column is '\(encoding.schema.labelColumn ?? "none")', not '\(label)'")
      }
      guard let spec = probabilities.columns else { throw CLIFailure(message: "no probability columns given") }
      let table = try MixedTable(contentsOf: source, schema: encoding.schema, labelRequired: true)
      let classes = ClassIndex(orderedNames: classNames)
      let labels = try classes.indices(of: table.labels ?? [], file: source, lines: table.rowLines)
      try profile.checkProbabilityColumns(try spec.columnsInClassOrder(of: table, classes: classes), file: file)
      let sourceProbabilities = try spec.matrix(of: table, classes: classes)
      let sourceFeatures = encoding.encoder.expand(try encoding.cells(of: table).cells)
      let problem = try naming(source, file) {
        try LabelShiftProblem(
          holdoutLogits: LabelShiftProblem.logits(ofProbabilities: sourceProbabilities), holdoutLabels: labels,
          targetLogits: predictions.sampledLogits, sourcePrior: classShares(labels, classCount: classes.count))
      }
      let estimates = try estimate(
        problem, sourceFeatures: sourceFeatures, targetFeatures: profile.target.sample.orderedRows().rows,
        named: file, using: &generator)
      let report = PerformanceReport(
        source: source, target: file, classes: classNames, probabilityColumns: table.predictions.map(\.name),
        targetRows: profile.rows, estimates: estimates, actual: nil, sampledRows: predictions.sample.count,
        sampledDomainRows: profile.target.sample.count)
      return try output.render(report) { report.humanSummary }
    }
  }
}

/// What `shiftcli performance` prints.
struct PerformanceReport: Encodable {
  var source: String
  var target: String
  var classes: [String]
  var probabilityColumns: [String]
  var targetRows: Int
  var estimates: [TargetPerformanceEstimate]
  var actual: RealisedPerformance?
  /// From a profile: the target rows whose model outputs it sampled (the label-shift and
  /// confidence-based estimates read them), and its rows sampled for the domain classifier.
  var sampledRows: Int? = nil
  var sampledDomainRows: Int? = nil

  /// A table: one row per estimator, a column per metric with its interval.
  var humanSummary: String {
    func cell(_ value: Double, _ interval: ConfidenceInterval?) -> String {
      interval.map { String(format: "%.4f [%.4f, %.4f]", value, $0.lower, $0.upper) } ?? String(format: "%.4f", value)
    }
    let binary = classes.count == 2
    let metrics = ["accuracy", "macro-F1"] + (binary ? ["precision", "recall", "ROC AUC"] : [])
    let width = estimates.contains { $0.accuracyInterval != nil } ? 26 : 10
    func line(_ name: String, _ cells: [String]) -> String {
      name.padding(toLength: 30, withPad: " ", startingAt: 0)
        + cells.map { $0.padding(toLength: width, withPad: " ", startingAt: 0) }.joined()
    }
    let sampled = sampledRows.map { rows in
      ", a profile: outputs of \(rows) sampled rows, \(sampledDomainRows ?? 0) rows for the domain classifier"
    }
    var lines = [
      "estimated performance on \(target) (\(targetRows) rows\(sampled ?? ""), no labels used), your model's \(probabilityColumns.joined(separator: ", "))",
      line("estimator", metrics),
    ]
    for estimate in estimates {
      var cells = [
        cell(estimate.accuracy, estimate.accuracyInterval), cell(estimate.macroF1, estimate.macroF1Interval),
      ]
      if let binary = estimate.binary {
        cells += [
          cell(binary.precision, binary.precisionInterval), cell(binary.recall, binary.recallInterval),
          cell(binary.rocAUC, binary.rocAUCInterval),
        ]
      }
      lines.append(line(estimate.estimator.rawValue, cells))
    }
    if let actual {
      let values =
        [actual.accuracy, actual.macroF1]
        + (binary ? [actual.precision, actual.recall, actual.rocAUC].map { $0 ?? .nan } : [])
      lines.append(line("actual (the target's labels)", values.map { String(format: "%.4f", $0) }))
    }
    return lines.joined(separator: "\n")
  }
}
