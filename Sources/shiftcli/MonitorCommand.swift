import ArgumentParser
import Foundation
import ShiftKit

extension ShiftCLI {
  /// `shiftcli monitor`: did the data move, and how well is the model doing now, chunk by chunk?
  struct MonitorCommand: ShiftCommand {
    static let configuration = CommandConfiguration(
      commandName: "monitor",
      abstract: "Watch a model in production: per chunk of new rows, drift, the estimated accuracy and alerts.",
      discussion: """
        The reference is a labelled period your model did not train on (its holdout), with your \
        model's probability columns (--probabilities, --probability-prefix, or --probability for \
        a binary model; --prediction names its own predicted class), or a model from `shiftcli \
        train --model-out` on a table (--model, which computes them), or --train: an MLP trained \
        on a stratified half of the reference, the other half its holdout (--model-out keeps it, \
        which a saved monitor needs). The analysis file is the \
        traffic since, in the same columns, labels optional. It is cut into chunks: \
        --chunk-size N rows in file order, --chunks K equal parts, or --chunk-by COLUMN:PERIOD \
        (day, week or month of an ISO 8601 date or date-time column; rows need not be sorted, \
        and a period without rows is reported as an empty chunk).

        Per chunk: the shift detector's verdict against a sample of the reference (column tests \
        with effect sizes, a domain classifier, the model's outputs); the estimated class prior \
        with an interval; four label-free estimates of accuracy and macro-F1 (precision, recall \
        and ROC AUC for a binary model) with bootstrap intervals, and the one the verdict \
        recommends (prior-corrected confidence under label shift, confidence-based otherwise). \
        The reference is chunked too: an alert is raised when a chunk's estimated accuracy \
        leaves the reference band (where 99.7 % of chunks fall when nothing changed), when its \
        estimated class prior moves beyond the band, or when the accuracy falls below \
        --alert-below. Realised figures appear beside the estimates when the chunk's labels are \
        known: a label column in the analysis file, or --analysis-labels FILE joined on --id.

        A concept shift (the same inputs now meaning other classes) changes neither the inputs \
        nor the model's outputs: no label-free estimate can see it; only labels can.

        --save-monitor keeps the fitted monitor (a reference sample, the columns' encoding, the \
        bands), so later batches are analysed with --monitor FILE without the reference. A \
        batch too large for one machine: profile its shards with `shiftcli profile --reference \
        MONITOR`, merge them, and give --analysis-profiles (one chunk per profile; the estimates \
        read its hash-chosen samples, the column tests its counts and sketches; no labels).

        Example:
          shiftcli monitor --reference reference.csv --analysis analysis.csv --label y_true \\
            --probability y_pred_proba --prediction y_pred --chunk-by timestamp:week \\
            --ignore id --report reports/monitor.md --out chunks.csv
        """)

    @Option(help: ArgumentHelp("Labelled reference CSV file (or use --monitor).", valueName: "file"))
    var reference: String?

    @Option(help: ArgumentHelp("A monitor saved by --save-monitor.", valueName: "file"))
    var monitor: String?

    @Option(help: ArgumentHelp("Analysis CSV file: the rows to watch.", valueName: "file"))
    var analysis: String?

    @Option(
      parsing: .upToNextOption,
      help: ArgumentHelp(
        "Instead of --analysis, with --monitor: one chunk per profile (`shiftcli profile --reference MONITOR`, shards merged), in the order given.",
        valueName: "profile"))
    var analysisProfiles: [String] = []

    /// The analysis file (validated: given unless the chunks are profiles).
    private var analysisFile: String { analysis ?? "" }

    @Option(help: "Label column of the reference (and of the analysis file or --analysis-labels, when they have it).")
    var label: String?

    @Option(
      help: ArgumentHelp(
        "A model from `shiftcli train --model-out` (trained on a table) instead of probability columns; again with --monitor when the monitor was fitted with one.",
        valueName: "file"))
    var model: String?

    @Flag(help: "Train an MLP on a stratified half of the reference and monitor it on the other half.")
    var train = false

    @Option(parsing: .unconditional, help: "Training epochs with --train.")
    var epochs = 100

    @Option(help: ArgumentHelp("Save the model --train trained here.", valueName: "file"))
    var modelOut: String?

    @Option(help: ArgumentHelp("Chunks of this many rows, in file order.", valueName: "N"))
    var chunkSize: Int?

    @Option(help: ArgumentHelp("This many chunks of equal size, in file order.", valueName: "K"))
    var chunks: Int?

    @Option(
      help: ArgumentHelp(
        "Chunks by calendar period of a date column: COLUMN:day, COLUMN:week (Monday to Sunday) or COLUMN:month.",
        valueName: "column:period"))
    var chunkBy: TimeChunking?

    @Option(
      help: ArgumentHelp(
        "Labels that arrived later: a CSV file with the --id column and the label column.", valueName: "file"))
    var analysisLabels: String?

    @Option(help: ArgumentHelp("The id column joining --analysis-labels to the analysis rows.", valueName: "column"))
    var id: String?

    @Option(
      parsing: .unconditional,
      help: ArgumentHelp("Alert when a chunk's estimated accuracy is below this.", valueName: "x")
    )
    var alertBelow: Double?

    @Option(parsing: .unconditional, help: "Level α of each chunk's shift verdict, in (0, 1) (default 0.05).")
    var level: Double?

    @Option(
      parsing: .unconditional,
      help:
        "Bootstrap replicates per chunk (0: none; 2…\(ResourceLimits.bootstrapReplicates) without --force; default \(Monitor.Configuration().replicates)); fixed when a monitor is fitted."
    )
    var bootstrap: Int?

    @Option(
      parsing: .unconditional,
      help:
        "Reference rows the monitor keeps (a seeded sample), 10…\(ResourceLimits.referenceRows) without --force (default \(Monitor.Configuration().sampleSize)); fixed when a monitor is fitted."
    )
    var referenceRows: Int?

    @Option(help: ArgumentHelp("Save the fitted monitor here (JSON).", valueName: "file"))
    var saveMonitor: String?

    @Option(help: ArgumentHelp("Write a Markdown report (and its SVG charts beside it).", valueName: "file"))
    var report: String?

    @Option(help: ArgumentHelp("Write the chunks as a CSV table.", valueName: "file"))
    var out: String?

    @OptionGroup var probabilities: ProbabilityOptions
    @OptionGroup var columns: ColumnOptions
    @OptionGroup var seedOptions: SeedOptions
    @OptionGroup var threadOptions: ThreadOptions
    @OptionGroup var limits: LimitOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
      guard (reference == nil) != (monitor == nil) else {
        throw ValidationError("give either --reference or --monitor")
      }
      if reference != nil {
        guard label != nil else { throw ValidationError("--reference needs its --label column") }
        guard [probabilities.columns != nil, model != nil, train].filter({ $0 }).count == 1 else {
          throw ValidationError(
            "give your model's probability columns (--probabilities a,b,…, --probability-prefix PREFIX or --probability COLUMN), --model FILE or --train"
          )
        }
        if train && saveMonitor != nil && modelOut == nil {
          throw ValidationError("a saved monitor of a model --train trains needs the model: add --model-out FILE")
        }
      } else {
        if probabilities.columns != nil || probabilities.prediction != nil {
          throw ValidationError("a saved monitor knows its model's columns: leave out --probabilities and --prediction")
        }
        if saveMonitor != nil { throw ValidationError("--save-monitor needs --reference") }
        if bootstrap != nil || referenceRows != nil {
          throw ValidationError("--bootstrap and --reference-rows were fixed when the monitor was fitted")
        }
        if train { throw ValidationError("--train needs --reference") }
      }
      guard (analysis == nil) != analysisProfiles.isEmpty else {
        throw ValidationError("give either --analysis or --analysis-profiles")
      }
      let given = [chunkSize != nil, chunks != nil, chunkBy != nil].filter { $0 }.count
      if analysisProfiles.isEmpty {
        guard given == 1 else { throw ValidationError("give one of --chunk-size, --chunks and --chunk-by") }
      } else {
        guard monitor != nil else {
          throw ValidationError(
            "--analysis-profiles needs --monitor: the monitor whose reference the profiles were made with (`shiftcli profile --reference MONITOR`)"
          )
        }
        guard given == 0, analysisLabels == nil, model == nil else {
          throw ValidationError(
            "each profile is a chunk and has no labels: leave out --chunk-size, --chunks, --chunk-by, --analysis-labels and --model"
          )
        }
      }
      if let chunkSize { try checkRange(chunkSize, 1...Int(Int32.max), option: "--chunk-size") }
      if let chunks { try checkRange(chunks, 1...Chunking.maximumPeriods, option: "--chunks") }
      guard (analysisLabels == nil) == (id == nil) else {
        throw ValidationError("--analysis-labels and --id go together")
      }
      if analysisLabels != nil && label == nil {
        throw ValidationError("--analysis-labels needs --label")
      }
      if let alertBelow { try checkRange(alertBelow, 0...1, option: "--alert-below") }
      if modelOut != nil && !train { throw ValidationError("--model-out goes with --train") }
      try checkRange(epochs, 1...ResourceLimits.epochs, option: "--epochs")
      if let level, !(level > 0 && level < 1) { throw ValidationError("--level must be in (0, 1), got \(level)") }
      if let bootstrap {
        guard bootstrap == 0 || bootstrap >= 2 else {
          throw ValidationError("--bootstrap takes 0 (off) or at least 2 replicates, got \(bootstrap)")
        }
        try limits.check(bootstrap, atMost: ResourceLimits.bootstrapReplicates, option: "--bootstrap")
      }
      if let referenceRows {
        guard referenceRows >= 10 else { throw ValidationError("--reference-rows must be at least 10") }
        try limits.check(referenceRows, atMost: ResourceLimits.referenceRows, option: "--reference-rows")
      }
      let outputs =
        [("--save-monitor", saveMonitor), ("--out", out), ("--model-out", modelOut)].compactMap { option, path in
          path.map { (option, $0) }
        }
        + (report.map { reportOutputs($0, option: "--report", charts: MonitorReport.chartNames) } ?? [])
      for (option, path) in outputs { try checkWritableDirectory(of: path, option: option) }
      let inputs =
        (analysis.map { [("--analysis", $0)] } ?? []) + analysisProfiles.map { ("--analysis-profiles", $0) }
        + [
          ("--reference", reference), ("--monitor", monitor),
          ("--analysis-labels", analysisLabels), ("--model", model),
        ].compactMap { option, path in path.map { (option, $0) } }
      try checkOutputs(outputs, spare: inputs)
    }

    func execute() throws -> String {
      threadOptions.apply()
      if !analysisProfiles.isEmpty { return try executeOnProfiles() }
      let kept = [chunkBy?.column, id].compactMap { $0 }
      output.progress("reading \(reference ?? monitor ?? "") and \(analysisFile)…")
      let fitted: Monitor
      let stream: MonitorBatch
      let chunkList: [Chunk]
      if let reference {
        let reading = try read(reference: reference, keeping: kept)
        stream = reading.stream
        chunkList = try chunks(of: reading.table, rows: stream.rowCount)
        output.progress("fitting the monitor on \(reading.fittedOn)…")
        fitted = try naming(reference) {
          try Monitor(
            reference: reading.reference, featureNames: reading.encoding.featureNames, classNames: reading.classNames,
            tableEncoding: reading.encoding, outputColumns: reading.outputColumns, modelFile: reading.modelFile,
            source: reference, chunkSize: typicalChunkRows(of: chunkList, rowCount: stream.rowCount),
            configuration: configuration, seed: seedOptions.seed)
        }
      } else {
        let (saved, analysed, table) = try load(monitor: monitor ?? "", keeping: kept)
        (fitted, stream) = (saved, analysed)
        chunkList = try chunks(of: table, rows: stream.rowCount)
      }
      output.progress("analysing \(chunkList.count) chunks of \(analysisFile)…")
      // Chunks are analysed in parallel, one per core: one BLAS thread each unless --threads says.
      let blasThreads = BLASKernel.threadCount
      BLASKernel.threadCount = threadOptions.threads ?? 1
      defer { BLASKernel.threadCount = blasThreads }
      let results = try naming(analysisFile) { try fitted.analyze(stream, chunks: chunkList) }
      output.endProgress()
      let summary = MonitorSummary(
        reference: reference ?? fitted.reference.source, monitorFile: monitor, analysis: analysisFile,
        chunking: chunking.description, monitor: fitted, chunks: results)
      return try finish(summary, saving: saveMonitor == nil ? nil : fitted)
    }

    /// Writes every output as one write (all of them, or on failure none): the monitor to
    /// `--save-monitor` (when `fitted` is given), the chunks' CSV, the report; returns stdout.
    private func finish(_ summary: MonitorSummary, saving fitted: Monitor?) throws -> String {
      var files: [(path: String, data: Data)] = []
      if let saveMonitor, let fitted { files.append((saveMonitor, try fitted.encoded())) }
      if let out { files.append((out, Data(summary.csv.utf8))) }
      if let report {
        let stem = ((report as NSString).lastPathComponent as NSString).deletingPathExtension
        let rendered = summary.report(command: reproducingCommand(seed: seedOptions.seed)).render(
          chartPrefix: stem + "-")
        try writeReport(rendered.markdown, charts: rendered.charts, to: report, alongWith: files)
      } else if !files.isEmpty {
        try AtomicFile.write(files)
      }
      return try output.render(summary) { summary.humanSummary }
    }

    /// The monitor saved at `path`, with this run's --level and --alert-below (the verdict's
    /// level and the threshold may change from one run to the next).
    private func savedMonitor(_ path: String) throws -> Monitor {
      let saved = try Monitor.load(from: path)
      return try saved.with(
        level: level ?? saved.configuration.level, alertBelow: alertBelow ?? saved.configuration.alertBelow)
    }

    /// `--monitor M --analysis-profiles P…`: one chunk per profile, analysed in order.
    private func executeOnProfiles() throws -> String {
      let path = monitor ?? ""
      let fitted = try savedMonitor(path)
      var results: [MonitorChunkResult] = []
      for (index, file) in analysisProfiles.enumerated() {
        output.progress("analysing \(file) (\(index + 1) of \(analysisProfiles.count))…")
        let profile = try ShiftProfile.load(from: file)
        results.append(try naming(path, file) { try fitted.analyze(profile: profile, index: index, start: file) })
      }
      output.endProgress()
      let summary = MonitorSummary(
        reference: fitted.reference.source, monitorFile: monitor,
        analysis: analysisProfiles.joined(separator: ", "), chunking: "one chunk per profile", monitor: fitted,
        chunks: results)
      return try finish(summary, saving: nil)
    }

    /// How the options cut the analysis rows.
    private var chunking: Chunking {
      chunkBy.map { .period(column: $0.column, $0.period) } ?? chunkSize.map { .rows($0) } ?? .count(chunks ?? 1)
    }

    /// The chunks of the analysis `table`'s `rows` rows (by its time column, when chunking by time).
    private func chunks(of table: MixedTable, rows: Int) throws -> [Chunk] {
      let timestamps = try chunkBy.map { try Chunking.timestamps(of: table, column: $0.column) }
      return try naming(analysisFile) { try chunking.chunks(rowCount: rows, timestamps: timestamps) }
    }

    /// What a monitor is fitted on, read from the reference file, and the analysis rows read
    /// alike.
    private struct Reading {
      /// The labelled reference rows with the model's outputs.
      var reference: MonitorBatch
      /// The analysis rows with the model's outputs.
      var stream: MonitorBatch
      /// The analysis file as read (its kept text columns: the time and id columns).
      var table: MixedTable
      /// How both files' columns became features.
      var encoding: TableEncoding
      /// The model's classes, in class order.
      var classNames: [String]
      /// The probability and prediction columns, when the outputs came from columns.
      var outputColumns: (probabilityColumns: [String], predictionColumn: String?)? = nil
      /// The model file, when the outputs came from a model.
      var modelFile: String? = nil
      /// What the monitor is fitted on, for the progress line.
      var fittedOn: String
    }

    /// Reads the reference file and the analysis file with the model's outputs, from their
    /// columns, from --model, or from the MLP --train trains.
    private func read(reference: String, keeping kept: [String]) throws -> Reading {
      if let model { return try read(reference: reference, model: model, keeping: kept) }
      if train { return try readTraining(reference: reference, keeping: kept) }
      let pair = try TablePair(
        source: reference, target: analysisFile, label: label, labelRequired: true, columns: columns,
        probabilities: probabilities, keepingText: kept)
      for warning in pair.warnings { output.warn(warning) }
      guard let spec = probabilities.columns else { throw CLIFailure(message: "no probability columns given") }
      let outputs = try ModelOutputs(spec, source: pair.source, target: pair.target)
      return Reading(
        reference: MonitorBatch(
          features: pair.sourceFeatures, cells: pair.sourceCells, probabilities: outputs.source,
          predictedClasses: outputs.sourcePredicted, labels: outputs.sourceLabels),
        stream: MonitorBatch(
          features: pair.targetFeatures, cells: pair.targetCells, probabilities: outputs.target,
          predictedClasses: outputs.targetPredicted, labels: try analysisLabels(pair.target, classes: outputs.classes)),
        table: pair.target, encoding: pair.encoding, classNames: outputs.classes.names,
        outputColumns: (outputs.columnsInClassOrder, outputs.predictionColumn), fittedOn: reference)
    }

    /// Reads both files as the model in `model` was trained, its outputs computed.
    private func read(reference: String, model: String, keeping kept: [String]) throws -> Reading {
      let classifier = try tableModel(model)
      guard let encoding = classifier.tableEncoding else { throw CLIFailure(message: "\(model): no table encoding") }
      let pair = try TablePair(
        source: reference, target: analysisFile, label: label ?? "", encoding: encoding, keepingText: kept)
      for warning in pair.warnings { output.warn(warning) }
      let data = try pair.sourceData(classes: classifier.classes)
      return Reading(
        reference: MonitorBatch(
          features: pair.sourceFeatures, cells: pair.sourceCells,
          probabilities: try naming(reference) { try classifier.probabilities(for: pair.sourceFeatures) },
          labels: data.labels),
        stream: try stream(of: pair, classifier: classifier), table: pair.target, encoding: pair.encoding,
        classNames: classifier.classes.names, modelFile: model, fittedOn: reference)
    }

    /// Trains an MLP on a stratified half of the reference; the other half is what the monitor
    /// is fitted on.
    private func readTraining(reference: String, keeping kept: [String]) throws -> Reading {
      let pair = try TablePair(
        source: reference, target: analysisFile, label: label, labelRequired: true, columns: columns, keepingText: kept)
      for warning in pair.warnings { output.warn(warning) }
      let data = try pair.sourceData()
      var generator = seedOptions.generator
      let (trainRows, shuffled) = try naming(reference) { try data.splitRows(fraction: 0.5, using: &generator) }
      // In file order: the bands are made of consecutive reference rows.
      let holdoutRows = shuffled.sorted()
      output.progress("training an MLP on \(trainRows.count) reference rows…")
      var classifier = try naming(reference) {
        try ClassifierTraining(epochs: epochs).train(on: data.subset(trainRows), using: &generator)
      }
      classifier.tableEncoding = pair.encoding
      if let modelOut {
        try ModelFile.save(classifier, to: modelOut, metadata: ["command": ShiftCLI.commandLine.joined(separator: " ")])
      }
      let holdoutFeatures = pair.sourceFeatures.rows(at: holdoutRows)
      return Reading(
        reference: MonitorBatch(
          features: holdoutFeatures, cells: pair.sourceCells.rows(at: holdoutRows),
          probabilities: try classifier.probabilities(for: holdoutFeatures),
          labels: holdoutRows.map { data.labels[$0] }),
        stream: try stream(of: pair, classifier: classifier), table: pair.target, encoding: pair.encoding,
        classNames: classifier.classes.names, modelFile: modelOut ?? "(trained, not saved)",
        fittedOn: "\(holdoutRows.count) held-out reference rows")
    }

    /// The analysis rows of `pair` with `classifier`'s outputs on them.
    private func stream(of pair: TablePair, classifier: Classifier) throws -> MonitorBatch {
      MonitorBatch(
        features: pair.targetFeatures, cells: pair.targetCells,
        probabilities: try naming(analysisFile) { try classifier.probabilities(for: pair.targetFeatures) },
        labels: try analysisLabels(pair.target, classes: classifier.classes))
    }

    /// The classifier in `file`, which must have been trained on a table (its encoding reads them).
    private func tableModel(_ file: String) throws -> Classifier {
      let (classifier, _) = try ModelFile.load(from: file)
      guard classifier.tableEncoding != nil else {
        throw CLIFailure(
          message:
            "\(file): the model was not trained on a table (no column encoding); monitor a CSV with the model's probability columns instead"
        )
      }
      return classifier
    }

    /// Loads a saved monitor and reads the analysis file with its schema and model columns.
    private func load(monitor path: String, keeping kept: [String]) throws -> (Monitor, MonitorBatch, MixedTable) {
      let monitor = try savedMonitor(path)
      guard let encoding = monitor.reference.tableEncoding, let outputs = monitor.reference.modelOutputs else {
        throw CLIFailure(message: "\(path): the monitor was not fitted on a table with a model's columns")
      }
      var schema = encoding.schema
      if let label { schema = try schema.relabelled(label, file: analysisFile) }
      let table = try MixedTable(contentsOf: analysisFile, schema: schema, keepingText: kept)
      let cells = try encoding.cells(of: table)
      for entry in cells.unseen { output.warn(entry.warning(file: analysisFile)) }
      let features = encoding.encoder.expand(cells.cells)
      let classes = ClassIndex(orderedNames: outputs.classNames)
      let labels = try analysisLabels(table, classes: classes)
      switch (monitor.modelFile, model) {
      case (nil, nil):
        let sample = try outputs.predictionSample(target: table)
        let stream = MonitorBatch(
          features: features, cells: cells, probabilities: sample.targetProbabilities ?? Matrix(rows: 0, columns: 0),
          predictedClasses: sample.targetClasses, labels: labels)
        return (monitor, stream, table)
      case (.some, .some(let model)):
        let classifier = try tableModel(model)
        guard classifier.classes.names == outputs.classNames,
          classifier.tableEncoding?.featureNames == encoding.featureNames
        else {
          throw CLIFailure(
            message: "\(model): not the model the monitor \(path) was fitted with (its classes or columns differ)")
        }
        let probabilities = try naming(analysisFile) { try classifier.probabilities(for: features) }
        return (
          monitor, MonitorBatch(features: features, cells: cells, probabilities: probabilities, labels: labels), table
        )
      case (.some(let fitted), nil):
        throw CLIFailure(
          message: "\(path): the monitor was fitted with the model \(fitted): give it again with --model")
      case (nil, .some):
        throw CLIFailure(message: "\(path): the monitor reads the model's probability columns: leave out --model")
      }
    }

    /// The monitor's configuration from the options.
    private var configuration: Monitor.Configuration {
      let defaults = Monitor.Configuration()
      return Monitor.Configuration(
        level: level ?? defaults.level, alertBelow: alertBelow, replicates: bootstrap ?? defaults.replicates,
        sampleSize: referenceRows ?? defaults.sampleSize)
    }

    /// The analysis rows' labels: the file's own label column, or --analysis-labels joined on
    /// --id (−1 where a row has none yet: a chunk's realised figures need all of its rows').
    private func analysisLabels(_ table: MixedTable, classes: ClassIndex) throws -> [Int]? {
      if let own = table.labels {
        return try classes.indices(of: own, file: table.file, lines: table.rowLines)
      }
      guard let analysisLabels, let id, let label else { return nil }
      let keyed = try KeyedLabels(contentsOf: analysisLabels, key: id, label: label)
      let joined = try (table.texts[id] ?? []).map { key -> Int in
        guard let text = keyed.labels[key] else { return -1 }
        guard let index = classes.index(of: text) else {
          throw DatasetError.unknownLabel(
            file: analysisLabels, line: keyed.lines[key] ?? 0, label: text, known: classes.names)
        }
        return index
      }
      let missing = joined.filter { $0 < 0 }.count
      if missing > 0 {
        output.warn(
          "\(analysisLabels): \(missing) of \(joined.count) analysis rows have no label yet: a chunk shows realised figures once all its rows have one"
        )
      }
      return joined
    }

    /// The rows of a typical analysis chunk (what the reference is chunked by): the chunk size,
    /// the rows per chunk of --chunks, or the median of the time chunks that have rows.
    private func typicalChunkRows(of chunks: [Chunk], rowCount: Int) -> Int {
      if let chunkSize { return chunkSize }
      if let count = self.chunks { return max(rowCount / count, 1) }
      let sizes = chunks.map(\.rows.count).filter { $0 > 0 }.sorted()
      return sizes.isEmpty ? rowCount : sizes[sizes.count / 2]
    }
  }
}
