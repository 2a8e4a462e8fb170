import Foundation
import LinearAlgebra

/// A calibration of a cross-fitted domain classifier's scores: the domain's log-odds as a
/// smooth monotone-or-not function of the linear logit, a logistic regression on a restricted
/// cubic spline of it (Harrell's basis: cubic between the knots, linear beyond the outer ones).
///
/// A linear domain classifier finds the direction in which the two samples differ, but its
/// logit is the log density ratio only when that ratio is linear in the features. Under
/// selection bias, say, the ratio is the selection probability, which levels off where
/// selection is likely: the linear logit keeps climbing and the largest weights are
/// overestimated several times over. The spline fits the link from the logit to the domain's
/// log-odds instead of assuming it is the identity.
///
/// The calibration is cross-fitted too: the rows held out by fold k are calibrated by a spline
/// fitted on the other folds' held-out rows (their scores and domains), so that the spline never
/// sees the domain of a row it calibrates (the scores it learns from came from models that did
/// see fold k, which makes its held-out loss slightly optimistic: hence the margin below).
/// ``calibrate(_:)`` returns the calibrated ratios when
/// their cross-fitted log-loss is lower by more than one nat per spline parameter in total,
/// and the fit as it was otherwise.
public struct ScoreCalibration: Sendable, Equatable {
  /// Knots of the spline (at least 3): the score's quantiles at ``knotLevels``.
  public static let knotLevels = [0.05, 0.275, 0.5, 0.725, 0.95]
  /// The spline's L2 strength `C` on its standardised basis (a light penalty, to keep the
  /// Newton steps finite when the domains separate along a stretch of the score).
  public static let inverseRegularization = 100.0

  /// What the calibration did to a fit.
  public struct Report: Sendable, Equatable, Codable {
    /// Whether the calibrated ratios were kept (their held-out log-loss was lower, by more than
    /// one nat per spline parameter over all rows).
    public var applied: Bool
    /// The domain classifier's cross-fitted mean log-loss before calibration.
    public var uncalibratedLogLoss: Double
    /// The cross-fitted mean log-loss of the calibrated scores (nil when no spline was fitted).
    public var calibratedLogLoss: Double?
    /// Why it was not applied, when it was not (nil when applied).
    public var reason: String?

    /// One line: which logit was used, and why.
    public var summary: String {
      applied
        ? String(
          format: "spline (held-out log-loss %.4f, linear logit %.4f)", calibratedLogLoss ?? .nan,
          uncalibratedLogLoss)
        : "linear logit kept: " + (reason ?? "")
    }
  }

  /// `fit` with the calibrated ratios when they score a lower cross-fitted log-loss than the
  /// linear logit's, and the report of the comparison. A fit without fold assignments, or with
  /// too few distinct scores for the knots, is returned as it is.
  public static func calibrate(_ fit: DomainClassifierFit) -> (fit: DomainClassifierFit, report: Report) {
    let source = fit.sourceLogDensityRatio
    let target = fit.targetLogDensityRatio
    let ratios = source + target
    let domain = [Bool](repeating: false, count: source.count) + [Bool](repeating: true, count: target.count)
    let uncalibrated = meanLogLoss(logRatios: ratios, domain: domain)
    func unchanged(_ reason: String) -> (DomainClassifierFit, Report) {
      (fit, Report(applied: false, uncalibratedLogLoss: uncalibrated, calibratedLogLoss: nil, reason: reason))
    }
    let folds = fit.heldOutFolds
    guard folds.count == ratios.count, folds.allSatisfy({ $0 >= 0 }), let foldCount = folds.max().map({ $0 + 1 }),
      foldCount >= 2
    else {
      return unchanged("the rows' folds are unknown")
    }
    var calibrated = [Double](repeating: 0, count: ratios.count)
    // The spline's parameters (its basis columns and intercept; fewer where quantiles coincide).
    var parameters = 0
    for fold in 0..<foldCount {
      let train = ratios.indices.filter { folds[$0] != fold }
      let heldOut = ratios.indices.filter { folds[$0] == fold }
      guard !heldOut.isEmpty else { continue }
      let scores = train.map { ratios[$0] }
      let labels = train.map { domain[$0] }
      guard labels.contains(true), labels.contains(false),
        let basis = SplineBasis(knotsFrom: scores, levels: knotLevels)
      else { return unchanged("a fold's other rows lack a domain, or distinct scores for the spline's knots") }
      parameters = max(parameters, basis.knots.count)
      let model: LogisticRegression
      do {
        model = try LogisticRegression.fit(
          features: basis.design, labels: labels, inverseRegularization: inverseRegularization
        ).model
      } catch {
        return unchanged("the spline could not be fitted (\(error))")
      }
      let targetRows = labels.filter { $0 }.count
      let sizeCorrection = log(Double(labels.count - targetRows) / Double(targetRows))
      let logits = model.logits(for: basis.standardizedDesign(heldOut.map { ratios[$0] }))
      for (row, logit) in zip(heldOut, logits) { calibrated[row] = logit + sizeCorrection }
    }
    let calibratedLoss = meanLogLoss(logRatios: calibrated, domain: domain)
    // Held-out losses need no penalty for the spline's parameters, but on a small sample their
    // difference is noise (and slightly optimistic, as said above): the spline must gain more
    // than one nat per parameter in total (the AIC's margin), or the linear logit stays.
    guard (uncalibrated - calibratedLoss) * Double(ratios.count) > Double(parameters) else {
      return (
        fit,
        Report(
          applied: false, uncalibratedLogLoss: uncalibrated, calibratedLogLoss: calibratedLoss,
          reason: "the spline did not lower the held-out log-loss by more than one nat per parameter")
      )
    }
    var result = fit
    result.sourceLogDensityRatio = Array(calibrated[..<source.count])
    result.targetLogDensityRatio = Array(calibrated[source.count...])
    return (
      result,
      Report(applied: true, uncalibratedLogLoss: uncalibrated, calibratedLogLoss: calibratedLoss, reason: nil)
    )
  }

  /// The mean log-loss of predicting each row's domain from its log density ratio, with the
  /// sample sizes' odds put back (the ratio has them removed).
  static func meanLogLoss(logRatios: [Double], domain: [Bool]) -> Double {
    let targetRows = domain.filter { $0 }.count
    let sizeOdds = log(Double(targetRows) / Double(domain.count - targetRows))
    let total = zip(logRatios, domain).reduce(0.0) { sum, row in
      let logit = row.0 + sizeOdds
      return sum + softplus(row.1 ? -logit : logit)
    }
    return total / Double(max(domain.count, 1))
  }
}

/// Harrell's restricted cubic spline basis of one variable: the variable itself and, per
/// interior knot, a cubic that is linear beyond the outer knots; columns standardised by the
/// statistics of the values the knots came from.
struct SplineBasis {
  let knots: [Double]
  private var means: [Double] = []
  private var scales: [Double] = []
  /// The standardised basis of the values the knots came from.
  private(set) var design = Matrix(rows: 0, columns: 0)

  /// Knots at `levels` of `values`; nil when fewer than 3 of them are distinct.
  init?(knotsFrom values: [Double], levels: [Double]) {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return nil }
    var knots: [Double] = []
    for level in levels {
      let knot = sorted[min(sorted.count - 1, Int((level * Double(sorted.count - 1)).rounded()))]
      if knots.last.map({ knot > $0 }) ?? true { knots.append(knot) }
    }
    guard knots.count >= 3 else { return nil }
    self.knots = knots
    let columns = raw(values)
    let width = knots.count - 1
    for j in 0..<width {
      let column = stride(from: j, to: columns.count, by: width).map { columns[$0] }
      let mean = column.reduce(0, +) / Double(column.count)
      let spread = (column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(column.count)).squareRoot()
      means.append(mean)
      scales.append(spread > 0 ? spread : 1)
    }
    design = standardized(columns, rows: values.count)
  }

  /// The basis of `values`, row-major, `knots.count − 1` columns.
  private func raw(_ values: [Double]) -> [Double] {
    let k = knots.count
    let (last, beforeLast) = (knots[k - 1], knots[k - 2])
    let scale = 1 / ((last - knots[0]) * (last - knots[0]))
    func cube(_ x: Double) -> Double { x > 0 ? x * x * x : 0 }
    var result: [Double] = []
    result.reserveCapacity(values.count * (k - 1))
    for x in values {
      result.append(x)
      for j in 0..<(k - 2) {
        let t = knots[j]
        let term =
          cube(x - t) - cube(x - beforeLast) * (last - t) / (last - beforeLast)
          + cube(x - last) * (beforeLast - t) / (last - beforeLast)
        result.append(term * scale)
      }
    }
    return result
  }

  /// The standardised basis of `values` as a single-precision design matrix.
  func standardizedDesign(_ values: [Double]) -> Matrix { standardized(raw(values), rows: values.count) }

  /// `columns` (a raw basis, row-major) standardised, in single precision.
  private func standardized(_ columns: [Double], rows: Int) -> Matrix {
    let width = knots.count - 1
    let storage = columns.indices.map { Float((columns[$0] - means[$0 % width]) / scales[$0 % width]) }
    return Matrix(rows: rows, columns: width, storage: storage)
  }
}
