import ArgumentParser
import Foundation
import ShiftKit

extension ShiftCLI {
  /// `shiftcli detect`: has the target shifted away from the source?
  struct Detect: ShiftCommand {
    static let configuration = CommandConfiguration(
      abstract: "Test whether a target file has shifted away from a source (or a saved source reference).",
      discussion: """
        Three families of tests, each at α/3. Columns: Kolmogorov–Smirnov per numeric column, \
        χ² per categorical or boolean column, and a two-proportion test (Fisher's exact on small \
        counts) of each column's missing rate, corrected together (Benjamini–Hochberg); every \
        row carries an effect size (KS distance, Cramér's V, missing-rate difference), because on \
        large files every p-value is tiny. Domain classifier: a cross-fitted logistic regression \
        on the encoded columns, its held-out scores tested fold by fold. Predictions, with your \
        own model's probability columns (--probabilities, --probability-prefix, --probability): \
        χ² on the predicted classes and KS on each class's probability (source against target). \
        Telling label from covariate shift needs a model: see `shiftcli correct`. --save-reference \
        keeps a seeded sample of the source (--reference-rows) with its schema, encoding and \
        (when given) the model's outputs on the sampled rows, so later targets are tested with \
        --reference without re-reading a large source (their model-output columns are found by \
        the same names).

        The target is read once, in batches (plain or .csv.gz), so its size is not limited by \
        memory: numeric columns go into quantile sketches (exact up to 4096 rows; beyond, each \
        KS statistic is within the sketch's stated rank error, 0.22 % at a million rows), \
        categories and missing cells are counted, and the domain classifier reads a sample of \
        --domain-rows target rows chosen by a hash of each row. With the model's probability \
        columns (beside --source, or in a --reference saved with them), its predicted classes \
        are counted and its probabilities of 100 000 hash-chosen rows tested. (With the model's \
        own --prediction column the target is still read whole.)

        Example:
          shiftcli detect --source source.csv --label y --save-reference ref.json --target t1.csv
          shiftcli detect --reference ref.json --target t2.csv
          shiftcli detect --source reference.csv --target analysis.csv --label y_true \\
            --probability-prefix y_pred_proba_ --ignore id,timestamp
        """)

    @Option(help: ArgumentHelp("Source CSV file (or use --reference).", valueName: "file"))
    var source: String?

    @Option(help: ArgumentHelp("A source reference written by --save-reference.", valueName: "file"))
    var reference: String?

    @Option(help: ArgumentHelp("Target CSV file (or .csv.gz).", valueName: "file"))
    var target: String?

    @Option(
      help: ArgumentHelp(
        "Instead of --target: a profile of the target (`shiftcli profile`, `shiftcli merge`), tested against --reference.",
        valueName: "file"))
    var targetProfile: String?

    /// The target file (validated: given unless a profile is).
    private var targetFile: String { target ?? targetProfile ?? "" }

    @Option(help: "Label column, left out of the features when present.")
    var label: String?

    @Option(help: ArgumentHelp("Save a reference of the source here (JSON).", valueName: "file"))
    var saveReference: String?

    @Option(
      parsing: .unconditional,
      help: "Source rows kept in a reference (a seeded sample), 10…\(ResourceLimits.referenceRows) without --force.")
    var referenceRows = SourceReference.defaultSampleSize

    @Option(parsing: .unconditional, help: "Level α of the verdict, in (0, 1).")
    var level = 0.05

    @Option(
      parsing: .unconditional,
      help:
        "Target rows the domain classifier reads: a sample chosen by a hash of each row (the column tests read every row), at least 10."
    )
    var domainRows = DetectionTarget.defaultDomainRows

    @OptionGroup var columns: ColumnOptions

    @OptionGroup var probabilities: ProbabilityOptions

    @OptionGroup var seedOptions: SeedOptions

    @OptionGroup var limits: LimitOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
      guard (source == nil) != (reference == nil) else { throw ValidationError("give either --source or --reference") }
      guard (target == nil) != (targetProfile == nil) else {
        throw ValidationError("give either --target or --target-profile")
      }
      if targetProfile != nil && reference == nil {
        throw ValidationError(
          "--target-profile is tested against a saved --reference (the one the profile was made with)")
      }
      if reference != nil && saveReference != nil { throw ValidationError("--save-reference needs --source") }
      if probabilities.columns != nil && (source == nil || label == nil) {
        throw ValidationError(
          "the model's probability columns need --source and --label (a reference saved with them keeps them)")
      }
      guard level > 0, level < 1 else { throw ValidationError("--level must be in (0, 1), got \(level)") }
      guard referenceRows >= 10 else { throw ValidationError("--reference-rows must be at least 10") }
      guard domainRows >= 10 else { throw ValidationError("--domain-rows must be at least 10") }
      try limits.check(referenceRows, atMost: ResourceLimits.referenceRows, option: "--reference-rows")
      if let saveReference {
        try checkWritableDirectory(of: saveReference, option: "--save-reference")
        try checkOutputs(
          [("--save-reference", saveReference)],
          spare: [("--target", targetFile)] + (source.map { [("--source", $0)] } ?? []))
      }
    }

    func execute() throws -> String {
      var generator = seedOptions.generator
      if let targetProfile, let reference {
        return try detect(profile: targetProfile, reference: reference, using: &generator)
      }
      if probabilities.prediction == nil, let streamed = try streamedReference(using: &generator) {
        return try detectStreaming(reference: streamed.reference, name: streamed.name, using: &generator)
      }
      let sourceReference: SourceReference
      let referenceName: String
      let targetFeatures: Matrix
      var targetCells: ColumnCells? = nil
      var predictions: PredictionSample? = nil
      if let reference {
        sourceReference = try SourceReference.load(from: reference)
        referenceName = reference
        if let encoding = sourceReference.tableEncoding {
          let table = try MixedTable(contentsOf: targetFile, schema: encoding.schema)
          predictions = try sourceReference.modelOutputs?.predictionSample(target: table)
          let cells = try encoding.cells(of: table)
          for entry in cells.unseen { output.warn(entry.warning(file: targetFile)) }
          targetFeatures = encoding.encoder.expand(cells.cells)
          targetCells = cells
        } else {
          targetFeatures = try readTable(
            targetFile, label: label, alignedTo: sourceReference.featureNames, reference: referenceName
          ).features
        }
      } else if let source {
        let pair = try TablePair(
          source: source, target: targetFile, label: label, labelRequired: probabilities.columns != nil,
          columns: columns,
          probabilities: probabilities)
        for warning in pair.warnings { output.warn(warning) }
        let outputs = try probabilities.columns.map { try ModelOutputs($0, source: pair.source, target: pair.target) }
        sourceReference = SourceReference(
          source: source, featureNames: pair.encoding.featureNames, features: pair.sourceFeatures,
          sampleSize: referenceRows, tableEncoding: pair.encoding, outputs: outputs?.referenceOutputs, using: &generator
        )
        // The sampled rows' outputs, as a saved reference gives them.
        predictions = try sourceReference.modelOutputs?.predictionSample(target: pair.target)
        referenceName = source
        targetFeatures = pair.targetFeatures
        targetCells = pair.targetCells
      } else {
        throw CLIFailure(message: "give either --source or --reference")
      }
      guard targetFeatures.rows >= 5 else {
        throw CLIFailure(message: "\(targetFile): \(targetFeatures.rows) rows are too few to test (at least 5)")
      }
      let sourceSample = sourceReference.sampleMatrix
      let columns = try targetCells.map { cells in
        (
          try sourceReference.tableEncoding?.cells(ofEncoded: sourceSample)
            ?? ColumnCells(numeric: sourceSample, names: sourceReference.featureNames), cells
        )
      }
      let detection = try naming(referenceName, targetFile) {
        try ShiftDetector(level: level).detect(
          source: sourceSample, target: targetFeatures, featureNames: sourceReference.featureNames,
          columns: columns, predictions: predictions, using: &generator)
      }
      if let saveReference { try sourceReference.save(to: saveReference) }
      return try output.render(detection) { Self.summary(detection, reference: sourceReference, name: referenceName) }
    }

    /// A profile made with `reference`, tested against it: the column tests and the domain
    /// classifier (the profile's sampled rows are in hash order; they are not the file's rows,
    /// so none are listed).
    private func detect(profile file: String, reference: String, using generator: inout SplitMix64) throws -> String {
      let sourceReference = try SourceReference.load(from: reference)
      let profile = try ShiftProfile.load(from: file)
      guard let encoding = sourceReference.tableEncoding, encoding == profile.encoding else {
        throw CLIFailure(message: "\(file): a profile made with another reference than \(reference)")
      }
      var detection = try test(
        profile.target, named: file, against: sourceReference, named: reference, encoding: encoding,
        predictions: try predictionSample(profile, named: file, against: sourceReference), using: &generator)
      detection.mostSourceUnlikeTargetRows = []
      return try output.render(detection) { Self.summary(detection, reference: sourceReference, name: reference) }
    }

    /// The reference's model outputs against a profile's (see
    /// ``PredictionSample/init(classNames:holdoutProbabilities:target:)``); nil when either has none.
    private func predictionSample(
      _ profile: ShiftProfile, named file: String, against reference: SourceReference
    ) throws -> PredictionSample? {
      guard let outputs = reference.modelOutputs, let predictions = profile.predictions else { return nil }
      guard profile.classNames == outputs.classNames, predictions.classCount == outputs.classNames.count else {
        throw CLIFailure(message: "\(file): its model outputs are not of the reference's classes")
      }
      return PredictionSample(
        classNames: outputs.classNames, holdoutProbabilities: outputs.probabilityMatrix, target: predictions)
    }

    /// The source reference when the target can be streamed (a table encoding, and model
    /// outputs only as probability columns: of a saved reference, or of the source beside
    /// --probability-prefix, --probabilities or --probability), nil otherwise.
    private func streamedReference(using generator: inout SplitMix64) throws -> (
      reference: SourceReference, name: String
    )? {
      if let reference {
        let loaded = try SourceReference.load(from: reference)
        // The model's own predicted-class column is counted row by row: read whole.
        guard loaded.tableEncoding != nil, loaded.modelOutputs?.predictionColumn == nil else { return nil }
        return (loaded, reference)
      }
      guard let source else { return nil }
      let spec = probabilities.columns
      let (table, encoding) = try TablePair.source(
        source, label: label, labelRequired: spec != nil, columns: columns, probabilities: probabilities)
      if let warning = table.droppedRowsWarning { output.warn(warning) }
      let cells = try encoding.cells(of: table)
      let outputs = try spec.map { try ModelOutputs.referenceOutputs($0, source: table) }
      let reference = SourceReference(
        source: source, featureNames: encoding.featureNames, features: encoding.encoder.expand(cells.cells),
        sampleSize: referenceRows, tableEncoding: encoding, outputs: outputs, using: &generator)
      return (reference, source)
    }

    /// The target read in one pass, summarised (``DetectionTarget``), against `reference`.
    private func detectStreaming(
      reference sourceReference: SourceReference, name referenceName: String, using generator: inout SplitMix64
    ) throws -> String {
      let target = try ShiftProfile.read(
        targetFile, reference: sourceReference, named: referenceName, domainRows: domainRows, allowingNoRows: false,
        output: output)
      let detection = try test(
        target.target, named: targetFile, against: sourceReference, named: referenceName, encoding: target.encoding,
        predictions: try predictionSample(target, named: targetFile, against: sourceReference), using: &generator)
      if let saveReference { try sourceReference.save(to: saveReference) }
      return try output.render(detection) { Self.summary(detection, reference: sourceReference, name: referenceName) }
    }

    /// A summarised target (`targetName`, a file or a profile) tested against the reference's
    /// sample, whose cells are recovered with `encoding`.
    private func test(
      _ target: DetectionTarget, named targetName: String, against reference: SourceReference,
      named referenceName: String, encoding: TableEncoding, predictions: PredictionSample? = nil,
      using generator: inout SplitMix64
    ) throws -> ShiftDetectionResult {
      guard target.rows >= 5 else {
        throw CLIFailure(message: "\(targetName): \(target.rows) rows are too few to test (at least 5)")
      }
      let sourceSample = reference.sampleMatrix
      return try naming(referenceName, targetName) {
        try ShiftDetector(level: level).detect(
          source: sourceSample, sourceCells: try encoding.cells(ofEncoded: sourceSample), target: target,
          featureNames: reference.featureNames, predictions: predictions, using: &generator)
      }
    }

    /// The verdict, the domain classifier's test and the most drifted features, for a terminal.
    static func summary(_ detection: ShiftDetectionResult, reference: SourceReference, name: String) -> String {
      var lines = [detection.sentence]
      if detection.verdict == .featureShift {
        lines.append(
          "(label shift moves the features too; `shiftcli correct` tells label from covariate shift with a model)")
      }
      let allKS = detection.features.allSatisfy { $0.type == .numeric }
      lines += [
        String(format: "domain classifier: held-out AUC %.4f, p = %.3g", detection.domain.auc, detection.domain.pValue),
        allKS ? "most drifted features (KS distance, adjusted p):" : "most drifted columns (effect size, adjusted p):",
      ]
      for test in detection.features.prefix(allKS ? 5 : 8) {
        let name = allKS ? test.feature : "\(test.feature) (\(test.effectSizeName))"
        lines.append(String(format: "  %@  %.4f  %.3g", name, test.effectSize, test.adjustedPValue))
      }
      for test in detection.predictionTests.prefix(5) {
        lines.append(
          String(
            format: "  %@ (%@)  %.4f  %.3g", test.feature, test.effectSizeName, test.effectSize, test.adjustedPValue))
      }
      if let bound = detection.sketchErrorBound {
        lines.append(
          String(format: "KS distances from the profile's sketches: each within %.2g of the exact one", bound))
      }
      lines.append("source: \(name) (\(reference.sample.count) of \(reference.sourceRows) rows)")
      if let encoding = reference.tableEncoding,
        let columns = SchemaSummary(schema: encoding.schema, features: encoding.featureNames).line
      {
        lines.append("columns: \(columns) (`shiftcli schema` lists them)")
      }
      return lines.joined(separator: "\n")
    }
  }
}
