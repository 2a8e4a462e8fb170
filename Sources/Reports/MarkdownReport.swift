import Datasets
import Evaluation
import Foundation
import PerformanceEstimation
import ShiftDetection
import ShiftEstimation
import ShiftWorkflow

/// Renders a ``ShiftAnalysis`` as Markdown with SVG charts meant to sit beside it: one function
/// per section, each a pure function of the analysis.
public struct MarkdownReport: Sendable {
  /// The report's title.
  public var title: String
  /// The command that reproduces the report, shown at the end (omitted when empty, as for the
  /// sections of a larger report).
  public var command: String
  /// Name of the source data, for the data section.
  public var sourceName: String
  /// Name of the target data, for the data section.
  public var targetName: String
  /// File-name prefix of the charts (e.g. "label-" → label-priors.svg).
  public var chartPrefix: String
  /// How the source's columns were read, listed in a section of their own unless every column
  /// but the label is a numeric feature (nil: not a table).
  public var schema: TableSchema? = nil

  /// A renderer; the charts are named `chartPrefix` + chart + `.svg`.
  public init(title: String, command: String, sourceName: String, targetName: String, chartPrefix: String = "") {
    self.title = title
    self.command = command
    self.sourceName = sourceName
    self.targetName = targetName
    self.chartPrefix = chartPrefix
  }

  /// Markdown lines and the charts they link.
  struct Section: Sendable, Equatable {
    /// The lines, without line breaks.
    var lines: [String] = []
    /// The charts the lines link, by file name.
    var charts: [Chart] = []

    /// Appends an image link to a chart and the chart itself.
    mutating func chart(_ file: String, _ svg: String, caption: String) {
      charts.append(Chart(file: file, svg: svg))
      lines += ["![\(caption)](\(file))", ""]
    }

    static func + (lhs: Section, rhs: Section) -> Section {
      Section(lines: lhs.lines + rhs.lines, charts: lhs.charts + rhs.charts)
    }
  }

  /// An SVG chart and the file name the report links it by.
  public struct Chart: Sendable, Equatable {
    /// The file name, relative to the report.
    public var file: String
    /// The SVG document.
    public var svg: String
  }

  /// The Markdown text (the title at heading level `headingLevel`, sections one level below)
  /// and the charts it links. With
  /// `truePrior` (a simulation's target prior) the label-shift section compares against it.
  public func render(_ analysis: ShiftAnalysis, headingLevel: Int = 1, truePrior: [Double]? = nil)
    -> (markdown: String, charts: [Chart])
  {
    let heading = String(repeating: "#", count: headingLevel)
    var report = Section(lines: ["\(heading) \(title)", ""]) + summarySection(analysis)
    report =
      report + dataSection(analysis, heading: heading + "#") + schemaSection(heading: heading + "#")
      + verdictSection(analysis.detection, heading: heading + "#")
      + driftSection(analysis.detection, heading: heading + "#")
      + correctionSection(analysis, truePrior: truePrior, heading: heading + "#")
      + performanceSection(analysis, heading: heading + "#") + comparisonSection(analysis, heading: heading + "#")
      + appendixSection(analysis, heading: heading + "#")
    if !command.isEmpty { report.lines += ["\(heading)# Reproduce", "", "```sh", command, "```", ""] }
    return (report.lines.joined(separator: "\n") + "\n", report.charts)
  }

  /// Past this many classes confusion matrices are drawn as heat maps, their tables in the appendix.
  static let confusionTableClasses = 10

  // MARK: - Sections

  /// The answer first: what the detector found, what was done, how well the model is estimated
  /// to do on the target, and — with the target's labels — how well it did before and after.
  func summarySection(_ analysis: ShiftAnalysis) -> Section {
    var lines = [
      "**Verdict:** \(analysis.detection.sentence). **Correction:** \(Self.correctionTitle(analysis.applied))."
    ]
    if let estimate = analysis.performanceEstimates.first(where: { $0.estimator == .priorCorrectedConfidence }) {
      lines.append(
        String(
          format:
            "**Estimated target accuracy without its labels:** %.4f %@ (prior-corrected confidence, before the correction).",
          estimate.accuracy, interval(estimate.accuracyInterval)))
    }
    if let before = analysis.before, let after = analysis.after {
      lines.append(
        String(
          format:
            "**With the target's labels:** accuracy %.4f before, %.4f after the correction (%+.1f points); macro-F1 %.4f → %.4f.",
          before.accuracy, after.accuracy, (after.accuracy - before.accuracy) * 100, before.macroF1, after.macroF1))
    }
    lines.append("**What to do:** " + Self.advice(analysis))
    return Section(lines: lines.flatMap { [$0, ""] })
  }

  /// What a reader should do about the verdict.
  static func advice(_ analysis: ShiftAnalysis) -> String {
    switch (analysis.detection.verdict, analysis.applied) {
    case (.noShift, _):
      "nothing to correct; keep monitoring (`shiftcli monitor`)."
    case (_, .label):
      "use the prior-corrected probabilities (`shiftcli correct --out`): the class mix moved, what each class looks like did not."
    case (_, .covariate):
      "use the model retrained with importance weights, and check the effective sample size below: a small one means the target lies outside most of the source."
    default:
      "the data moved but no correction was applied: check the drifted columns below, and whether the source still represents the target."
    }
  }

  /// Each column of a mixed table with its kind and the reason (nothing for a plain numeric table).
  func schemaSection(heading: String) -> Section {
    guard let schema, schema.columns.contains(where: { $0.kind != .numeric && $0.kind != .label }) else {
      return Section()
    }
    var section = Section(lines: ["\(heading) Columns", "", "| column | read as | why |", "|---|---|---|"])
    for column in schema.columns {
      section.lines.append("| \(column.name) | \(column.kind.rawValue) | \(column.reason) |")
    }
    section.lines.append("")
    return section
  }

  /// Sizes of the source and target, the base model's holdout accuracy and the class priors.
  func dataSection(_ analysis: ShiftAnalysis, heading: String) -> Section {
    let classes = analysis.classes
    let features = analysis.featureNames.count
    var section = Section(lines: ["\(heading) Data", "", "| | rows | features | classes |", "|---|---|---|---|"])
    section.lines.append(
      "| source `\(sourceName)` | \(analysis.sourceRows) (\(analysis.trainRows) train, \(analysis.holdoutRows) holdout) | \(features) | \(classes.count) |"
    )
    section.lines.append(
      "| target `\(targetName)` | \(analysis.targetRows) | \(features) | \(analysis.targetLabelPrior == nil ? "labels unknown" : "labelled") |"
    )
    section.lines += [
      "",
      String(
        format: "Base model: an MLP trained on the source's train part; holdout accuracy %.4f.",
        analysis.holdoutAccuracy), "",
    ]
    func shares(_ prior: [Double]) -> String {
      zip(classes, prior).map { String(format: "%@ %.3f", $0.0, $0.1) }.joined(separator: ", ")
    }
    section.lines.append(
      "Class priors: source " + shares(analysis.sourcePrior)
        + (analysis.targetLabelPrior.map { "; target (from its labels) " + shares($0) } ?? "") + ".")
    section.lines.append("")
    return section
  }

  /// The verdict and the three families of tests.
  func verdictSection(_ detection: ShiftDetectionResult, heading: String) -> Section {
    var section = Section(lines: ["\(heading) Verdict: \(detection.sentence)", ""])
    if detection.labelMatchedDomain != nil {
      section.lines += [
        "Label or covariate? Under label shift p(x|y) is unchanged, so a source subsample with the target's (estimated) class shares is indistinguishable from the target; the last domain-classifier row tests exactly that.",
        "",
      ]
    }
    section.lines += ["| test (each at α/3) | statistic | p-value |", "|---|---|---|"]
    section.lines.append(
      String(
        format: "| domain classifier (held-out AUC; Mann–Whitney within folds) | AUC %.4f | %@ |", detection.domain.auc,
        pValue(detection.domain.pValue)))
    if let predictions = detection.predictions {
      section.lines.append(
        String(
          format: "| predicted classes, holdout vs target (χ², %d df) | %.2f | %@ |", predictions.degreesOfFreedom,
          predictions.statistic, pValue(predictions.pValue)))
    }
    if let matched = detection.labelMatchedDomain {
      section.lines.append(
        String(
          format: "| domain classifier on a source subsample with the estimated target class shares | AUC %.4f | %@ |",
          matched.auc, pValue(matched.pValue)))
    }
    let significant = detection.features.filter { $0.adjustedPValue <= detection.level / 3 }.count
    let family =
      detection.features.allSatisfy { $0.type == .numeric }
      ? "features, Kolmogorov–Smirnov" : "columns: KS per number, χ² per category, missing rates"
    section.lines.append(
      "| \(family) (\(detection.correction.rawValue)) | \(significant) of \(detection.features.count) drifted | \(pValue(detection.features.map(\.adjustedPValue).min() ?? 1)) (smallest adjusted) |"
    )
    section.lines.append("")
    return section
  }

  /// The ten most drifted features and the rows the domain classifier singles out.
  func driftSection(_ detection: ShiftDetectionResult, heading: String) -> Section {
    var section: Section
    if detection.features.allSatisfy({ $0.type == .numeric }) {
      section = Section(lines: [
        "\(heading) Drift by feature", "", "| feature | KS distance | p-value | adjusted p-value |",
        "|---|---|---|---|",
      ])
      for test in detection.features.prefix(10) {
        section.lines.append(
          String(
            format: "| %@ | %.4f | %@ | %@ |", test.feature, test.statistic, pValue(test.pValue),
            pValue(test.adjustedPValue)))
      }
      if detection.features.count > 10 { section.lines.append("| … \(detection.features.count - 10) more | | | |") }
    } else {
      section = Section(lines: [
        "\(heading) Drift by column", "",
        "| column | tested | effect size | p-value | adjusted p-value | missing, source → target | unseen levels |",
        "|---|---|---|---|---|---|---|",
      ])
      for test in detection.features.prefix(15) {
        section.lines.append(
          String(
            format: "| %@ | %@ (%@) | %@ %.4f | %@ | %@ | %.1f %% → %.1f %% | %@ |", test.feature, test.type.rawValue,
            test.test, test.effectSizeName, test.effectSize, pValue(test.pValue), pValue(test.adjustedPValue),
            100 * test.missingRateSource, 100 * test.missingRateTarget,
            test.unseenLevels.isEmpty ? "" : test.unseenLevels.prefix(5).joined(separator: ", ")))
      }
      if detection.features.count > 15 {
        section.lines.append("| … \(detection.features.count - 15) more | | | | | | |")
      }
    }
    section.lines.append("")
    if let note = detection.sketchNote { section.lines += [note, ""] }
    section.lines.append(
      "Most target-like source rows (data row numbers): "
        + detection.mostTargetLikeSourceRows.map { String($0 + 1) }.joined(separator: ", ") + ".")
    section.lines.append(
      "Target rows least like the source: "
        + detection.mostSourceUnlikeTargetRows.map { String($0 + 1) }.joined(separator: ", ")
        + ".")
    section.lines.append("")
    return section
  }

  /// The correction applied: the estimated priors and weights (against the truth when known),
  /// or the importance weights' diagnostics.
  func correctionSection(_ analysis: ShiftAnalysis, truePrior: [Double]?, heading: String) -> Section {
    var section = Section(lines: ["\(heading) Correction: \(Self.correctionTitle(analysis.applied))", ""])
    if let label = analysis.labelShift {
      let classes = analysis.classes
      section.lines.append(
        String(
          format: "Method: %@ (solver: %@); confusion-matrix condition number %.3g.", label.method.rawValue,
          label.solverDescription, label.conditionNumber))
      section.lines.append("")
      let truth = truePrior ?? analysis.targetLabelPrior
      var header = "| class | source prior | estimated target prior | weight |"
      var rule = "|---|---|---|---|"
      if truth != nil {
        header += " true target prior |"
        rule += "---|"
      }
      section.lines += [header, rule]
      let weights = label.weights
      for (index, name) in classes.enumerated() {
        var row = String(
          format: "| %@ | %.4f | %.4f | %.3f |", name, label.sourcePrior[index], label.targetPrior[index],
          weights[index])
        if let truth { row += String(format: " %.4f |", truth[index]) }
        section.lines.append(row)
      }
      if let truth, let error = analysis.labelShiftWeightError(againstTruePrior: truth) {
        section.lines.append("")
        section.lines.append(
          String(
            format: "Weight error against the truth: mean squared error %.5f over %d classes.", error, classes.count))
      }
      for note in label.notes { section.lines.append("\n> note: \(note)") }
      section.lines.append("")
      var series: [(name: String, values: [Double])] = [
        ("source", label.sourcePrior), ("estimated target", label.targetPrior),
      ]
      if let truth { series.append(("true target", truth)) }
      section.chart(
        chartPrefix + "priors.svg",
        BarChart(title: "Class priors", categories: classes, series: series, yLabel: "share").svg,
        caption: "class priors: source, estimated and true target")
    } else if let weights = analysis.covariateShift {
      section.lines += ["| diagnostic | value |", "|---|---|"]
      section.lines.append(String(format: "| domain AUC (held-out) | %.4f |", weights.domainAUC))
      section.lines.append(
        String(
          format: "| effective sample size | %.1f (%.1f %% of %d) |", weights.effectiveSampleSize,
          weights.effectiveSampleFraction * 100, weights.weights.count))
      section.lines.append(String(format: "| largest weight | %.3f |", weights.maximumWeight))
      section.lines.append(
        "| quantiles (1/5/25/50/75/95/99 %) | "
          + weights.quantiles.map { String(format: "%.3f", $0.value) }.joined(separator: " / ")
          + " |")
      section.lines.append(
        String(
          format: "| clipping | %@, %.2f %% of weights capped |", weights.clipping.description,
          weights.clippedShare * 100))
      section.lines.append(
        String(
          format: "| domain classifier | C = %g, Newton ≤ %d iterations per fold |",
          weights.solver.inverseRegularization,
          weights.solver.iterations))
      if let calibration = weights.calibration {
        section.lines.append("| calibration of its logit | \(calibration.summary) |")
      }
      for warning in weights.warnings { section.lines.append("\n> warning: \(warning)") }
      section.lines.append("")
      section.chart(
        chartPrefix + "weights.svg",
        Histogram(title: "Importance weights of the source rows", values: weights.weights, xLabel: "weight (mean 1)")
          .svg,
        caption: "histogram of the importance weights")
    } else {
      section.lines += ["No correction applied.", ""]
    }
    return section
  }

  /// The label-free estimates of target performance, beside the actual accuracy when known.
  func performanceSection(_ analysis: ShiftAnalysis, heading: String) -> Section {
    var section = Section(lines: [
      "\(heading) Target performance without target labels", "",
      "Four estimates made before any target label is used: from the estimated class prior and the holdout's per-class recall (label shift), importance-weighted holdout metrics (covariate shift), calibrated target confidence, and calibrated confidence after prior correction — the last holds under both kinds of shift and is the one to read first (`shift-estimation-benchmark performance` measures all four).",
      "",
    ])
    var header = "| estimator | accuracy | 95 % interval | macro-F1 |"
    var rule = "|---|---|---|---|"
    if analysis.before != nil {
      header += " actual accuracy |"
      rule += "---|"
    }
    section.lines += [header, rule]
    for estimate in analysis.performanceEstimates {
      let name = estimate.estimator.rawValue + (estimate.estimator == .priorCorrectedConfidence ? " (recommended)" : "")
      var row = String(
        format: "| %@ | %.4f | %@ | %.4f |", name, estimate.accuracy, interval(estimate.accuracyInterval),
        estimate.macroF1)
      if let before = analysis.before { row += String(format: " %.4f |", before.accuracy) }
      section.lines.append(row)
    }
    section.lines.append("")
    return section
  }

  /// Metrics, per-class F1, calibration and confusion matrices before and after the correction,
  /// when the target's labels are known (empty otherwise).
  func comparisonSection(_ analysis: ShiftAnalysis, heading: String) -> Section {
    guard let before = analysis.before, let after = analysis.after else { return Section() }
    let classes = analysis.classes
    var section = Section(lines: [
      "\(heading) Before and after correction (target labels known)", "", "| metric | before | after |",
      "|---|---|---|",
    ])
    section.lines.append(
      String(
        format: "| accuracy | %.4f %@ | %.4f %@ |", before.accuracy, interval(before.accuracyInterval), after.accuracy,
        interval(after.accuracyInterval)))
    section.lines.append(
      String(
        format: "| macro-F1 | %.4f %@ | %.4f %@ |", before.macroF1, interval(before.macroF1Interval), after.macroF1,
        interval(after.macroF1Interval)))
    section.lines.append(String(format: "| log-loss | %.4f | %.4f |", before.logLoss, after.logLoss))
    section.lines.append(
      String(
        format: "| expected calibration error | %.4f | %.4f |", before.expectedCalibrationError,
        after.expectedCalibrationError))
    section.lines.append("")
    section.chart(
      chartPrefix + "f1.svg",
      BarChart(
        title: "Per-class F1 on the target", categories: classes, series: [("before", before.f1), ("after", after.f1)],
        yLabel: "F1"
      ).svg, caption: "per-class F1 before and after")
    if let curveBefore = analysis.calibrationBefore, let curveAfter = analysis.calibrationAfter {
      let minimum = Self.calibrationBinRows
      section.chart(
        chartPrefix + "calibration.svg",
        LineChart(
          title: "Calibration on the target (bins of at least \(Int(minimum)) rows)",
          series: [
            ("before", curveBefore.bins.filter { $0.weight >= minimum }.map { (x: $0.confidence, y: $0.accuracy) }),
            ("after", curveAfter.bins.filter { $0.weight >= minimum }.map { (x: $0.confidence, y: $0.accuracy) }),
          ], xLabel: "confidence", yLabel: "accuracy", diagonal: true
        ).svg, caption: "calibration curve before and after")
      section.lines += [
        "Calibration bins (confidence range: rows, mean confidence → accuracy; bins of fewer than \(Int(minimum)) rows are left out of the chart, where one row would plot as accuracy 0 or 1):",
        "", "| confidence | before | after |", "|---|---|---|",
      ]
      for bin in curveBefore.bins.indices where bin < curveAfter.bins.count {
        func cell(_ bin: CalibrationCurve.Bin) -> String {
          bin.weight > 0
            ? String(format: "%.0f rows, %.3f → %.3f", bin.weight, bin.confidence, bin.accuracy) : "0 rows"
        }
        let range = String(format: "%.2f–%.2f", curveBefore.bins[bin].lower, curveBefore.bins[bin].upper)
        section.lines.append("| \(range) | \(cell(curveBefore.bins[bin])) | \(cell(curveAfter.bins[bin])) |")
      }
      section.lines.append("")
    }
    if classes.count > Self.confusionTableClasses {
      for (name, metrics) in [("before", before), ("after", after)] {
        section.chart(
          chartPrefix + "confusion-\(name).svg",
          HeatMap(
            title: "Confusion \(name) correction (row-normalised: recall per true class)", rowLabels: classes,
            columnLabels: classes, values: Self.rowNormalised(metrics.confusion), xLabel: "predicted class",
            yLabel: "true class", maximum: 1
          ).svg, caption: "confusion matrix \(name) correction as a heat map")
      }
      section.lines += ["The counts are in the appendix.", ""]
    } else {
      section.lines += Self.confusionTables(before: before, after: after, classes: classes)
    }
    return section
  }

  /// Calibration bins with fewer rows are left out of the chart.
  static let calibrationBinRows = 10.0

  /// The confusion tables (past ``confusionTableClasses`` classes; empty otherwise).
  func appendixSection(_ analysis: ShiftAnalysis, heading: String) -> Section {
    guard let before = analysis.before, let after = analysis.after,
      analysis.classes.count > Self.confusionTableClasses
    else { return Section() }
    return Section(
      lines: ["\(heading) Appendix: confusion matrices", ""]
        + Self.confusionTables(before: before, after: after, classes: analysis.classes))
  }

  /// Each row of `counts` divided by its total (a row without rows stays 0).
  static func rowNormalised(_ counts: [[Double]]) -> [[Double]] {
    counts.map { row in
      let total = row.reduce(0, +)
      return row.map { total > 0 ? $0 / total : 0 }
    }
  }

  /// The confusion matrices before and after as Markdown tables.
  static func confusionTables(before: TargetMetrics, after: TargetMetrics, classes: [String]) -> [String] {
    var lines: [String] = []
    for (name, metrics) in [("before", before), ("after", after)] {
      lines += ["Confusion matrix \(name) correction (rows: true class, columns: predicted):", ""]
      lines.append("| | " + classes.joined(separator: " | ") + " |")
      lines.append("|---|" + String(repeating: "---|", count: classes.count))
      for (index, className) in classes.enumerated() {
        lines.append(
          "| **\(className)** | " + metrics.confusion[index].map { String(Int($0)) }.joined(separator: " | ") + " |")
      }
      lines.append("")
    }
    return lines
  }

  /// The heading of the correction section for the correction applied.
  static func correctionTitle(_ correction: ShiftCorrection) -> String {
    switch correction {
    case .label: "label shift (prior correction of the predicted probabilities)"
    case .covariate: "covariate shift (retraining with importance weights)"
    case .none, .auto: "none"
    }
  }
}

/// A p-value with four decimals, or in scientific notation below 10⁻⁴.
func pValue(_ p: Double) -> String { p < 1e-4 ? String(format: "%.1e", p) : String(format: "%.4f", p) }

/// `[lower, upper]` with four decimals, or `–` without an interval.
func interval(_ interval: ConfidenceInterval?) -> String {
  guard let interval else { return "–" }
  return String(format: "[%.4f, %.4f]", interval.lower, interval.upper)
}
