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
        verdict: label shift → the target class prior is estimated (auto method) and the \
        predicted probabilities are prior-corrected; covariate shift → importance weights and a \
        weighted retraining; no shift → no correction. Target accuracy is estimated without \
        labels four ways. When the target's labels are known (its label column, or \
        --target-labels), the report shows accuracy, macro-F1, log-loss and calibration before \
        and after, with bootstrap intervals.

        The report and its SVG charts are written atomically beside each other.

        Example:
          shiftcli correct --label lettr --source source.csv \\
            --target target.csv --report reports/correct.md
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

    @Option(help: ArgumentHelp("Write the Markdown report here; charts go beside it.", valueName: "file.md"))
    var report: String

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
      guard report.hasSuffix(".md") else { throw ValidationError("--report must name a .md file, got '\(report)'") }
      try checkWritableDirectory(of: report, option: "--report")
      try checkOutputs(
        reportOutputs(report, option: "--report"),
        spare: [("--source", source), ("--target", target)] + (targetLabels.map { [("--target-labels", $0)] } ?? []))
    }

    func execute() throws -> String {
      threadOptions.apply()
      var generator = seedOptions.generator
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
          columns: (try pair.encoding.cells(of: pair.source), try pair.encoding.cells(of: pair.target)),
          using: &generator
        ) { output.progress($0) }
      }
      output.endProgress()
      let renderer = MarkdownReport(
        title:
          "Shift report: \((target as NSString).lastPathComponent) against \((source as NSString).lastPathComponent)",
        command: reproducingCommand(seed: seedOptions.seed), sourceName: source, targetName: target,
        chartPrefix: ((report as NSString).lastPathComponent as NSString).deletingPathExtension + "-")
      let (markdown, charts) = renderer.render(analysis)
      try writeReport(markdown, charts: charts, to: report, removing: reportOutputs(report, option: "").map(\.path))
      return try output.render(CorrectSummary(analysis: analysis, report: report)) {
        "\(analysis.detection.sentence)\ncorrection: \(analysis.applied.rawValue); report: \(report)"
      }
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
