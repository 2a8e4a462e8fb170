import Datasets
import LinearAlgebra

/// Rows as a ``Monitor`` reads them: their encoded features and column cells, the model's
/// outputs on them, and their labels when known.
public struct MonitorBatch: Sendable {
  /// The encoded features, one row per row (what the domain classifier reads).
  public var features: Matrix
  /// The same rows' column cells (what the column tests compare).
  public var cells: ColumnCells
  /// The model's class probabilities, one column per class.
  public var probabilities: Matrix
  /// The model's predicted class of each row (its own, or the most probable class).
  public var predictedClasses: [Int]
  /// The class index of each row's label, when known (required for the reference); −1 marks
  /// a row whose label has not arrived yet (a batch shows realised figures once every row's has).
  public var labels: [Int]?

  /// A batch; every part must have one entry per row, and the probabilities and the classes
  /// one entry per class (checked where the batch is used).
  public init(
    features: Matrix, cells: ColumnCells, probabilities: Matrix, predictedClasses: [Int]? = nil, labels: [Int]? = nil
  ) {
    self.features = features
    self.cells = cells
    self.probabilities = probabilities
    self.predictedClasses = predictedClasses ?? probabilities.argmaxPerRow()
    self.labels = labels
  }

  /// Number of rows.
  public var rowCount: Int { features.rows }

  /// The rows at `indices`, in that order.
  public func rows(at indices: [Int]) -> MonitorBatch {
    MonitorBatch(
      features: features.rows(at: indices), cells: cells.rows(at: indices),
      probabilities: probabilities.rows(at: indices), predictedClasses: indices.map { predictedClasses[$0] },
      labels: labels.map { labels in indices.map { labels[$0] } })
  }

  /// Throws unless every part has one entry per row and the outputs fit `classCount` classes.
  func validate(classCount: Int, featureCount: Int, what: String) throws {
    let n = features.rows
    guard features.columns == featureCount, cells.rowCount == n, probabilities.rows == n,
      predictedClasses.count == n, labels.map({ $0.count == n }) ?? true
    else {
      throw WorkflowError.invalidInput(
        "\(what): its features (\(features.rows) × \(features.columns), \(featureCount) columns expected), cells (\(cells.rowCount) rows), probabilities (\(probabilities.rows) rows) and predicted classes (\(predictedClasses.count)) do not have one entry per row"
      )
    }
    guard probabilities.columns == classCount,
      predictedClasses.allSatisfy({ (0..<classCount).contains($0) }),
      labels.map({ $0.allSatisfy { (-1..<classCount).contains($0) } }) ?? true
    else {
      throw WorkflowError.invalidInput(
        "\(what): the model's outputs or the labels do not fit the \(classCount) classes")
    }
  }
}
