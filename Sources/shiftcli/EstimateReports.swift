import Foundation
import ShiftKit

/// What `shiftcli estimate --shift label` reports (the JSON of `--json`).
struct LabelShiftReport: Encodable {
  struct Intervals: Encodable {
    var level: Double
    var replicates: Int
    var targetPrior: [ConfidenceInterval]
    var weights: [ConfidenceInterval]
  }

  struct Candidate: Encodable {
    var method: String
    var meanSquaredError: Double
  }

  var shift = "label"
  var method: String
  var requestedMethod: String
  var classes: [String]
  var sourcePrior: [Double]
  var targetPrior: [Double]
  var weights: [Double]
  var conditionNumber: Double
  var clippedClasses: [String]
  var solver: String
  var ci: Intervals?
  /// With `auto`: each candidate's mean weight error on shifts simulated in the holdout.
  var selection: [Candidate]?
  var notes: [String]
  var sourceRows: Int
  var holdoutRows: Int
  /// Cross-fitting folds (1: a single holdout).
  var folds: Int
  var targetRows: Int
  var holdoutAccuracy: Double
  var modelFile: String?
  /// The columns holding the user's model's probabilities, when it was given that way.
  var probabilityColumns: [String]?
  var seed: UInt64
  var weightsFile: String?

  init(
    analysis: LabelShiftAnalysis, requestedMethod: LabelShiftMethod, modelFile: String?, seed: UInt64,
    weightsFile: String?, probabilityColumns: [String]? = nil
  ) {
    self.probabilityColumns = probabilityColumns
    let estimate = analysis.estimate
    method = estimate.method.rawValue
    self.requestedMethod = requestedMethod.rawValue
    classes = analysis.classes
    sourcePrior = estimate.sourcePrior
    targetPrior = estimate.targetPrior
    weights = estimate.weights
    conditionNumber = estimate.conditionNumber
    clippedClasses = estimate.clippedClasses.map { analysis.classes[$0] }
    solver = estimate.solverDescription
    ci = analysis.intervals.map {
      Intervals(level: $0.level, replicates: $0.replicates, targetPrior: $0.targetPrior, weights: $0.weights)
    }
    selection =
      estimate.selectionScores.isEmpty
      ? nil
      : estimate.selectionScores.map { Candidate(method: $0.method.rawValue, meanSquaredError: $0.meanSquaredError) }
    notes = estimate.notes
    sourceRows = analysis.sourceRows
    holdoutRows = analysis.heldOutRows
    folds = analysis.folds
    targetRows = analysis.targetRows
    holdoutAccuracy = analysis.holdoutAccuracy
    self.modelFile = modelFile
    self.seed = seed
    self.weightsFile = weightsFile
  }

  /// `class,sourcePrior,targetPrior,weight` (+ `weightLower,weightUpper` with intervals).
  var weightsCSV: String {
    var lines = ["class,sourcePrior,targetPrior,weight" + (ci == nil ? "" : ",weightLower,weightUpper")]
    for (index, name) in classes.enumerated() {
      var line = "\(csvEscaped(name)),\(sourcePrior[index]),\(targetPrior[index]),\(weights[index])"
      if let ci { line += ",\(ci.weights[index].lower),\(ci.weights[index].upper)" }
      lines.append(line)
    }
    return lines.joined(separator: "\n") + "\n"
  }

  var humanSummary: String {
    var lines = [
      "label shift   \(method)\(requestedMethod == "auto" ? " (chosen by auto)" : "")",
      "data          \(sourceRows) source rows (\(holdoutRows) held out\(folds > 1 ? ", cross-fitted over \(folds) folds" : "")"
        + "\(modelFile.map { ", model \($0)" } ?? "")"
        + "\(probabilityColumns.map { ", the model's probabilities in \($0.joined(separator: ", "))" } ?? "")), \(targetRows) target rows",
      String(format: "holdout acc.  %.4f", holdoutAccuracy),
      String(format: "condition     %.3g (confusion matrix), solver %@", conditionNumber, solver),
      "",
    ]
    let width = max(5, classes.map(\.count).max() ?? 5)
    var header = "class".padding(toLength: width, withPad: " ", startingAt: 0) + "  source  target  weight"
    if let ci { header += String(format: "  %.0f %% interval", ci.level * 100) }
    lines.append(header)
    for (index, name) in classes.enumerated() {
      var line =
        name.padding(toLength: width, withPad: " ", startingAt: 0)
        + String(format: "  %6.4f  %6.4f  %6.3f", sourcePrior[index], targetPrior[index], weights[index])
      if let ci { line += String(format: "  [%.3f, %.3f]", ci.weights[index].lower, ci.weights[index].upper) }
      if clippedClasses.contains(name) { line += "  (clipped at 0)" }
      lines.append(line)
    }
    if let selection {
      lines.append("")
      lines.append(
        "auto: mean weight error on shifts simulated in the holdout: "
          + selection.map { String(format: "%@ %.4g", $0.method, $0.meanSquaredError) }.joined(separator: ", "))
    }
    for note in notes { lines.append("note: \(note)") }
    if let weightsFile { lines.append("weights       \(weightsFile)") }
    return lines.joined(separator: "\n")
  }
}

/// What `shiftcli estimate --shift covariate` reports (the JSON of `--json`).
struct CovariateShiftReport: Encodable {
  var shift = "covariate"
  var method = "logistic-regression domain classifier, cross-fitted"
  var domainAUC: Double
  var ess: Double
  var essFraction: Double
  var maxWeight: Double
  var quantiles: [CovariateShiftEstimate.Quantile]
  var clip: String
  var clipThreshold: Double?
  var clippedShare: Double
  var solver: DomainClassifierFit.Solver
  var calibration: ScoreCalibration.Report?
  var warnings: [String]
  var sourceRows: Int
  var targetRows: Int
  var features: Int
  var seed: UInt64
  var weightsFile: String?
  private var weights: [Double]

  enum CodingKeys: String, CodingKey {
    case shift, method, domainAUC, ess, essFraction, maxWeight, quantiles, clip, clipThreshold, clippedShare, solver,
      calibration, warnings, sourceRows, targetRows, features, seed, weightsFile
  }

  init(
    estimate: CovariateShiftEstimate, sourceRows: Int, targetRows: Int, features: Int, seed: UInt64,
    weightsFile: String?
  ) {
    domainAUC = estimate.domainAUC
    ess = estimate.effectiveSampleSize
    essFraction = estimate.effectiveSampleFraction
    maxWeight = estimate.maximumWeight
    quantiles = estimate.quantiles
    clip = estimate.clipping.description
    clipThreshold = estimate.clipThreshold
    clippedShare = estimate.clippedShare
    solver = estimate.solver
    calibration = estimate.calibration
    warnings = estimate.warnings
    self.sourceRows = sourceRows
    self.targetRows = targetRows
    self.features = features
    self.seed = seed
    self.weightsFile = weightsFile
    weights = estimate.weights
  }

  /// One `weight` per source row, in row order.
  var weightsCSV: String { csvColumn("weight", weights) }

  var humanSummary: String {
    var lines = [
      "covariate shift  logistic-regression domain classifier, \(solver.folds)-fold cross-fitted",
      "data             \(sourceRows) source rows, \(targetRows) target rows, \(features) features",
      String(format: "domain AUC       %.4f (0.5: no detectable shift)", domainAUC),
      String(format: "ESS              %.1f (%.1f %% of the source)", ess, essFraction * 100),
      String(format: "max weight       %.3f", maxWeight),
      "quantiles        "
        + quantiles.map { String(format: "%g%% %.3f", $0.level * 100, $0.value) }.joined(separator: "  "),
      "clipping         "
        + (clipThreshold.map {
          String(format: "%@ → cap %.3f, %.2f %% of weights capped", clip, $0, clippedShare * 100)
        } ?? "none"),
      String(
        format:
          "domain model     C = %g (held-out log-loss %.4f), Newton: at most %d iterations per fold, gradient norm %.2e",
        solver.inverseRegularization, solver.heldOutLogLoss, solver.iterations, solver.gradientNorm),
      "calibration      " + (calibration?.summary ?? "none (--calibration none)"),
    ]
    if let weightsFile { lines.append("weights          \(weightsFile)") }
    return lines.joined(separator: "\n")
  }
}
