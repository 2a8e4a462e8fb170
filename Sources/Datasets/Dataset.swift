import LinearAlgebra

/// A labelled sample: one feature row per example and its class index.
public struct Dataset: Sendable {
  /// `count × featureCount` features, row-major.
  public var features: Matrix
  /// Class index of each row, in `0..<classes.count`.
  public var labels: [Int]
  /// Names of the classes behind the indices.
  public var classes: ClassIndex
  /// Names of the feature columns.
  public var featureNames: [String]

  /// A data set; `labels` must index into `classes` and match the rows of `features`.
  public init(features: Matrix, labels: [Int], classes: ClassIndex, featureNames: [String]? = nil) {
    precondition(features.rows == labels.count, "\(features.rows) feature rows but \(labels.count) labels")
    precondition(labels.allSatisfy { (0..<classes.count).contains($0) }, "label outside the class range")
    self.features = features
    self.labels = labels
    self.classes = classes
    self.featureNames = featureNames ?? (0..<features.columns).map { "x\($0 + 1)" }
  }

  /// Number of examples.
  public var count: Int { labels.count }
  /// Number of features per example.
  public var featureCount: Int { features.columns }

  /// Number of examples of each class.
  public var classCounts: [Int] { Datasets.classCounts(labels, classCount: classes.count) }

  /// Share of examples in each class (the empirical prior).
  public var classPriors: [Double] { classShares(labels, classCount: classes.count) }

  /// The examples at `indices`, in that order.
  public func subset(_ indices: some Collection<Int>) -> Dataset {
    Dataset(
      features: features.rows(at: indices), labels: indices.map { labels[$0] }, classes: classes,
      featureNames: featureNames)
  }
}
