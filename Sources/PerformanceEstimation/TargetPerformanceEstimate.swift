import Evaluation

/// A classifier's accuracy and macro-F1 on the target, estimated before any target label
/// arrives, with a bootstrap interval.
public struct TargetPerformanceEstimate: Sendable, Equatable, Codable {
  /// How the estimate was made.
  public enum Estimator: String, Sendable, Codable, CaseIterable {
    /// Label shift: the holdout's per-class confusion (unchanged under label shift) weighted by
    /// the estimated target prior.
    case labelShift = "label-shift"
    /// Covariate shift: holdout metrics weighted by importance weights holdout → target.
    case importanceWeighted = "importance-weighted"
    /// Confidence-based (CBPE): the expected confusion of calibrated target probabilities.
    case confidenceBased = "confidence-based"
    /// Confidence-based after prior correction: calibrated probabilities re-weighted by the
    /// estimated label-shift weights (the target posteriors under label shift), so the target's
    /// own rows, not the holdout's per-class recall, carry the estimate.
    case priorCorrectedConfidence = "prior-corrected-confidence"
  }

  /// The estimator.
  public var estimator: Estimator
  /// The estimated target accuracy.
  public var accuracy: Double
  /// The estimated target macro-F1.
  public var macroF1: Double
  /// A percentile bootstrap prediction interval for the accuracy the target's labels will show
  /// (nil without bootstrap).
  public var accuracyInterval: ConfidenceInterval?
  /// A percentile bootstrap interval for the macro-F1 (nil without bootstrap).
  public var macroF1Interval: ConfidenceInterval?
  /// For two classes, the metrics of the positive class (the second): nil otherwise.
  public var binary: Binary? = nil

  /// A binary classifier's precision, recall and ROC AUC on the target, estimated.
  public struct Binary: Sendable, Equatable, Codable {
    /// Precision of the positive class.
    public var precision: Double
    /// Recall of the positive class.
    public var recall: Double
    /// The area under the ROC curve of the positive class's probability.
    public var rocAUC: Double
    /// Bootstrap intervals (nil without bootstrap).
    public var precisionInterval: ConfidenceInterval?
    /// See ``precisionInterval``.
    public var recallInterval: ConfidenceInterval?
    /// See ``precisionInterval``.
    public var rocAUCInterval: ConfidenceInterval?
  }
}
