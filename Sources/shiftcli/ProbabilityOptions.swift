import ArgumentParser
import ShiftKit

/// Where both files hold the user's own model's outputs: its class probabilities as columns
/// (``ProbabilityColumns``). Given, no MLP is trained: the labelled source is the model's
/// holdout (rows it was not trained on).
struct ProbabilityOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Your own model's class probabilities, one column per class in class order, in both files (no MLP is trained; the source is its holdout).",
      valueName: "a,b,…"))
  var probabilities: ColumnList?

  @Option(
    help: ArgumentHelp(
      "Your own model's probability columns are those whose names start with PREFIX, the rest of each name its class (e.g. y_pred_proba_).",
      valueName: "PREFIX"))
  var probabilityPrefix: String?

  @Option(
    help: ArgumentHelp(
      "Your own binary model's probability of the positive class, the second class in class order (1 for 0/1 labels, true for booleans).",
      valueName: "column"))
  var probability: String?

  @Option(
    help: ArgumentHelp(
      "Your own model's predicted class, in both files (optional: else the most probable class).",
      valueName: "column"))
  var prediction: String?

  /// The columns, if given.
  var columns: ProbabilityColumns? {
    if let probabilities { return .columns(probabilities.names) }
    if let probabilityPrefix { return .prefix(probabilityPrefix) }
    return probability.map { .positive($0) }
  }

  func validate() throws {
    let given = [probabilities != nil, probabilityPrefix != nil, probability != nil].filter { $0 }.count
    if given > 1 { throw ValidationError("give one of --probabilities, --probability-prefix and --probability") }
    if probabilityPrefix?.isEmpty == true { throw ValidationError("--probability-prefix must not be empty") }
    if prediction != nil && given == 0 {
      throw ValidationError("--prediction goes with the model's probability columns (--probabilities, …)")
    }
  }
}

/// A model's class probabilities on a labelled source and on a target, read from their columns.
struct ModelOutputs {
  /// The classes, matched with the source's labels.
  var classes: ClassIndex
  /// The source rows' labels (class indices).
  var sourceLabels: [Int]
  /// The source's probabilities, one column per class.
  var source: Matrix
  /// The target's probabilities.
  var target: Matrix
  /// The names of the probability columns, in the file's order.
  var columnNames: [String]
  /// The probability columns in class order (one for a binary model's positive class).
  var columnsInClassOrder: [String]
  /// The predicted class of each source row: the model's own (`--prediction`), else the most
  /// probable.
  var sourcePredicted: [Int]
  /// The same for the target rows.
  var targetPredicted: [Int]
  /// The predicted-class column's name, when the model's predictions were given.
  var predictionColumn: String?

  /// Reads the probability `columns` of `source` (labelled) and `target` (both read with the
  /// source's schema).
  init(_ columns: ProbabilityColumns, source: MixedTable, target: MixedTable) throws {
    let labelClasses = try source.classIndex()
    classes = try columns.classes(
      labelClasses: labelClasses, columns: source.predictions.map(\.name), file: source.file)
    sourceLabels = try classes.indices(of: source.labels ?? [], file: source.file, lines: source.rowLines)
    self.source = try columns.matrix(of: source, classes: classes)
    self.target = try columns.matrix(of: target, classes: classes)
    columnNames = source.predictions.map(\.name)
    columnsInClassOrder = try columns.columnsInClassOrder(of: source, classes: classes)
    if let given = source.predictedClasses, let targetGiven = target.predictedClasses {
      predictionColumn = source.schema.columns.first { $0.kind == .predictedClass }?.name
      sourcePredicted = try Self.classIndices(given, of: source, classes: classes)
      targetPredicted = try Self.classIndices(targetGiven, of: target, classes: classes)
    } else {
      sourcePredicted = predictedClasses(self.source)
      targetPredicted = predictedClasses(self.target)
    }
  }

  /// The class index of each predicted class of `table`; a class the labels do not have is an
  /// error naming file, line and column.
  static func classIndices(_ predicted: [String], of table: MixedTable, classes: ClassIndex) throws -> [Int] {
    let name = table.schema.columns.first { $0.kind == .predictedClass }?.name ?? "prediction"
    return try predicted.enumerated().map { row, value in
      guard let index = classes.index(of: value) else {
        throw DatasetError.invalidProbabilities(
          file: table.file, line: table.rowLines[row], column: table.position(of: name),
          reason:
            "column '\(name)': '\(value)' is not a class of the labels (\(classes.names.joined(separator: ", ")))")
      }
      return index
    }
  }

  /// The source side as a reference keeps it.
  var referenceOutputs: ReferenceOutputs {
    (classes.names, columnsInClassOrder, predictionColumn, source, sourcePredicted)
  }

  /// What a ``SourceReference`` keeps of a model's outputs on the source.
  typealias ReferenceOutputs = (
    classNames: [String], probabilityColumns: [String], predictionColumn: String?, probabilities: Matrix,
    predictedClasses: [Int]
  )

  /// The source side alone, for a target that is streamed: the probability `columns` of the
  /// labelled `source`, its predicted classes the most probable (no predicted-class column).
  static func referenceOutputs(_ columns: ProbabilityColumns, source: MixedTable) throws -> ReferenceOutputs {
    let classes = try columns.classes(
      labelClasses: try source.classIndex(), columns: source.predictions.map(\.name), file: source.file)
    let probabilities = try columns.matrix(of: source, classes: classes)
    return (
      classes.names, try columns.columnsInClassOrder(of: source, classes: classes), nil, probabilities,
      predictedClasses(probabilities)
    )
  }

  /// The outputs as the shift detector's prediction sample.
  var predictionSample: PredictionSample {
    PredictionSample(
      classNames: classes.names, holdoutProbabilities: source, targetProbabilities: target,
      holdoutClasses: sourcePredicted, targetClasses: targetPredicted)
  }
}

extension SchemaOptions {
  /// The options with `columns`' probability columns as prediction columns.
  func withPredictions(_ columns: ProbabilityColumns?) -> SchemaOptions {
    var options = self
    switch columns {
    case .columns(let names): options.predictions = names
    case .positive(let name): options.predictions = [name]
    case .prefix(let prefix): options.predictionPrefix = prefix
    case nil: break
    }
    return options
  }

  /// The options with `column` as the model's predicted-class column.
  func withPredictedClass(_ column: String?) -> SchemaOptions {
    var options = self
    options.predictedClass = column
    return options
  }
}

extension SourceReference.ModelOutputSample {
  /// The model's probabilities on the rows of `table` (read with the reference's schema, so
  /// with the same probability columns), one column per class.
  func probabilities(of table: MixedTable) throws -> Matrix {
    let columns: ProbabilityColumns =
      probabilityColumns.count == 1 ? .positive(probabilityColumns[0]) : .columns(probabilityColumns)
    return try columns.matrix(of: table, classes: ClassIndex(orderedNames: classNames))
  }

  /// The sampled rows' class probabilities, one row per sampled row.
  var probabilityMatrix: Matrix {
    Matrix(rows: probabilities.count, columns: classNames.count, storage: probabilities.flatMap { $0 })
  }

  /// The reference's sampled outputs against `target`'s (read with the reference's schema, so
  /// with the same probability and predicted-class columns).
  func predictionSample(target: MixedTable) throws -> PredictionSample {
    let classes = ClassIndex(orderedNames: classNames)
    let targetProbabilities = try probabilities(of: target)
    let targetClasses = try target.predictedClasses.map {
      try ModelOutputs.classIndices($0, of: target, classes: classes)
    }
    return PredictionSample(
      classNames: classNames, holdoutProbabilities: probabilityMatrix,
      targetProbabilities: targetProbabilities, holdoutClasses: predictedClasses,
      targetClasses: predictionColumn == nil ? nil : targetClasses)
  }
}
