import ArgumentParser
import Foundation
import ShiftKit

extension ShiftCLI {
  /// `shiftcli detect`: has the target shifted away from the source?
  struct Detect: ShiftCommand {
    static let configuration = CommandConfiguration(
      abstract: "Test whether a target file has shifted away from a source (or a saved source reference).",
      discussion: """
        Per-feature Kolmogorov–Smirnov tests (Benjamini–Hochberg across features) and the \
        cross-fitted domain classifier's AUC test, each at α/3 (the predicted-class test and the \
        label/covariate classification need a model: see `shiftcli correct`). --save-reference \
        keeps a seeded sample of the source (--reference-rows) with its feature names, so later \
        targets are tested with --reference without re-reading a large source.

        Example:
          shiftcli detect --source source.csv --label y --save-reference ref.json --target t1.csv
          shiftcli detect --reference ref.json --target t2.csv
        """)

    @Option(help: ArgumentHelp("Source CSV file (or use --reference).", valueName: "file"))
    var source: String?

    @Option(help: ArgumentHelp("A source reference written by --save-reference.", valueName: "file"))
    var reference: String?

    @Option(help: ArgumentHelp("Target CSV file.", valueName: "file"))
    var target: String

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

    @OptionGroup var columns: ColumnOptions

    @OptionGroup var seedOptions: SeedOptions

    @OptionGroup var limits: LimitOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
      guard (source == nil) != (reference == nil) else { throw ValidationError("give either --source or --reference") }
      if reference != nil && saveReference != nil { throw ValidationError("--save-reference needs --source") }
      guard level > 0, level < 1 else { throw ValidationError("--level must be in (0, 1), got \(level)") }
      guard referenceRows >= 10 else { throw ValidationError("--reference-rows must be at least 10") }
      try limits.check(referenceRows, atMost: ResourceLimits.referenceRows, option: "--reference-rows")
      if let saveReference {
        try checkWritableDirectory(of: saveReference, option: "--save-reference")
        try checkOutputs(
          [("--save-reference", saveReference)],
          spare: [("--target", target)] + (source.map { [("--source", $0)] } ?? []))
      }
    }

    func execute() throws -> String {
      var generator = seedOptions.generator
      let sourceReference: SourceReference
      let referenceName: String
      let targetFeatures: Matrix
      if let reference {
        sourceReference = try SourceReference.load(from: reference)
        referenceName = reference
        if let encoding = sourceReference.tableEncoding {
          let table = try MixedTable(contentsOf: target, schema: encoding.schema)
          let encoded = try encoding.encoder.encode(table)
          for entry in encoded.unseen { output.warn(entry.warning(file: target)) }
          targetFeatures = encoded.features
        } else {
          targetFeatures = try readTable(
            target, label: label, alignedTo: sourceReference.featureNames, reference: referenceName
          ).features
        }
      } else if let source {
        let pair = try TablePair(source: source, target: target, label: label, labelRequired: false, columns: columns)
        for warning in pair.warnings { output.warn(warning) }
        sourceReference = SourceReference(
          source: source, featureNames: pair.encoding.featureNames, features: pair.sourceFeatures,
          sampleSize: referenceRows, tableEncoding: pair.encoding, using: &generator)
        referenceName = source
        targetFeatures = pair.targetFeatures
      } else {
        throw CLIFailure(message: "give either --source or --reference")
      }
      guard targetFeatures.rows >= 5 else {
        throw CLIFailure(message: "\(target): \(targetFeatures.rows) rows are too few to test (at least 5)")
      }
      let detection = try naming(referenceName, target) {
        try ShiftDetector(level: level).detect(
          source: sourceReference.sampleMatrix, target: targetFeatures,
          featureNames: sourceReference.featureNames,
          using: &generator)
      }
      if let saveReference { try sourceReference.save(to: saveReference) }
      return try output.render(detection) { Self.summary(detection, reference: sourceReference, name: referenceName) }
    }

    /// The verdict, the domain classifier's test and the most drifted features, for a terminal.
    static func summary(_ detection: ShiftDetectionResult, reference: SourceReference, name: String) -> String {
      var lines = [detection.sentence]
      if detection.verdict == .featureShift {
        lines.append(
          "(label shift moves the features too; `shiftcli correct` tells label from covariate shift with a model)")
      }
      lines += [
        String(format: "domain classifier: held-out AUC %.4f, p = %.3g", detection.domain.auc, detection.domain.pValue),
        "most drifted features (KS distance, adjusted p):",
      ]
      for test in detection.features.prefix(5) {
        lines.append(String(format: "  %@  %.4f  %.3g", test.feature, test.statistic, test.adjustedPValue))
      }
      lines.append("source: \(name) (\(reference.sample.count) of \(reference.sourceRows) rows)")
      return lines.joined(separator: "\n")
    }
  }
}
