/// Which correction the correction workflow applies.
public enum ShiftCorrection: String, Sendable, Codable, CaseIterable {
  /// Follow the detector's verdict (no correction when nothing is detected).
  case auto
  /// Prior correction of the predicted probabilities with label-shift weights.
  case label
  /// Weighted retraining with covariate-shift importance weights.
  case covariate
  /// No correction.
  case none
}
