import ArgumentParser
import Foundation
import ShiftKit

extension ShiftCLI {
  /// `shiftcli evaluate`: score a saved model on labelled data.
  struct Evaluate: ShiftCommand {
    static let configuration = CommandConfiguration(
      abstract: "Score a saved model: accuracy, macro-F1, log-loss and the confusion matrix.",
      discussion: """
        With --data fashion-mnist the official test split is used; a CSV file is scored in full \
        (its labels must be classes the model knows, its feature columns those it was trained on).
        """)

    @Option(help: ArgumentHelp("A model file written by `shiftcli train --model-out`.", valueName: "file"))
    var model: String

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var threadOptions: ThreadOptions
    @OptionGroup var limits: LimitOptions
    @OptionGroup var output: OutputOptions

    func execute() throws -> String {
      threadOptions.apply()
      let (classifier, _) = try ModelFile.load(from: model)
      if dataOptions.isFashionMNIST && classifier.classes.names != FashionMNIST.classNames {
        let shown = classifier.classes.names.prefix(10).joined(separator: ", ")
        throw CLIFailure(
          message: """
            \(model): the model's classes (\(shown)\(classifier.classes.count > 10 ? ", …" : "")) are not \
            Fashion-MNIST's; score it on a CSV file of its classes with --data FILE.csv --label COLUMN
            """)
      }
      var unseen: [EncodedFeatures.Unseen] = []
      let data: Dataset
      if let encoding = classifier.tableEncoding, !dataOptions.isFashionMNIST {
        (data, unseen) = try readLabelled(
          dataOptions.data, label: dataOptions.labelColumn, encoding: encoding, classes: classifier.classes)
        for entry in unseen { output.warn(entry.warning(file: dataOptions.data)) }
      } else {
        data = try dataOptions.load(fashionMNIST: .test, classes: classifier.classes, force: limits.force)
        if !dataOptions.isFashionMNIST {
          guard data.featureNames == classifier.featureNames else {
            throw CLIFailure(
              message: """
                \(dataOptions.data): feature columns differ from the model's \
                (model: \(classifier.featureNames.joined(separator: ",")); \
                file: \(data.featureNames.joined(separator: ",")))
                """)
          }
        }
      }
      guard data.featureCount == classifier.featureNames.count else {
        throw CLIFailure(
          message:
            "\(dataOptions.data): \(data.featureCount) features, the model expects \(classifier.featureNames.count)")
      }
      let probabilities = try naming(model, dataOptions.data) { try classifier.probabilities(for: data.features) }
      let metrics = ClassificationMetrics(probabilities: probabilities, labels: data.labels)
      let report = EvaluateReport(
        model: model, data: dataOptions.data, examples: data.count, classes: classifier.classes.names,
        accuracy: metrics.accuracy, macroF1: metrics.macroF1, logLoss: metrics.logLoss,
        expectedCalibrationError: metrics.expectedCalibrationError,
        confusionMatrix: metrics.confusion.counts.map { $0.map { Int($0) } },
        unseenLevels: unseen.isEmpty ? nil : unseen)
      return try output.render(report) { report.humanSummary }
    }
  }
}

/// What `shiftcli evaluate` reports (the JSON of `--json`).
struct EvaluateReport: Encodable {
  var model: String
  var data: String
  var examples: Int
  var classes: [String]
  var accuracy: Double
  var macroF1: Double
  var logLoss: Double
  /// Expected calibration error of the top-class probability (15 bins).
  var expectedCalibrationError: Double
  /// `confusionMatrix[true][predicted]`.
  var confusionMatrix: [[Int]]
  /// Per column, cells of levels the training data never had (absent when there are none).
  var unseenLevels: [EncodedFeatures.Unseen]?

  var humanSummary: String {
    var lines = [
      "model     \(model)",
      "data      \(data) (\(examples) examples, \(classes.count) classes)",
      String(format: "accuracy  %.4f", accuracy),
      String(format: "macro-F1  %.4f", macroF1),
      String(format: "log-loss  %.4f", logLoss),
      String(format: "ECE       %.4f (expected calibration error, 15 bins)", expectedCalibrationError),
      "",
      "confusion matrix (rows: true class, columns: predicted)",
    ]
    let width = max(classes.map(\.count).max() ?? 1, confusionMatrix.joined().map { String($0).count }.max() ?? 1)
    func pad(_ text: String) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
    lines.append(pad("") + "  " + classes.map(pad).joined(separator: " "))
    for (name, row) in zip(classes, confusionMatrix) {
      lines.append(pad(name) + "  " + row.map { pad(String($0)) }.joined(separator: " "))
    }
    return lines.joined(separator: "\n")
  }
}
