import ArgumentParser
import Foundation
import ShiftKit

extension ShiftCLI {
  /// `shiftcli correct`: detect, estimate, correct and evaluate, with a Markdown report.
  struct Correct: ShiftCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "Detect and correct distribution shift between a source and a target file, and write a Markdown report.",
      discussion: """
        An MLP is trained on the source minus a stratified 30 % holdout. The shift detector \
        tests the columns (Kolmogorov–Smirnov per number, χ² per category, each missing rate; \
        Benjamini–Hochberg), a cross-fitted domain classifier and the predicted classes (χ²), \
        each at α/3. --shift auto follows the \
        verdict: label shift → the target class prior is estimated (em-bcts) and the \
        predicted probabilities are prior-corrected; covariate shift → importance weights and a \
        weighted retraining; no shift → no correction. Target accuracy is estimated without \
        labels four ways. When the target's labels are known (its label column, or \
        --target-labels), the report shows accuracy, macro-F1, log-loss and calibration before \
        and after, with bootstrap intervals.

        With your own model's probability columns (--probabilities, --probability-prefix, \
        --probability), no MLP is trained: the target prior is estimated by label shift (em-bcts \
        method; the labelled source is the model's holdout) and --out gets the target's \
        prior-corrected probabilities, one row per target row (its file line, the probabilities \
        in class order, the corrected predicted class).

        The report and its SVG charts are written atomically beside each other.

        Example:
          shiftcli correct --label lettr --source source.csv \\
            --target target.csv --report reports/correct.md
          shiftcli correct --label y_true --source reference.csv --target analysis.csv \\
            --probability-prefix y_pred_proba_ --out corrected.csv
        """)

    @Option(help: "Correction: auto (follow the detector), label, covariate or none.")
    var shift: ShiftCorrection = .auto

    @Option(help: ArgumentHelp("Source (training) CSV file with a header row.", valueName: "file"))
    var source: String

    @Option(
      help: ArgumentHelp(
        "Target CSV file with the same feature columns (the label column is optional).", valueName: "file"))
    var target: String

    @Option(help: "Label column of the source (and of the target, when it has one).")
    var label: String

    @Option(
      help: ArgumentHelp(
        "A CSV file with the target's labels in the --label column, one per target row.", valueName: "file"))
    var targetLabels: String?

    @Option(
      help: ArgumentHelp(
        "Write the Markdown report here; charts go beside it (required unless your model's probability columns are given).",
        valueName: "file.md"))
    var report: String?

    @Option(
      help: ArgumentHelp(
        "With your model's probability columns: write the target's prior-corrected probabilities here (CSV).",
        valueName: "file"))
    var out: String?

    @OptionGroup var probabilities: ProbabilityOptions

    @Option(parsing: .unconditional, help: "Maximum training epochs of the MLP, 1…\(ResourceLimits.epochs).")
    var epochs = 100

    @Option(
      parsing: .unconditional,
      help:
        "Bootstrap replicates for the intervals, 2…\(ResourceLimits.bootstrapReplicates) (the label-free estimates use at most 100: each re-runs calibration and EM)."
    )
    var bootstrap = 200

    @OptionGroup var columns: ColumnOptions

    @OptionGroup var seedOptions: SeedOptions

    @OptionGroup var threadOptions: ThreadOptions
    @OptionGroup var limits: LimitOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
      guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
      try limits.check(epochs, atMost: ResourceLimits.epochs, option: "--epochs")
      guard bootstrap >= 2 else { throw ValidationError("--bootstrap must be at least 2, got \(bootstrap)") }
      try limits.check(bootstrap, atMost: ResourceLimits.bootstrapReplicates, option: "--bootstrap")
      let spare = [("--source", source), ("--target", target)] + (targetLabels.map { [("--target-labels", $0)] } ?? [])
      if probabilities.columns != nil {
        guard shift == .label || shift == .auto else {
          throw ValidationError("with your model's probability columns the correction is --shift label")
        }
        guard let out else {
          throw ValidationError("with your model's probability columns give --out FILE for the corrected probabilities")
        }
        if report != nil { throw ValidationError("--report needs the library's own model; give --out instead") }
        try checkWritableDirectory(of: out, option: "--out")
        try checkOutputs([("--out", out)], spare: spare)
        return
      }
      if out != nil { throw ValidationError("--out goes with your model's probability columns (--probabilities, …)") }
      guard let report else { throw ValidationError("give --report FILE.md") }
      guard report.hasSuffix(".md") else { throw ValidationError("--report must name a .md file, got '\(report)'") }
      try checkWritableDirectory(of: report, option: "--report")
      try checkOutputs(reportOutputs(report, option: "--report"), spare: spare)
    }

    func execute() throws -> String {
      threadOptions.apply()
      var generator = seedOptions.generator
      if let columns = probabilities.columns, let out {
        return try correctProbabilities(columns, out: out, using: &generator)
      }
      guard let report else { throw CLIFailure(message: "give --report FILE.md") }
      output.progress("reading \(source) and \(target)…")
      let pair = try TablePair(source: source, target: target, label: label, labelRequired: true, columns: columns)
      for warning in pair.warnings { output.warn(warning) }
      let sourceData = try pair.sourceData()
      let targetLabels = try self.targetLabels(of: pair, classes: sourceData.classes)
      let workflow = CorrectionWorkflow(
        correction: shift, training: ClassifierTraining(epochs: epochs), metricReplicates: bootstrap,
        performanceReplicates: min(bootstrap, 100))
      let analysis = try naming(source, target) {
        try workflow.analyze(
          source: sourceData, targetFeatures: pair.targetFeatures, targetLabels: targetLabels,
          columns: (pair.sourceCells, pair.targetCells),
          using: &generator
        ) { output.progress($0) }
      }
      output.endProgress()
      var renderer = MarkdownReport(
        title:
          "Shift report: \((target as NSString).lastPathComponent) against \((source as NSString).lastPathComponent)",
        command: reproducingCommand(seed: seedOptions.seed), sourceName: source, targetName: target,
        chartPrefix: ((report as NSString).lastPathComponent as NSString).deletingPathExtension + "-")
      renderer.schema = pair.encoding.schema
      let (markdown, charts) = renderer.render(analysis)
      try writeReport(markdown, charts: charts, to: report, removing: reportOutputs(report, option: "").map(\.path))
      return try output.render(CorrectSummary(analysis: analysis, report: report)) {
        "\(analysis.detection.sentence)\ncorrection: \(analysis.applied.rawValue); report: \(report)"
      }
    }

    /// Label shift on the user's model: its target probabilities, prior-corrected by the
    /// estimated weights (`p(y|x)·w(y)`, renormalised), written to `out` with each row's file
    /// line and its corrected predicted class.
    private func correctProbabilities(
      _ columns: ProbabilityColumns, out: String, using generator: inout SplitMix64
    ) throws -> String {
      output.progress("reading \(source) and \(target)…")
      let pair = try TablePair(
        source: source, target: target, label: label, labelRequired: true, columns: self.columns,
        probabilities: probabilities)
      for warning in pair.warnings { output.warn(warning) }
      let outputs = try ModelOutputs(columns, source: pair.source, target: pair.target)
      let analysis = try naming(source, target) {
        try LabelShiftWorkflow().run(
          holdoutProbabilities: outputs.source, holdoutLabels: outputs.sourceLabels,
          targetProbabilities: outputs.target, classes: outputs.classes, using: &generator
        ) { output.progress($0) }
      }
      output.endProgress()
      let corrected = priorCorrected(probabilities: outputs.target, weights: analysis.estimate.weights)
      let names: [String]
      switch columns {
      case .prefix(let prefix): names = outputs.classes.names.map { prefix + $0 }
      case .columns(let given): names = given
      case .positive(let column): names = ["\(column)_for_\(outputs.classes.names[0])", column]
      }
      let predicted = predictedClasses(corrected)
      var lines = [(["line"] + names + ["predicted"]).map(csvEscaped).joined(separator: ",")]
      for row in 0..<corrected.rows {
        let cells = (0..<corrected.columns).map { String(format: "%.6g", corrected[row, $0]) }
        lines.append(
          ([String(pair.target.rowLines[row])] + cells + [csvEscaped(outputs.classes.names[predicted[row]])])
            .joined(separator: ","))
      }
      try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: out)
      var summary = [
        "label shift, your model's \(outputs.columnNames.joined(separator: ", ")): \(analysis.estimate.method.rawValue)",
        "class  source prior  estimated target prior  weight",
      ]
      for (index, name) in outputs.classes.names.enumerated() {
        summary.append(
          String(
            format: "%@  %.4f  %.4f  %.4f", name, analysis.estimate.sourcePrior[index],
            analysis.estimate.targetPrior[index], analysis.estimate.weights[index]))
      }
      if let labels = try pair.targetLabels(classes: outputs.classes) {
        let before = outputs.targetPredicted
        let accuracy = { (guesses: [Int]) in
          Double(zip(guesses, labels).filter { $0 == $1 }.count) / Double(max(labels.count, 1))
        }
        summary.append(
          String(format: "target accuracy (its labels): %.4f before, %.4f after", accuracy(before), accuracy(predicted))
        )
      }
      summary.append("corrected probabilities of \(corrected.rows) target rows: \(out)")
      return summary.joined(separator: "\n")
    }

    /// The target's labels as class indices: from --target-labels, else from the target's own
    /// label column, else nil.
    private func targetLabels(of pair: TablePair, classes: ClassIndex) throws -> [Int]? {
      let targetTable = pair.target
      guard let targetLabels else { return try pair.targetLabels(classes: classes) }
      let table = try CSVTable(contentsOf: targetLabels, labelColumn: label, featuresRequired: false)
      guard table.rowLines.count == targetTable.rowLines.count else {
        throw DatasetError.inconsistentFiles(
          first: target, second: targetLabels,
          reason: "\(targetTable.rowLines.count) target rows but \(table.rowLines.count) labels")
      }
      return try table.labels.map { try classes.indices(of: $0, file: targetLabels, lines: table.rowLines) }
    }
  }
}

/// What `shiftcli correct --json` prints.
struct CorrectSummary: Encodable {
  var verdict: String
  var applied: String
  var domainAUC: Double
  var domainPValue: Double
  var predictionsPValue: Double?
  var estimatedTargetPrior: [Double]?
  var effectiveSampleSize: Double?
  var estimatedAccuracy: [String: Double]
  var accuracyBefore: Double?
  var accuracyAfter: Double?
  var macroF1Before: Double?
  var macroF1After: Double?
  var report: String

  init(analysis: ShiftAnalysis, report: String) {
    verdict = analysis.detection.sentence
    applied = analysis.applied.rawValue
    domainAUC = analysis.detection.domain.auc
    domainPValue = analysis.detection.domain.pValue
    predictionsPValue = analysis.detection.predictions?.pValue
    estimatedTargetPrior = analysis.labelShift?.targetPrior
    effectiveSampleSize = analysis.covariateShift?.effectiveSampleSize
    estimatedAccuracy = Dictionary(
      uniqueKeysWithValues: analysis.performanceEstimates.map { ($0.estimator.rawValue, $0.accuracy) })
    accuracyBefore = analysis.before?.accuracy
    accuracyAfter = analysis.after?.accuracy
    macroF1Before = analysis.before?.macroF1
    macroF1After = analysis.after?.macroF1
    self.report = report
  }
}
