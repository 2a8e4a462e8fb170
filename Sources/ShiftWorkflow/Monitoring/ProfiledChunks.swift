import Datasets
import DomainClassifier
import LinearAlgebra
import ShiftDetection
import ShiftEstimation
import Summaries

extension Monitor {
  /// Analyses a chunk given as a profile (`shiftcli profile` with this monitor's reference, its
  /// shards merged with `shiftcli merge`), so that a chunk of any size, or one spread over
  /// machines, is monitored without its rows: the domain classifier and the label-free
  /// estimates read the profile's hash-chosen samples (their sizes are the profile's,
  /// `shiftcli profile --domain-rows` and `--sample-rows`, not the monitor's `domainRows`), the
  /// column and prediction tests its exact counts and sketches, and the bands are scaled to the
  /// rows the estimates read.
  /// A profile has no labels, so no realised figures. Throws unless the profile was made with
  /// this monitor's schema and encoding and has the model's outputs for its classes.
  public func analyze(profile: ShiftProfile, index: Int = 0, start: String = "", end: String = "") throws
    -> MonitorChunkResult
  {
    guard let encoding = reference.tableEncoding, profile.encoding == encoding else {
      throw WorkflowError.invalidInput(
        "chunk \(index): a profile made with another reference than the monitor's (their schema or encoding differ)")
    }
    guard let predictions = profile.predictions, profile.classNames == classNames else {
      throw WorkflowError.invalidInput(
        "chunk \(index): a profile without the model's outputs for the classes \(classNames.joined(separator: ", "))")
    }
    var result = MonitorChunkResult(index: index, start: start, end: end, rows: profile.rows)
    guard profile.rows > 0 else { return result }
    var generator = chunkGenerator(index)
    let domainRows = profile.target.sample.orderedRows().rows
    try analyze(
      into: &result, domainTarget: domainRows, targetLogits: predictions.sampledLogits, targetPredicted: nil,
      estimatedRows: predictions.sample.count, using: &generator
    ) { domainFit, classWeights, generator in
      try detector.detect(
        source: sample.features, sourceCells: sample.cells, target: profile.target,
        featureNames: reference.featureNames,
        predictions: PredictionSample(
          classNames: classNames, holdoutProbabilities: sample.probabilities, target: predictions),
        classWeights: (sample.labels ?? [], classWeights), domainFit: domainFit, using: &generator)
    }
    return result
  }
}
