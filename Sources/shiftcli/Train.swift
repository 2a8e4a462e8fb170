import ArgumentParser
import Foundation
import ShiftKit

extension ShiftCLI {
  /// `shiftcli train`: train an MLP classifier and report its test accuracy.
  struct Train: ShiftCommand {
    static let configuration = CommandConfiguration(
      abstract: "Train an MLP classifier and report its test accuracy.",
      discussion: """
        Fashion-MNIST uses its official 60 000/10 000 split and d2l's input scaling (pixels / 255). \
        A CSV file is split into train and test parts (seeded, stratified, --test-fraction). Its \
        columns are read as `shiftcli schema` shows (numeric, categorical, boolean, left out; \
        --features, --ignore and --categorical override); missing cells take the training \
        part's medians, categories are one-hot encoded with the training part's levels, and \
        features are standardised with statistics of the training part only. The model file \
        keeps the schema and the encoding, so `evaluate` and `estimate --model` read later \
        files the same way.

        The d2l reference run (about 84-85 % test accuracy):
          shiftcli train --data fashion-mnist --hidden 256 --activation relu --init normal:0.01 \\
            --optimizer sgd --lr 0.1 --batch-size 256 --epochs 10 --seed 1
        """)

    enum OptimizerName: String, ExpressibleByArgument, CaseIterable {
      case sgd, adam
    }

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var columns: ColumnOptions

    @Option(parsing: .unconditional, help: "Share of a CSV file held out for testing, in (0, 1).")
    var testFraction: Double = 0.2

    @Option(
      parsing: .unconditional,
      help: ArgumentHelp(
        "Hidden layer sizes, comma-separated (e.g. 256 or 1024,1024; at most \(ResourceLimits.hiddenLayers) layers of \(ResourceLimits.hiddenUnits) units without --force).",
        valueName: "sizes"))
    var hidden = HiddenLayerSizes([256])

    @Option(help: "Hidden activation: \(Activation.allCases.map(\.rawValue).joined(separator: ", ")).")
    var activation: Activation = .relu

    @Option(
      help: ArgumentHelp(
        "Weight initialisation: xavier, xavier-normal, he, normal (σ = 0.01) or normal:σ.", valueName: "init"))
    var `init` = Initialization.xavierUniform

    @Option(help: "Optimiser.")
    var optimizer: OptimizerName = .sgd

    @Option(parsing: .unconditional, help: "Learning rate, positive (default 0.1 for sgd, 0.001 for adam).")
    var lr: Float?

    @Option(parsing: .unconditional, help: "SGD momentum in [0, 1).")
    var momentum: Float = 0

    @Option(parsing: .unconditional, help: "Examples per minibatch (at least 1).")
    var batchSize: Int = 256

    @Option(
      parsing: .unconditional, help: "Passes over the training data, 1…\(ResourceLimits.epochs) (more with --force).")
    var epochs: Int = 10

    @Option(parsing: .unconditional, help: "L2 weight decay λ ≥ 0 (weights only): w ← (1 − ηλ)w − η∇.")
    var weightDecay: Float = 0

    @Option(parsing: .unconditional, help: "Dropout rate after each hidden layer, in [0, 1).")
    var dropout: Float = 0

    @Option(
      parsing: .unconditional,
      help: ArgumentHelp(
        "Stop after this many epochs without validation-loss improvement (holds out --validation-fraction of the training data).",
        valueName: "patience"))
    var earlyStopping: Int?

    @Option(parsing: .unconditional, help: "Share of the training data held out for early stopping, in (0, 1).")
    var validationFraction: Double = 0.1

    @OptionGroup var seedOptions: SeedOptions

    @OptionGroup var threadOptions: ThreadOptions

    @Option(help: ArgumentHelp("Save the trained model here (written atomically).", valueName: "file"))
    var modelOut: String?

    @OptionGroup var limits: LimitOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
      guard testFraction > 0, testFraction < 1 else {
        throw ValidationError("--test-fraction must be in (0, 1), got \(testFraction)")
      }
      guard validationFraction > 0, validationFraction < 1 else {
        throw ValidationError("--validation-fraction must be in (0, 1), got \(validationFraction)")
      }
      guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1") }
      try limits.check(epochs, atMost: ResourceLimits.epochs, option: "--epochs")
      try hidden.check(limits: limits)
      guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
      if let lr, !(lr > 0 && lr.isFinite) { throw ValidationError("--lr must be positive, got \(lr)") }
      guard momentum >= 0, momentum < 1 else { throw ValidationError("--momentum must be in [0, 1), got \(momentum)") }
      guard weightDecay >= 0, weightDecay.isFinite else {
        throw ValidationError("--weight-decay must be ≥ 0, got \(weightDecay)")
      }
      guard dropout >= 0, dropout < 1 else { throw ValidationError("--dropout must be in [0, 1), got \(dropout)") }
      if let earlyStopping, earlyStopping < 1 {
        throw ValidationError("--early-stopping takes a patience of at least 1 epoch")
      }
      if let modelOut {
        try checkWritableDirectory(of: modelOut, option: "--model-out")
        try checkOutputs([("--model-out", modelOut)], spare: [("--data", dataOptions.data)])
      }
    }

    func execute() throws -> String {
      threadOptions.apply()
      var generator = seedOptions.generator
      output.progress("loading \(dataOptions.data)…")
      let loadStart = DispatchTime.now().uptimeNanoseconds
      var (train, test, standardizer, encoding) = try naming(dataOptions.data) {
        try loadTrainTest(using: &generator)
      }
      let loadSeconds = Double(DispatchTime.now().uptimeNanoseconds - loadStart) / 1e9
      var validation: Dataset? = nil
      if earlyStopping != nil {
        (train, validation) = try naming(dataOptions.data) {
          try train.split(fraction: validationFraction, using: &generator)
        }
      }
      try hidden.checkLayers(inputs: train.featureCount, outputs: train.classes.count)
      let sizes = [train.featureCount] + hidden.sizes + [train.classes.count]
      try ResourceLimits.checkMemory(
        ResourceLimits.trainingBytes(sizes: sizes, rows: train.count + test.count, batch: batchSize),
        for: "training a \(sizes.map(String.init).joined(separator: "-")) network", force: limits.force, output: output)
      var network = try MLP(
        sizes: sizes, activation: activation, dropout: dropout,
        initialization: self.`init`, using: &generator)
      let history = try naming(dataOptions.data) {
        try network.train(
          on: train, validation: validation, configuration: configuration, using: &generator
        ) { output.progress(progressLine($0)) }
      }
      output.endProgress()
      let testEvaluation = try network.evaluateLoss(
        features: test.features, targets: .classes(test.labels), loss: .softmaxCrossEntropy)
      guard testEvaluation.loss.isFinite else {
        throw CLIFailure(
          message:
            "\(dataOptions.data): the trained model's loss on the test rows is not finite (a feature far outside the training range?)",
          exitStatus: 2)
      }
      let classifier = Classifier(
        network: network, classes: train.classes, featureNames: train.featureNames, standardizer: standardizer,
        tableEncoding: encoding)
      if let modelOut {
        try ModelFile.save(classifier, to: modelOut, metadata: ["command": ShiftCLI.commandLine.joined(separator: " ")])
      }
      let report = TrainReport(
        data: dataOptions.data, sizes: network.sizes, parameters: network.parameterCount,
        trainExamples: train.count, testExamples: test.count, seed: seedOptions.seed,
        optimizer: configuration.optimizer.description, initialization: self.`init`.description,
        testAccuracy: testEvaluation.accuracy ?? 0, testLoss: testEvaluation.loss,
        secondsPerEpoch: history.medianSecondsPerEpoch,
        fastestEpochSeconds: history.epochs.map(\.seconds).min() ?? 0, loadSeconds: loadSeconds,
        bestEpoch: history.bestEpoch, stoppedEarly: history.stoppedEarly,
        epochs: history.epochs.map(TrainReport.Epoch.init),
        blasKernel: BLASKernel.current.coreName, threads: BLASKernel.threadCount, modelFile: modelOut,
        schema: encoding.map { SchemaSummary(schema: $0.schema, features: $0.featureNames) })
      return try output.render(report) { report.humanSummary }
    }

    /// The optimiser and schedule the options describe (the learning rate defaults to 0.1 for SGD,
    /// 0.001 for Adam).
    var configuration: TrainingConfiguration {
      let rate = lr ?? (optimizer == .sgd ? 0.1 : 0.001)
      return TrainingConfiguration(
        epochs: epochs, batchSize: batchSize,
        optimizer: optimizer == .sgd ? .sgd(learningRate: rate, momentum: momentum) : .adam(learningRate: rate),
        weightDecay: weightDecay, earlyStopping: earlyStopping.map { EarlyStopping(patience: $0) })
    }

    /// One epoch's progress line.
    private func progressLine(_ record: EpochRecord) -> String {
      var line = String(
        format: "epoch %d/%d  loss %.4f  train acc %.4f  %.2f s", record.epoch, epochs, record.loss,
        record.trainAccuracy ?? 0, record.seconds)
      if let accuracy = record.validationAccuracy { line += String(format: "  val acc %.4f", accuracy) }
      return line
    }

    /// Training and test data, with the preprocessing fitted on (or fixed for) the training part,
    /// already applied to both, and for a CSV file its table encoding.
    private func loadTrainTest(using generator: inout SplitMix64) throws -> (
      Dataset, Dataset, Standardizer, TableEncoding?
    ) {
      var train: Dataset
      var test: Dataset
      var encoding: TableEncoding? = nil
      let standardizer: Standardizer
      if dataOptions.isFashionMNIST {
        train = try dataOptions.load(fashionMNIST: .train, force: limits.force)
        test = try dataOptions.load(fashionMNIST: .test, force: limits.force)
        standardizer = FashionMNIST.pixelScaling
      } else {
        let table = try MixedTable(
          contentsOf: dataOptions.data, options: columns.schemaOptions(label: dataOptions.label))
        if let warning = table.droppedRowsWarning { output.warn(warning) }
        let classes = try table.classIndex()
        let labels = try classes.indices(of: table.labels ?? [], file: table.file, lines: table.rowLines)
        let (trainRows, testRows) = try splitRows(
          labels: labels, classCount: classes.count, fraction: testFraction, using: &generator)
        let trainTable = table.rows(at: trainRows)
        let fitted = TableEncoding(fittedTo: trainTable)
        train = try fitted.dataset(trainTable, classes: classes).data
        test = try fitted.dataset(table.rows(at: testRows), classes: classes).data
        standardizer = Standardizer(fittedTo: train.features)
        encoding = fitted
      }
      standardizer.standardize(&train.features)
      standardizer.standardize(&test.features)
      return (train, test, standardizer, encoding)
    }
  }
}

/// What `shiftcli train` reports (the JSON of `--json`).
struct TrainReport: Encodable {
  struct Epoch: Encodable {
    var epoch: Int
    var loss: Double
    var trainAccuracy: Double
    var seconds: Double
    var validationAccuracy: Double?

    init(_ record: EpochRecord) {
      epoch = record.epoch
      loss = record.loss
      trainAccuracy = record.trainAccuracy ?? 0
      seconds = record.seconds
      validationAccuracy = record.validationAccuracy
    }
  }

  var data: String
  var sizes: [Int]
  var parameters: Int
  var trainExamples: Int
  var testExamples: Int
  var seed: UInt64
  var optimizer: String
  var initialization: String
  var testAccuracy: Double
  var testLoss: Double
  /// Median over epochs.
  var secondsPerEpoch: Double
  var fastestEpochSeconds: Double
  var loadSeconds: Double
  var bestEpoch: Int
  var stoppedEarly: Bool
  var epochs: [Epoch]
  var blasKernel: String
  var threads: Int
  var modelFile: String?
  /// How a CSV file's columns were read (nil for Fashion-MNIST).
  var schema: SchemaSummary?

  var humanSummary: String {
    var lines = [
      "data          \(data): \(trainExamples) train, \(testExamples) test",
      "network       \(sizes.map(String.init).joined(separator: "-")) (\(parameters) parameters), \(initialization) init, \(optimizer)",
      String(format: "test accuracy %.4f (loss %.4f)", testAccuracy, testLoss),
      String(format: "time          %.3f s/epoch median, %.3f s fastest", secondsPerEpoch, fastestEpochSeconds)
        + " (BLAS \(blasKernel), \(threads) thread\(threads == 1 ? "" : "s"))",
    ]
    if let schema, let line = schema.line { lines.insert("columns       " + line, at: 1) }
    if stoppedEarly { lines.append("early stop    kept epoch \(bestEpoch) of \(epochs.count)") }
    if let modelFile { lines.append("model         \(modelFile)") }
    return lines.joined(separator: "\n")
  }
}
