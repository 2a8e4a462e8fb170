import Evaluation
import PerformanceEstimation
import ShiftDetection

/// What a ``Monitor`` found in one chunk: did the data move, how well is the model doing by the
/// label-free estimates, and — when the labels are known — how well it actually did.
public struct MonitorChunkResult: Sendable, Equatable {
  /// The chunk's place in the stream, and the span it covers (dates, or 1-based rows).
  public var index: Int
  /// See ``index``.
  public var start: String
  /// See ``index``.
  public var end: String
  /// Rows in the chunk (0: an empty period; nothing else is computed).
  public var rows: Int
  /// The detector's result against the reference (nil for a chunk of fewer than
  /// ``Monitor/minimumTestedRows`` rows).
  public var detection: ShiftDetectionResult?
  /// Every label-free estimate, in ``TargetPerformanceEstimate/Estimator`` order (empty for an
  /// empty chunk).
  public var estimates: [TargetPerformanceEstimate]
  /// The estimator the monitor recommends for this chunk, given the detector's verdict:
  /// prior-corrected confidence under label shift, confidence-based otherwise.
  public var recommended: TargetPerformanceEstimate.Estimator?
  /// The estimated class prior (EM on the calibrated probabilities) and its interval per class.
  public var estimatedPrior: [Double]
  /// See ``estimatedPrior`` (empty without bootstrap).
  public var estimatedPriorIntervals: [ConfidenceInterval]
  /// The total variation distance ½·Σ|q̂ − p| between the estimated prior and the reference's.
  public var priorDistance: Double?
  /// The reference band of the accuracy estimate at this chunk's size.
  public var accuracyBand: ConfidenceInterval?
  /// The reference band's upper bound of the prior distance at this chunk's size.
  public var priorDistanceBound: Double?
  /// The figures the chunk's labels show, when they are known.
  public var realised: Realised?
  /// Why this chunk needs a look (empty: none).
  public var alerts: [MonitorAlert]

  /// A chunk of `rows` rows, not analysed yet (every result empty).
  public init(index: Int, start: String, end: String, rows: Int) {
    self.index = index
    self.start = start
    self.end = end
    self.rows = rows
    detection = nil
    estimates = []
    recommended = nil
    estimatedPrior = []
    estimatedPriorIntervals = []
    priorDistance = nil
    accuracyBand = nil
    priorDistanceBound = nil
    realised = nil
    alerts = []
  }

  /// The recommended estimate.
  public var recommendedEstimate: TargetPerformanceEstimate? { estimates.first { $0.estimator == recommended } }

  /// The figures of a chunk's labels.
  public struct Realised: Sendable, Equatable, Codable {
    /// The model's accuracy on the chunk.
    public var accuracy: Double
    /// Its macro-F1.
    public var macroF1: Double
    /// The chunk's class shares.
    public var prior: [Double]
    /// For two classes, the positive class's precision, recall and ROC AUC (nil otherwise).
    public var precision: Double?
    /// See ``precision``.
    public var recall: Double?
    /// See ``precision``.
    public var rocAUC: Double?

    /// A chunk's `performance` and its class shares `prior`.
    public init(_ performance: RealisedPerformance, prior: [Double]) {
      accuracy = performance.accuracy
      macroF1 = performance.macroF1
      self.prior = prior
      precision = performance.precision
      recall = performance.recall
      rocAUC = performance.rocAUC
    }
  }
}

/// Why a chunk needs a look.
public struct MonitorAlert: Sendable, Equatable, Codable {
  /// What happened.
  public enum Kind: String, Sendable, Codable {
    /// The estimated accuracy is below the reference band.
    case accuracyBelowBand = "accuracy below the reference band"
    /// The estimated accuracy is above the reference band (the data changed, for the better).
    case accuracyAboveBand = "accuracy above the reference band"
    /// The estimated accuracy is below the threshold the user set.
    case accuracyBelowThreshold = "accuracy below the threshold"
    /// The estimated class prior moved further from the reference's than the band allows.
    case priorShift = "class prior beyond the reference band"
  }

  /// What happened.
  public var kind: Kind
  /// The same with the figures, in words.
  public var message: String
}

extension MonitorChunkResult: Encodable {
  private enum CodingKeys: String, CodingKey {
    case index, start, end, rows, verdict, detection, estimates, recommended, estimatedAccuracy, accuracyLower
    case accuracyUpper, estimatedMacroF1, estimatedPrior, estimatedPriorIntervals, priorDistance, accuracyBand
    case priorDistanceBound, realised, realisedAccuracy, alerts
  }

  /// Encodes the chunk for dashboards: besides its parts, the recommended estimate's accuracy
  /// and interval flat (`estimatedAccuracy`, `accuracyLower`, `accuracyUpper`), the verdict, and
  /// `realisedAccuracy` — `null` until the labels are known, like every absent figure.
  public func encode(to encoder: Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(index, forKey: .index)
    try container.encode(start, forKey: .start)
    try container.encode(end, forKey: .end)
    try container.encode(rows, forKey: .rows)
    try container.encode(detection?.verdict, forKey: .verdict)
    try container.encode(detection, forKey: .detection)
    try container.encode(estimates, forKey: .estimates)
    try container.encode(recommended, forKey: .recommended)
    let best = recommendedEstimate
    try container.encode(best?.accuracy, forKey: .estimatedAccuracy)
    try container.encode(best?.accuracyInterval?.lower, forKey: .accuracyLower)
    try container.encode(best?.accuracyInterval?.upper, forKey: .accuracyUpper)
    try container.encode(best?.macroF1, forKey: .estimatedMacroF1)
    try container.encode(estimatedPrior, forKey: .estimatedPrior)
    try container.encode(estimatedPriorIntervals, forKey: .estimatedPriorIntervals)
    try container.encode(priorDistance, forKey: .priorDistance)
    try container.encode(accuracyBand, forKey: .accuracyBand)
    try container.encode(priorDistanceBound, forKey: .priorDistanceBound)
    try container.encode(realised, forKey: .realised)
    try container.encode(realised?.accuracy, forKey: .realisedAccuracy)
    try container.encode(alerts, forKey: .alerts)
  }
}
