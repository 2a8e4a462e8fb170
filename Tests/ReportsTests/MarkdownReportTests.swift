import Datasets
import Evaluation
import Foundation
import LinearAlgebra
import Testing

@testable import DomainClassifier
@testable import PerformanceEstimation
@testable import Reports
@testable import ShiftDetection
@testable import ShiftEstimation
@testable import ShiftWorkflow

/// Each section of the Markdown report, rendered from one fixed analysis value (no training:
/// every number below is made up, so the expected text is known exactly).
@Suite struct MarkdownReportTests {
  static let classes = ["cat", "dog"]

  static func detection(features: Int = 2, labelMatched: Bool = true) -> ShiftDetectionResult {
    let domain = DomainClassifierTest(scores: [0.1, 0.2, 0.8, 0.9], isTarget: [false, false, true, true])
    return ShiftDetectionResult(
      level: 0.05, verdict: .labelShift,
      features: (0..<features).map {
        .init(
          feature: "x\($0)", type: .numeric, test: "Kolmogorov–Smirnov", statistic: 0.5 - Double($0) * 0.01,
          pValue: 1e-6, adjustedPValue: 2e-6, effectSize: 0.5 - Double($0) * 0.01, effectSizeName: "KS distance",
          missingRateSource: 0, missingRateTarget: 0, unseenLevels: [])
      },
      correction: .benjaminiHochberg, domain: domain, predictions: ChiSquareTest([30, 10], [10, 30]),
      labelMatchedDomain: labelMatched ? DomainClassifierTest(scores: [0.4, 0.6], isTarget: [false, true]) : nil,
      mostTargetLikeSourceRows: [4, 0], mostSourceUnlikeTargetRows: [1])
  }

  static func analysis(applied: ShiftCorrection = .label, labelled: Bool = true) throws -> ShiftAnalysis {
    var generator = SplitMix64(seed: 1)
    let probabilities = Matrix([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    let labels = [0, 1, 1, 1]
    let estimate = LabelShiftEstimate(
      method: .bbseHard, priors: LabelShiftWeights(targetPrior: [0.25, 0.75], sourcePrior: [0.5, 0.5]),
      conditionNumber: 1.5, clippedClasses: [],
      solver: .luDecomposition, notes: ["a note"], selectionScores: [])
    let fit = DomainClassifierFit(
      sourceLogDensityRatio: [0, log(3)], targetLogDensityRatio: [0], auc: 0.75,
      solver: .init(
        name: "newton", folds: 5, iterations: 7, gradientNorm: 1e-9, inverseRegularization: 0.1, heldOutLogLoss: 0.6,
        regularizationPath: []))
    var analysis = ShiftAnalysis(
      classes: classes, featureNames: ["x0", "x1"], sourceRows: 100, trainRows: 70, holdoutRows: 30, targetRows: 4,
      sourcePrior: [0.5, 0.5], targetLabelPrior: labelled ? [0.25, 0.75] : nil, holdoutAccuracy: 0.875,
      detection: detection(), applied: applied, labelShift: applied == .label ? estimate : nil,
      covariateShift: applied == .covariate ? CovariateShiftEstimate(domainFit: fit, clipping: .none) : nil,
      performanceEstimates: TargetPerformanceEstimate.Estimator.allCases.map {
        TargetPerformanceEstimate(
          estimator: $0, accuracy: 0.8, macroF1: 0.7, accuracyInterval: ConfidenceInterval(lower: 0.7, upper: 0.9),
          macroF1Interval: nil)
      })
    if labelled {
      analysis.before = TargetMetrics(probabilities: probabilities, labels: labels, replicates: 5, using: &generator)
      analysis.after = TargetMetrics(probabilities: probabilities, labels: labels, replicates: 5, using: &generator)
      analysis.calibrationBefore = CalibrationCurve(probabilities: probabilities, labels: labels, binCount: 10)
      analysis.calibrationAfter = analysis.calibrationBefore
    }
    return analysis
  }

  let report = MarkdownReport(
    title: "T", command: "shiftcli correct", sourceName: "s.csv", targetName: "t.csv", chartPrefix: "r-")

  @Test func schemaSectionListsAMixedTablesColumnsOnly() {
    var renderer = MarkdownReport(title: "t", command: "", sourceName: "s.csv", targetName: "t.csv")
    #expect(renderer.schemaSection(heading: "##").lines.isEmpty)
    renderer.schema = TableSchema(columns: [
      .init(name: "id", kind: .ignored, reason: "named as an identifier"),
      .init(name: "x", kind: .numeric, reason: "numbers"), .init(name: "y", kind: .label, reason: "the label"),
    ])
    #expect(
      renderer.schemaSection(heading: "##").lines == [
        "## Columns", "", "| column | read as | why |", "|---|---|---|", "| id | ignored | named as an identifier |",
        "| x | numeric | numbers |", "| y | label | the label |", "",
      ])
    renderer.schema = TableSchema(columns: [.init(name: "x", kind: .numeric, reason: "numbers")])
    #expect(renderer.schemaSection(heading: "##").lines.isEmpty)
  }

  @Test func dataSectionGivesSizesPriorsAndTheHoldoutAccuracy() throws {
    let section = report.dataSection(try Self.analysis(), heading: "##")
    #expect(section.lines[0] == "## Data")
    #expect(section.lines.contains("| source `s.csv` | 100 (70 train, 30 holdout) | 2 | 2 |"))
    #expect(section.lines.contains("| target `t.csv` | 4 | 2 | labelled |"))
    #expect(section.lines.contains("Base model: an MLP trained on the source's train part; holdout accuracy 0.8750."))
    #expect(
      section.lines.contains(
        "Class priors: source cat 0.500, dog 0.500; target (from its labels) cat 0.250, dog 0.750."))
    let unlabelled = report.dataSection(try Self.analysis(labelled: false), heading: "##")
    #expect(unlabelled.lines.contains("| target `t.csv` | 4 | 2 | labels unknown |"))
    #expect(unlabelled.lines.contains("Class priors: source cat 0.500, dog 0.500."))
    #expect(section.charts.isEmpty)
  }

  @Test func verdictSectionListsTheThreeFamiliesAndTheClassMatchedTest() {
    let section = report.verdictSection(Self.detection(), heading: "##")
    #expect(section.lines[0] == "## Verdict: label shift detected at α = 0.05")
    #expect(section.lines.contains { $0.hasPrefix("Label or covariate?") })
    #expect(
      section.lines.contains("| domain classifier (held-out AUC; Mann–Whitney within folds) | AUC 1.0000 | 0.0607 |"))
    #expect(section.lines.contains { $0.hasPrefix("| predicted classes, holdout vs target (χ², 1 df) | 20.00 |") })
    #expect(section.lines.contains { $0.hasPrefix("| domain classifier on a source subsample") })
    #expect(
      section.lines.contains(
        "| features, Kolmogorov–Smirnov (benjamini-hochberg) | 2 of 2 drifted | 2.0e-06 (smallest adjusted) |"))
    let unmatched = report.verdictSection(Self.detection(labelMatched: false), heading: "##")
    #expect(!unmatched.lines.contains { $0.hasPrefix("Label or covariate?") || $0.contains("source subsample") })
  }

  @Test func driftSectionShowsTenFeaturesAndCountsTheRest() {
    let section = report.driftSection(Self.detection(features: 13), heading: "###")
    #expect(section.lines.filter { $0.hasPrefix("| x") }.count == 10)
    #expect(section.lines.contains("| … 3 more | | | |"))
    #expect(section.lines.contains("Most target-like source rows (data row numbers): 5, 1."))
    #expect(section.lines.contains("Target rows least like the source: 2."))
  }

  @Test func labelCorrectionComparesWithTheTruthAndChartsThePriors() throws {
    let section = report.correctionSection(try Self.analysis(), truePrior: [0.3, 0.7], heading: "##")
    #expect(section.lines[0] == "## Correction: label shift (prior correction of the predicted probabilities)")
    #expect(section.lines.contains("Method: bbse-hard (solver: lu); confusion-matrix condition number 1.5."))
    #expect(section.lines.contains("| cat | 0.5000 | 0.2500 | 0.500 | 0.3000 |"))
    // Weights 0.5 and 1.5 against the true 0.6 and 1.4: (0.01 + 0.01) / 2.
    #expect(section.lines.contains("Weight error against the truth: mean squared error 0.01000 over 2 classes."))
    #expect(section.lines.contains("\n> note: a note"))
    #expect(section.charts.map(\.file) == ["r-priors.svg"])
    #expect(section.lines.contains("![class priors: source, estimated and true target](r-priors.svg)"))
  }

  @Test func covariateCorrectionGivesTheWeightDiagnostics() throws {
    let section = report.correctionSection(try Self.analysis(applied: .covariate), truePrior: nil, heading: "##")
    #expect(section.lines.contains("| domain AUC (held-out) | 0.7500 |"))
    // Raw weights 1 and 3, mean-1: 0.5 and 1.5, ESS (2)²/(0.25 + 2.25) = 1.6.
    #expect(section.lines.contains("| effective sample size | 1.6 (80.0 % of 2) |"))
    #expect(section.lines.contains("| largest weight | 1.500 |"))
    #expect(section.lines.contains("| domain classifier | C = 0.1, Newton ≤ 7 iterations per fold |"))
    #expect(section.charts.map(\.file) == ["r-weights.svg"])
  }

  @Test func noCorrectionSaysSo() throws {
    let section = report.correctionSection(try Self.analysis(applied: .none), truePrior: nil, heading: "##")
    #expect(section.lines == ["## Correction: none", "", "No correction applied.", ""])
  }

  @Test func performanceSectionMarksTheRecommendedEstimateAndAddsTheActual() throws {
    let section = report.performanceSection(try Self.analysis(), heading: "##")
    #expect(section.lines.contains("| estimator | accuracy | 95 % interval | macro-F1 | actual accuracy |"))
    #expect(
      section.lines.contains(
        "| prior-corrected-confidence (recommended) | 0.8000 | [0.7000, 0.9000] | 0.7000 | 0.7500 |"))
    let unlabelled = report.performanceSection(try Self.analysis(labelled: false), heading: "##")
    #expect(unlabelled.lines.contains("| label-shift | 0.8000 | [0.7000, 0.9000] | 0.7000 |"))
  }

  @Test func comparisonNeedsTargetLabels() throws {
    #expect(report.comparisonSection(try Self.analysis(labelled: false), heading: "##") == MarkdownReport.Section())
    let section = report.comparisonSection(try Self.analysis(), heading: "##")
    #expect(section.lines.contains { $0.hasPrefix("| accuracy | 0.7500 [") })
    #expect(section.lines.contains("| **dog** | 1 | 2 |"))
    #expect(section.charts.map(\.file) == ["r-f1.svg", "r-calibration.svg"])
  }

  @Test func manyClassesDrawTheirConfusionAsHeatMapsAndKeepTheTablesInTheAppendix() throws {
    var analysis = try Self.analysis()
    let k = 12
    var generator = SplitMix64(seed: 2)
    // 60 rows, each 0.8 sure of class i mod 12; the labels agree for every seventh row.
    let probabilities = Matrix((0..<60).map { i in (0..<k).map { $0 == i % k ? 0.8 : 0.2 / Float(k - 1) } })
    let labels = (0..<60).map { ($0 * 7) % k }
    analysis.classes = (0..<k).map { "c\($0)" }
    analysis.before = TargetMetrics(probabilities: probabilities, labels: labels, replicates: 5, using: &generator)
    analysis.after = analysis.before
    analysis.calibrationBefore = CalibrationCurve(probabilities: probabilities, labels: labels, binCount: 10)
    analysis.calibrationAfter = analysis.calibrationBefore
    let section = report.comparisonSection(analysis, heading: "##")
    #expect(
      section.charts.map(\.file) == [
        "r-f1.svg", "r-calibration.svg", "r-confusion-before.svg", "r-confusion-after.svg",
      ])
    #expect(!section.lines.contains { $0.hasPrefix("Confusion matrix") })
    // Every bin says how many rows it holds: all 60 sit in the 0.8 bin.
    #expect(section.lines.contains { $0.hasPrefix("| 0.80–0.90 | 60 rows, 0.800 → ") })
    let appendix = report.appendixSection(analysis, heading: "##")
    #expect(appendix.lines.first == "## Appendix: confusion matrices")
    #expect(appendix.lines.contains("Confusion matrix before correction (rows: true class, columns: predicted):"))
    #expect(report.appendixSection(try Self.analysis(), heading: "##") == MarkdownReport.Section())
  }

  @Test func renderJoinsTheSectionsUnderTheTitleAndTheReproduceLine() throws {
    let (markdown, charts) = report.render(try Self.analysis(), truePrior: nil)
    // The answer first, the reproduce line last.
    #expect(markdown.hasPrefix("# T\n\n**Verdict:** "))
    #expect(markdown.contains("**What to do:** "))
    #expect(markdown.hasSuffix("## Reproduce\n\n```sh\nshiftcli correct\n```\n\n"))
    #expect(charts.map(\.file) == ["r-priors.svg", "r-f1.svg", "r-calibration.svg"])
    let untitled = MarkdownReport(title: "S", command: "", sourceName: "s", targetName: "t")
    let (section, _) = untitled.render(try Self.analysis(), headingLevel: 2)
    #expect(
      section.hasPrefix("## S\n\n**Verdict:** ") && section.contains("### Data\n") && !section.contains("Reproduce"))
  }
}
