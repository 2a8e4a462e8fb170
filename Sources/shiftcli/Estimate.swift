import ArgumentParser
import Foundation
import ShiftKit

extension ShiftCLI {
  /// `shiftcli estimate`: importance weights for label or covariate shift between two CSV files.
  struct Estimate: ShiftCommand {
    static let configuration = CommandConfiguration(
      abstract: "Estimate label-shift or covariate-shift importance weights between a source and a target file.",
      discussion: """
        Label shift (p(x|y) fixed, class proportions changed): MLPs are cross-fitted over --folds \
        (each trained on the other folds, each fold its model's holdout; every fold's held-out \
        rows together are the holdout, against every model's counts on the target and their mean \
        probability), or \
        with --folds 1 one MLP is trained on the source minus a stratified \
        --holdout share; with --model that model is used and the whole source is its holdout (it \
        must not have seen it). The holdout gives the confusion matrix and the calibration; the \
        target's predictions give the target class prior q and the weights w(y) = q(y)/p(y). Methods: bbse-hard, bbse-soft (Lipton et al. 2018), rlls \
        (Azizzadenesheli et al. 2019), em (Saerens et al. 2002), em-bcts (the default: EM after \
        bias-corrected temperature scaling, Alexandari et al. 2020), kdey (KDEy-ML, Moreo et al. \
        2024: the maximum-likelihood mixture of the holdout's class densities of outputs), dm \
        (distribution matching of the outputs' histograms in squared Hellinger distance); auto picks one \
        by simulating label shift on the holdout (no target labels needed; slower, and it did \
        not beat em-bcts on the benchmark).

        Covariate shift (p(y|x) fixed, p(x) changed): a logistic-regression domain classifier \
        (source vs target, L2 chosen by cross-fitted log-loss, Newton's method) is cross-fitted over --folds; each source row \
        gets β = exp(logit)·n_s/n_t from the model that did not see it, capped by --clip and \
        normalised to mean 1. The logit is first calibrated (--calibration spline): a logistic \
        regression of the domain on a cubic spline of it, cross-fitted as well, kept only when it \
        predicts the held-out domains better (by more than one nat per spline parameter), because \
        a linear model's logit is the log density ratio only when that ratio is linear (under \
        selection bias it levels off, and the uncalibrated weights overshoot). The domain AUC (≈ 0.5: no detectable shift) and the effective \
        sample size tell how far the target is and how much the weights cost.

        With your own model's probabilities as columns of both files (--probabilities, \
        --probability-prefix, or --probability for a binary model), no MLP is trained: the \
        labelled source is the model's holdout (rows it was not trained on) and the target's \
        probabilities give μ. Each probability must be in [0, 1] and each row sum to 1 within \
        0.01.

        From profiles alone (`shiftcli profile`, merged with `shiftcli merge`): \
        --reference-profile, a profile of labelled rows the model did not train on (`profile \
        --labelled`), replaces --source, and --target-profile the target; BBSE and RLLS use \
        their exact counts (the same priors as from the files), EM, EM-BCTS, auto and the \
        bootstrap their hash-chosen samples (every row, in key order, up to the profiles' \
        `profile --sample-rows`). The profiles know the label and the model's columns; the \
        options that train or read a source (--label, --folds, --holdout, --epochs, --hidden, \
        --sample-rows) do not apply.

        The target is read once, in batches (plain or .csv.gz), whatever its size: the counts \
        behind BBSE and RLLS cover every row; EM, EM-BCTS, kdey, dm, auto and the bootstrap use the \
        model's outputs on --sample-rows target rows chosen by a hash of each row (of its features \
        when cross-fitted models score it; all of them when the target is no longer). The target file may lack the label column; if present it is ignored. Columns are matched \
        by name and read as `shiftcli schema` shows for the source (--features, --ignore and \
        --categorical override; with --model, as the model was trained). --out writes the weights atomically: for label shift \
        class,sourcePrior,targetPrior,weight rows (plus weightLower,weightUpper with --bootstrap); \
        for covariate shift one `weight` per source row, in source row order.

        Example:
          shiftcli estimate --shift label --label lettr \\
            --source source.csv --target target.csv \\
            --bootstrap 200 --out weights.csv
          shiftcli estimate --shift label --label y_true \\
            --source reference.csv --target analysis.csv \\
            --probability-prefix y_pred_proba_ --ignore id,timestamp
          shiftcli estimate --shift label \\
            --reference-profile reference.profile.json --target-profile analysis.profile.json
        """)

    enum ShiftKind: String, ExpressibleByArgument, CaseIterable {
      case label, covariate
    }

    @Option(help: "Kind of shift: label or covariate.")
    var shift: ShiftKind

    @Option(
      name: .customLong("source"),
      help: ArgumentHelp("Source (training) CSV file with a header row.", valueName: "file"))
    var sourceFile: String?

    @Option(
      help: ArgumentHelp(
        "Label shift from profiles, instead of --source: a profile of labelled rows your model did not train on (`shiftcli profile --labelled`, `shiftcli merge`); needs --target-profile.",
        valueName: "file"))
    var referenceProfile: String?

    /// The source file or reference profile (validated: one is given).
    private var source: String { sourceFile ?? referenceProfile ?? "" }

    @Option(help: ArgumentHelp("Target CSV file (or .csv.gz) with the same feature columns.", valueName: "file"))
    var target: String?

    @Option(
      help: ArgumentHelp(
        "Label shift with your model's probability columns, instead of --target: a profile of the target (`shiftcli profile` with a reference saved with the same columns, `shiftcli merge`).",
        valueName: "file"))
    var targetProfile: String?

    /// The target file or profile (validated: one is given).
    private var targetFile: String { target ?? targetProfile ?? "" }

    @Option(
      help:
        "Label column (required for label shift from --source; for covariate shift it is left out of the features)."
    )
    var label: String?

    @Option(help: "Label-shift method: \(LabelShiftMethod.allCases.map(\.rawValue).joined(separator: ", ")).")
    var method: LabelShiftMethod = .emBCTS

    @Option(
      help: ArgumentHelp(
        "A model file from `shiftcli train --model-out` to use instead of training one.", valueName: "file"))
    var model: String?

    @OptionGroup var probabilities: ProbabilityOptions

    @Option(
      parsing: .unconditional,
      help:
        "Label shift with --folds 1: share of the source held out for the confusion matrix and calibration, in (0, 1).")
    var holdout = 0.3

    @Option(
      parsing: .unconditional,
      help:
        "Label shift: maximum training epochs of the MLP, 1…\(ResourceLimits.epochs) (early stopping on 10 % of the rest)."
    )
    var epochs = 100

    @Option(
      parsing: .unconditional,
      help: ArgumentHelp(
        "Label shift: hidden layer sizes of the MLP, comma-separated (e.g. 256 or 128,64; at most \(ResourceLimits.hiddenUnits) units without --force).",
        valueName: "sizes"))
    var hidden = HiddenLayerSizes([256])

    @Option(
      parsing: .unconditional,
      help:
        "Cross-fitting folds, up to 100: covariate shift's domain classifier; label shift's MLPs (1: one --holdout split instead)."
    )
    var folds = 5

    @Option(
      parsing: .unconditional,
      help: ArgumentHelp(
        "Covariate shift: weight cap: none, a percentile qNN (e.g. q99) or a multiple of the mean weight (> 1).",
        valueName: "q99|none|VALUE"))
    var clip = WeightClipping.quantile(0.99)

    @Option(
      help: ArgumentHelp(
        "Covariate shift: calibrate the domain classifier's logit by a cross-fitted spline when that predicts the held-out domains better (spline), or use it as it is (none).",
        valueName: "spline|none"))
    var calibration: ScoreCalibrationChoice = .spline

    @Option(
      parsing: .unconditional,
      help: ArgumentHelp(
        "Covariate shift: inverse L2 strength C > 0 of the domain classifier (as in scikit-learn), or auto: the C in 1e-4 … 10 with the best cross-fitted log-loss.",
        valueName: "auto|C"))
    var domainC = DomainRegularization.auto

    @Option(
      parsing: .unconditional,
      help:
        "Label shift: bootstrap replicates for 95 % intervals (0: none; 2…\(ResourceLimits.bootstrapReplicates) without --force)."
    )
    var bootstrap = 0

    @Option(
      parsing: .unconditional,
      help:
        "Label shift: target rows whose model outputs are kept for EM, EM-BCTS, kdey, dm, auto and the bootstrap (a sample chosen by a hash of each row; the counts behind BBSE and RLLS use every row), at least 100."
    )
    var sampleRows = PredictionSummary.defaultSampleCapacity

    @OptionGroup var columns: ColumnOptions

    @OptionGroup var seedOptions: SeedOptions

    @Option(help: ArgumentHelp("Write the weights to this CSV file (atomically).", valueName: "file"))
    var out: String?

    @OptionGroup var threadOptions: ThreadOptions
    @OptionGroup var limits: LimitOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
      guard sampleRows >= 100 else { throw ValidationError("--sample-rows must be at least 100, got \(sampleRows)") }
      guard (target == nil) != (targetProfile == nil) else {
        throw ValidationError("give either --target or --target-profile")
      }
      guard (sourceFile == nil) != (referenceProfile == nil) else {
        throw ValidationError("give either --source or --reference-profile")
      }
      if referenceProfile != nil {
        guard shift == .label, targetProfile != nil else {
          throw ValidationError(
            "--reference-profile needs --shift label and --target-profile (profile the target with `shiftcli profile`)")
        }
        guard probabilities.columns == nil, probabilities.prediction == nil, model == nil else {
          throw ValidationError(
            "--reference-profile holds the model's outputs: leave out --model and the probability columns")
        }
      } else if targetProfile != nil && (shift != .label || probabilities.columns == nil) {
        throw ValidationError(
          "--target-profile needs --shift label and the model's probability columns (--probability-prefix, --probabilities or --probability), or --reference-profile instead of --source"
        )
      }
      if shift == .label && label == nil && referenceProfile == nil {
        throw ValidationError("--shift label needs --label COLUMN (the class column of --source)")
      }
      if probabilities.columns != nil && shift != .label {
        throw ValidationError("--probabilities, --probability-prefix and --probability are for --shift label")
      }
      if probabilities.columns != nil && model != nil {
        throw ValidationError("give either --model or the model's probability columns")
      }
      guard holdout > 0, holdout < 1 else { throw ValidationError("--holdout must be in (0, 1), got \(holdout)") }
      guard folds >= (shift == .label ? 1 : 2), folds <= 100 else {
        throw ValidationError(
          "--folds must be in \(shift == .label ? 1 : 2)…100 for \(shift.rawValue) shift, got \(folds)")
      }
      guard bootstrap == 0 || bootstrap >= 2 else {
        throw ValidationError("--bootstrap takes 0 (off) or at least 2 replicates, got \(bootstrap)")
      }
      try limits.check(bootstrap, atMost: ResourceLimits.bootstrapReplicates, option: "--bootstrap")
      guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
      try limits.check(epochs, atMost: ResourceLimits.epochs, option: "--epochs")
      try hidden.check(limits: limits)
      if let out {
        try checkWritableDirectory(of: out, option: "--out")
        try checkOutputs(
          [("--out", out)],
          spare: [("--source", source), ("--target", targetFile)] + (model.map { [("--model", $0)] } ?? []))
      }
    }

    func execute() throws -> String {
      threadOptions.apply()
      var generator = seedOptions.generator
      switch shift {
      case .label: return try estimateLabelShift(using: &generator)
      case .covariate: return try estimateCovariateShift(using: &generator)
      }
    }

    private func estimateLabelShift(using generator: inout SplitMix64) throws -> String {
      if let referenceProfile, let targetProfile {
        return try estimateLabelShift(reference: referenceProfile, target: targetProfile, using: &generator)
      }
      if let columns = probabilities.columns { return try estimateLabelShift(from: columns, using: &generator) }
      output.progress("reading \(source)…")
      let sourceData: Dataset
      // The target is read in one pass, batch by batch, once the models are ready (a model
      // without a table encoding reads it whole).
      var targetReader: EncodedTableReader? = nil
      var targetFeatures: Matrix? = nil
      let workflowHoldout: LabelShiftWorkflow.Holdout
      if let model {
        let (classifier, _) = try ModelFile.load(from: model)
        if let encoding = classifier.tableEncoding {
          let schema = try encoding.schema.relabelled(label ?? "", file: source)
          let relabelled = TableEncoding(schema: schema, encoder: encoding.encoder)
          let sourceTable = try MixedTable(contentsOf: source, schema: schema, labelRequired: true)
          let (data, unseen) = try relabelled.dataset(sourceTable, classes: classifier.classes)
          for entry in unseen { output.warn(entry.warning(file: source)) }
          sourceData = data
          targetReader = try EncodedTableReader(contentsOf: targetFile, encoding: relabelled, skippingLabel: true)
        } else {
          // A model without a table encoding (Fashion-MNIST's, or an older file): numeric
          // columns by the model's feature names.
          let sourceTable = try CSVTable(contentsOf: source, labelColumn: label)
          sourceData = try Dataset(
            table: sourceTable.aligned(to: classifier.featureNames, reference: model), classes: classifier.classes)
          targetFeatures = try readTable(
            targetFile, label: label, alignedTo: sourceData.featureNames, reference: source
          )
          .features
        }
        workflowHoldout = .model(classifier)
      } else {
        let (sourceTable, encoding) = try TablePair.source(source, label: label, labelRequired: true, columns: columns)
        if let warning = sourceTable.droppedRowsWarning { output.warn(warning) }
        sourceData = try encoding.dataset(sourceTable, classes: sourceTable.classIndex()).data
        targetReader = try EncodedTableReader(contentsOf: targetFile, encoding: encoding, skippingLabel: true)
        try hidden.checkLayers(inputs: sourceData.featureCount, outputs: sourceData.classes.count)
        let sizes = [sourceData.featureCount] + hidden.sizes + [sourceData.classes.count]
        try ResourceLimits.checkMemory(
          Double(max(folds, 1)) * ResourceLimits.trainingBytes(sizes: sizes, rows: sourceData.count, batch: 128),
          for: "training \(max(folds, 1)) \(sizes.map(String.init).joined(separator: "-")) networks",
          force: limits.force,
          output: output)
        workflowHoldout = folds >= 2 ? .crossFitted(folds: folds) : .split(share: holdout)
      }
      let workflow = LabelShiftWorkflow(
        holdout: workflowHoldout, training: ClassifierTraining(hiddenSizes: hidden.sizes, epochs: epochs),
        estimator: LabelShiftEstimator(method: method),
        bootstrap: bootstrap > 0 ? LabelShiftBootstrap(replicates: bootstrap) : nil)
      let analysis = try naming(source, targetFile) {
        if let targetFeatures {
          return try workflow.run(source: sourceData, targetFeatures: targetFeatures, using: &generator) {
            output.progress($0)
          }
        }
        return try workflow.run(
          source: sourceData,
          targetBatches: {
            guard let batch = try targetReader?.next() else {
              output.progress("read \(targetReader?.rowsRead ?? 0) rows of \(targetFile)")
              return nil
            }
            output.progress("read \(batch.firstRow + batch.table.rowCount) rows of \(targetFile)", transient: true)
            return batch.features
          }, sampleCapacity: sampleRows, using: &generator
        ) { output.progress($0) }
      }
      output.endProgress()
      for warning in targetReader?.warnings ?? [] { output.warn(warning) }
      let report = LabelShiftReport(
        analysis: analysis, requestedMethod: method, modelFile: model, seed: seedOptions.seed, weightsFile: out)
      if let out { try AtomicFile.write(report.weightsCSV, to: out) }
      return try output.render(report) { report.humanSummary }
    }

    /// Label shift on the probabilities of the user's model, given as columns of both files.
    private func estimateLabelShift(
      from columns: ProbabilityColumns, using generator: inout SplitMix64
    ) throws -> String {
      output.progress("reading \(source) and \(targetFile)…")
      let sourceTable = try MixedTable(
        contentsOf: source,
        options: self.columns.schemaOptions(label: label).withPredictions(columns)
          .withPredictedClass(probabilities.prediction))
      if let warning = sourceTable.droppedRowsWarning { output.warn(warning) }
      let classes = try columns.classes(
        labelClasses: try sourceTable.classIndex(), columns: sourceTable.predictions.map(\.name), file: source)
      let sourceLabels = try classes.indices(of: sourceTable.labels ?? [], file: source, lines: sourceTable.rowLines)
      let sourceProbabilities = try columns.matrix(of: sourceTable, classes: classes)
      let summary = try targetPredictions(
        columns: columns, schema: sourceTable.schema, classes: classes,
        sourceColumns: try columns.columnsInClassOrder(of: sourceTable, classes: classes))
      let workflow = LabelShiftWorkflow(
        estimator: LabelShiftEstimator(method: method),
        bootstrap: bootstrap > 0 ? LabelShiftBootstrap(replicates: bootstrap) : nil)
      let analysis = try naming(source, targetFile) {
        try workflow.run(
          holdoutProbabilities: sourceProbabilities, holdoutLabels: sourceLabels, target: summary, classes: classes,
          using: &generator
        ) { output.progress($0) }
      }
      output.endProgress()
      let report = LabelShiftReport(
        analysis: analysis, requestedMethod: method, modelFile: nil, seed: seedOptions.seed, weightsFile: out,
        probabilityColumns: sourceTable.predictions.map(\.name))
      if let out { try AtomicFile.write(report.weightsCSV, to: out) }
      return try output.render(report) { report.humanSummary }
    }

    /// Label shift from a labelled reference's profile and a target's: no file is read.
    private func estimateLabelShift(
      reference: String, target: String, using generator: inout SplitMix64
    ) throws -> String {
      let referenceProfile = try ShiftProfile.load(from: reference)
      let targetProfile = try ShiftProfile.load(from: target)
      guard let holdout = referenceProfile.holdout, let classNames = referenceProfile.classNames else {
        throw CLIFailure(
          message:
            "\(reference): a profile without labels: make the reference's profile with `shiftcli profile --labelled` (of rows the model did not train on)"
        )
      }
      guard let predictions = targetProfile.predictions, targetProfile.classNames == classNames else {
        throw CLIFailure(
          message:
            "\(target): a profile without the model's outputs for the classes \(classNames.joined(separator: ", ")) of \(reference)"
        )
      }
      if let columns = referenceProfile.probabilityColumns {
        try targetProfile.checkProbabilityColumns(columns, file: target)
      }
      let workflow = LabelShiftWorkflow(
        estimator: LabelShiftEstimator(method: method),
        bootstrap: bootstrap > 0 ? LabelShiftBootstrap(replicates: bootstrap) : nil)
      let analysis = try naming(reference, target) {
        try workflow.run(
          holdout: holdout, target: predictions, classes: ClassIndex(orderedNames: classNames), using: &generator
        ) { output.progress($0) }
      }
      output.endProgress()
      var report = LabelShiftReport(
        analysis: analysis, requestedMethod: method, modelFile: nil, seed: seedOptions.seed, weightsFile: out,
        probabilityColumns: referenceProfile.probabilityColumns)
      if !holdout.sample.isComplete || !predictions.sample.isComplete {
        report.notes.append(
          "the methods that revisit rows (em, em-bcts, auto's simulations, the bootstrap) used the profiles' samples: \(holdout.sample.count) of \(holdout.rows) labelled rows, \(predictions.sample.count) of \(predictions.rows) target rows; bbse and rlls used the counts of every row"
        )
      }
      if let out { try AtomicFile.write(report.weightsCSV, to: out) }
      return try output.render(report) { report.humanSummary }
    }

    /// The model's outputs on the target: from its profile (`--target-profile`, whose classes
    /// must be `classes` and whose columns `sourceColumns`), or summarised from the target file
    /// in one pass.
    private func targetPredictions(
      columns: ProbabilityColumns, schema: TableSchema, classes: ClassIndex, sourceColumns: [String]
    ) throws -> PredictionSummary {
      if let targetProfile {
        let profile = try ShiftProfile.load(from: targetProfile)
        try profile.checkProbabilityColumns(sourceColumns, file: targetProfile)
        guard let predictions = profile.predictions, profile.classNames == classes.names else {
          throw CLIFailure(
            message:
              "\(targetProfile): a profile without the model's outputs for the classes \(classes.names.joined(separator: ", ")) (make it with a reference saved with the same probability columns)"
          )
        }
        return predictions
      }
      var reader = try MixedTableReader(contentsOf: targetFile, schema: schema, skippingLabel: true)
      var summary = PredictionSummary(classCount: classes.count, sampleCapacity: sampleRows)
      while let batch = try reader.next(rows: EncodedTableReader.defaultBatchRows) {
        let probabilities = try columns.matrix(of: batch, classes: classes)
        summary.add(logits: LabelShiftProblem.logits(ofProbabilities: probabilities), firstOrdinal: summary.rows)
        output.progress("read \(summary.rows) rows of \(targetFile)", transient: true)
      }
      output.progress("read \(summary.rows) rows of \(targetFile)")
      return summary
    }

    private func estimateCovariateShift(using generator: inout SplitMix64) throws -> String {
      output.progress("reading \(source) and \(targetFile)…")
      let pair = try TablePair(source: source, target: targetFile, label: label, labelRequired: false, columns: columns)
      for warning in pair.warnings { output.warn(warning) }
      let (sourceFeatures, targetFeatures) = (pair.sourceFeatures, pair.targetFeatures)
      output.progress("cross-fitting the domain classifier over \(folds) folds…")
      let estimator = CovariateShiftEstimator(
        folds: folds, inverseRegularization: domainC.inverseRegularization, clipping: clip,
        calibratesScores: calibration == .spline)
      let estimate = try naming(source, targetFile) {
        try estimator.estimate(source: sourceFeatures, target: targetFeatures, using: &generator)
      }
      output.endProgress()
      let report = CovariateShiftReport(
        estimate: estimate, sourceRows: sourceFeatures.rows, targetRows: targetFeatures.rows,
        features: sourceFeatures.columns, seed: seedOptions.seed, weightsFile: out)
      if let out { try AtomicFile.write(report.weightsCSV, to: out) }
      for warning in estimate.warnings { output.warn(warning) }
      return try output.render(report) { report.humanSummary }
    }
  }
}

/// `--calibration`: whether the domain classifier's logit is calibrated (``ScoreCalibration``).
enum ScoreCalibrationChoice: String, ExpressibleByArgument, CaseIterable {
  case spline, none
}
