import ArgumentParser
import Foundation
import ShiftKit

extension ShiftCLI {
  /// `shiftcli profile`: one shard of data summarised, to be merged and tested later.
  struct Profile: ShiftCommand {
    static let configuration = CommandConfiguration(
      abstract: "Summarise a data file (a shard) in one pass into a mergeable shift profile (JSON).",
      discussion: """
        The file is read once, in batches, with the schema and encoding of a source reference \
        (`shiftcli detect --source S --label Y --save-reference R`) or of a saved monitor, so \
        every shard of one data set is read alike; a shard of a header alone is a profile of no \
        rows. The profile keeps: the row count; per numeric column a quantile \
        sketch (exact up to 4096 values, within a stated rank error beyond) and its missing \
        cells; per categorical column the count of each level the source had, of pooled and \
        unseen levels, and of missing cells; a sample of encoded rows chosen by a hash of each \
        row (--domain-rows); and, when the reference was saved with a model's probability \
        columns, the model's outputs: predicted-class counts, probability sums, a confidence \
        histogram and a hash-chosen sample of rows (--sample-rows). With --labelled the shard \
        is labelled data the model did not train on (a reference, or delayed labels): the \
        profile also keeps the confusion counts, the per-class probability sums and a \
        hash-chosen sample of outputs with their labels, so that `shiftcli estimate \
        --reference-profile` needs no source file. Profiles of shards merge \
        with `shiftcli merge`: counts and samples exactly (the merge equals the profile of the \
        whole), quantiles within their bound. `shiftcli detect --reference R --target-profile \
        P` tests a profile.

        Example:
          shiftcli detect --source reference.csv --label y --save-reference ref.json --target reference.csv
          shiftcli profile --reference ref.json --data part-0.csv.gz --out part-0.profile.json
          shiftcli merge part-*.profile.json --out all.profile.json
          shiftcli detect --reference ref.json --target-profile all.profile.json

          # Label shift from profiles alone (the reference saved with --probability-prefix p_):
          shiftcli profile --reference ref.json --data ref-part-0.csv --labelled --out ref-0.profile.json
          shiftcli merge ref-*.profile.json --out ref.profile.json
          shiftcli estimate --shift label --reference-profile ref.profile.json --target-profile all.profile.json
        """)

    @Option(
      help: ArgumentHelp(
        "A source reference written by `detect --save-reference`, or a monitor written by `monitor --save-monitor` (its reference).",
        valueName: "file"))
    var reference: String

    @Option(help: ArgumentHelp("The CSV file (or .csv.gz) to profile.", valueName: "file"))
    var data: String

    @Option(
      help: ArgumentHelp(
        "Write the profile here (JSON, atomically; gzip-compressed when the name ends in .gz, about a quarter of the size).",
        valueName: "file"))
    var out: String

    @Flag(
      help:
        "The shard is labelled (its label column, as the reference names it, is required) and the model did not train on it: keep the confusion counts and a labelled sample too (needs a reference with the model's probability columns)."
    )
    var labelled = false

    @Option(
      parsing: .unconditional,
      help: "Rows kept (by hash) for the domain classifier, at least 10; shards to be merged must agree.")
    var domainRows = DetectionTarget.defaultDomainRows

    @Option(
      parsing: .unconditional,
      help:
        "Rows of model outputs kept (by hash) for EM-type estimators (and, with --labelled, of outputs with labels), at least 100; shards must agree."
    )
    var sampleRows = PredictionSummary.defaultSampleCapacity

    @OptionGroup var output: OutputOptions

    func validate() throws {
      guard domainRows >= 10 else { throw ValidationError("--domain-rows must be at least 10") }
      guard sampleRows >= 100 else { throw ValidationError("--sample-rows must be at least 100") }
      try checkWritableDirectory(of: out, option: "--out")
      try checkOutputs([("--out", out)], spare: [("--reference", reference), ("--data", data)])
    }

    /// The source reference in `file`: a reference, or a saved monitor's (whose chunks can
    /// then be profiles: `shiftcli monitor --monitor M --analysis-profiles …`).
    static func reference(in file: String) throws -> SourceReference {
      do {
        return try SourceReference.load(from: file)
      } catch {
        guard let monitor = try? Monitor.load(from: file) else { throw error }
        guard monitor.modelFile == nil else {
          throw CLIFailure(
            message:
              "\(file): a monitor of a model file: a profile reads the model's probability columns, so fit the monitor on them (--probabilities)"
          )
        }
        return monitor.reference
      }
    }

    func execute() throws -> String {
      // An empty shard is a profile of no rows: merging it changes nothing.
      let profile = try ShiftProfile.read(
        data, reference: try Self.reference(in: reference), named: reference, labelled: labelled,
        domainRows: domainRows, sampleRows: sampleRows, allowingNoRows: true, output: output)
      try profile.save(to: out)
      let summary = ProfileSummary(profile: profile, file: out)
      return try output.render(summary) { summary.sentence }
    }
  }

  /// `shiftcli merge`: shards' profiles into one.
  struct Merge: ShiftCommand {
    static let configuration = CommandConfiguration(
      abstract: "Merge shift profiles of shards of one data set into the profile of the whole.",
      discussion: """
        Merging is associative and commutative, and exact for counts and samples: the merge of \
        any split into shards equals the profile of the whole file, its quantiles within the \
        sketches' bound. Every profile must come from the same reference (schema and encoding) \
        and capacities; a truncated, foreign, newer or mismatched profile is an error naming \
        its file, and nothing is written.

        Example:
          shiftcli merge part-0.profile.json part-1.profile.json --out all.profile.json
        """)

    @Argument(help: ArgumentHelp("The profiles to merge (at least one).", valueName: "profile"))
    var profiles: [String]

    @Option(
      help: ArgumentHelp(
        "Write the merged profile here (JSON, atomically; gzip-compressed when the name ends in .gz).",
        valueName: "file"))
    var out: String

    @OptionGroup var output: OutputOptions

    func validate() throws {
      guard !profiles.isEmpty else { throw ValidationError("give at least one profile to merge") }
      try checkWritableDirectory(of: out, option: "--out")
      try checkOutputs([("--out", out)], spare: profiles.map { ("a profile", $0) })
    }

    func execute() throws -> String {
      var merged: ShiftProfile? = nil
      for file in profiles {
        let profile = try ShiftProfile.load(from: file)
        do {
          merged = try merged.map { try $0.merged(with: profile) } ?? profile
        } catch let error as SummaryError {
          throw CLIFailure(message: "\(file): cannot be merged with \(profiles[0]): \(error)")
        }
      }
      guard let merged else { throw CLIFailure(message: "no profile to merge") }
      try merged.save(to: out)
      let summary = ProfileSummary(profile: merged, file: out)
      return try output.render(summary) { summary.sentence }
    }
  }
}

/// What `profile` and `merge` report (the JSON of `--json`).
struct ProfileSummary: Encodable {
  var file: String
  var rows: Int
  var columns: Int
  var domainRows: Int
  var predictionRows: Int?
  var labelledRows: Int?
  var largestRankError: Double

  init(profile: ShiftProfile, file: String) {
    self.file = file
    rows = profile.rows
    columns = profile.target.columns.count
    domainRows = profile.target.sample.count
    predictionRows = profile.predictions?.sample.count
    labelledRows = profile.holdout?.sample.count
    largestRankError =
      profile.target.columns.map {
        if case .numeric(let sketch) = $0 { return sketch.rankErrorBound }
        return 0
      }.max() ?? 0
  }

  var sentence: String {
    "\(file): \(rows) rows, \(columns) columns (quantile rank error at most \(String(format: "%.3g", largestRankError * 100)) %), \(domainRows) rows sampled"
      + (predictionRows.map { ", model outputs of \($0) rows sampled" } ?? "")
      + (labelledRows.map { ", labelled: confusion counts of every row, \($0) labelled rows sampled" } ?? "")
  }
}

extension ShiftProfile {
  /// The profile of `file` read in one pass with `reference`'s schema and encoding (called
  /// `referenceName` in errors), with the model's outputs when the reference has them, and
  /// their labels if `labelled`; progress and the reader's warnings on `output`. What `shiftcli
  /// profile` writes, and what `detect` tests a streamed target as.
  static func read(
    _ file: String, reference: SourceReference, named referenceName: String, labelled: Bool = false,
    domainRows: Int, sampleRows: Int = PredictionSummary.defaultSampleCapacity, allowingNoRows: Bool,
    output: OutputOptions
  ) throws -> ShiftProfile {
    guard let encoding = reference.tableEncoding else {
      throw CLIFailure(
        message:
          "\(referenceName): a reference without a table encoding (an older file): save it again with `shiftcli detect --save-reference`"
      )
    }
    let outputs = reference.modelOutputs
    let classes = try labelled ? labelledClasses(of: reference, named: referenceName) : nil
    var reader = try EncodedTableReader(
      contentsOf: file, encoding: encoding, labelRequired: labelled, skippingLabel: !labelled,
      allowingNoRows: allowingNoRows)
    var profile = ShiftProfile(
      encoding: encoding, classNames: outputs?.classNames, probabilityColumns: outputs?.probabilityColumns,
      labelled: labelled, domainRows: domainRows, predictionRows: sampleRows)
    while let batch = try reader.next() {
      let logits = try outputs.map { outputs in
        LabelShiftProblem.logits(ofProbabilities: try outputs.probabilities(of: batch.table))
      }
      let labels = try classes.map { classes in
        try classes.indices(of: batch.table.labels ?? [], file: file, lines: batch.table.rowLines)
      }
      try profile.add(batch, logits: logits, labels: labels)
      output.progress("read \(reader.rowsRead) rows of \(file)", transient: true)
    }
    output.progress("read \(reader.rowsRead) rows of \(file)")
    for warning in reader.warnings { output.warn(warning) }
    return profile
  }

  /// The classes the labels of a labelled profile read with `reference` must be: its model's.
  private static func labelledClasses(of reference: SourceReference, named referenceName: String) throws -> ClassIndex {
    guard let outputs = reference.modelOutputs else {
      throw CLIFailure(
        message:
          "\(referenceName): a labelled profile needs a reference saved with the model's probability columns (`detect --save-reference` with --probability-prefix, --probabilities or --probability)"
      )
    }
    guard reference.tableEncoding?.schema.columns.contains(where: { $0.kind == .label }) == true else {
      throw CLIFailure(message: "\(referenceName): a reference without a label column cannot read labelled shards")
    }
    return ClassIndex(orderedNames: outputs.classNames)
  }
}
