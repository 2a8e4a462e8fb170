/// What each column of a table is: a numeric or categorical feature, the label, or a column left
/// out of the features (an identifier, a timestamp, a column the user excluded).
///
/// A schema is inferred from the source (the reference data) as ``MixedTable/init(contentsOf:options:)``
/// reads it, then stored with models and references, so that every later file is read with the
/// source's schema: its columns matched by name and checked against their kinds.
public struct TableSchema: Sendable, Equatable, Codable, CustomStringConvertible {
  /// Every column of the source, in file order.
  public var columns: [Column]

  /// One column: its name, kind and why it has that kind.
  public struct Column: Sendable, Equatable, Codable {
    /// The header name.
    public var name: String
    /// What the column is.
    public var kind: Kind
    /// Why: "numbers, 2 missing", "text, 3 levels", "--categorical", "every value distinct (an
    /// identifier)", … (shown by `shiftcli schema`).
    public var reason: String

    /// A column of `kind`, for `reason`.
    public init(name: String, kind: Kind, reason: String) {
      self.name = name
      self.kind = kind
      self.reason = reason
    }
  }

  /// The kinds of column.
  public enum Kind: String, Sendable, Equatable, Codable, CaseIterable {
    /// Numbers (a feature); missing cells allowed.
    case numeric
    /// Strings, or numbers the user declared categorical (a feature, one-hot encoded).
    case categorical
    /// `true`/`false` in any case (a categorical feature with the levels `false` and `true`).
    case boolean
    /// The class label.
    case label
    /// A model's output: a class probability (numbers in [0, 1]) given with the data.
    case prediction
    /// A model's output: its predicted class (a class name) given with the data.
    case predictedClass = "predicted class"
    /// Not a feature: an identifier, a timestamp, or a column the user left out.
    case ignored
  }

  /// A schema of the given columns.
  public init(columns: [Column]) { self.columns = columns }

  /// The feature columns (numeric, categorical, boolean), in file order.
  public var featureColumns: [Column] { columns.filter { $0.kind.isFeature } }

  /// The label column's name, if the schema has one.
  public var labelColumn: String? { columns.first { $0.kind == .label }?.name }

  /// The column called `name`.
  public func column(named name: String) -> Column? { columns.first { $0.name == name } }

  /// The schema with `label` as the label column (a later file may name its labels otherwise):
  /// the old label column is left out, and `label` must not be a feature column.
  public func relabelled(_ label: String, file: String) throws -> TableSchema {
    if labelColumn == label { return self }
    var columns = self.columns.map { column in
      column.kind == .label ? Column(name: column.name, kind: .ignored, reason: "the source's label") : column
    }
    if let index = columns.firstIndex(where: { $0.name == label }) {
      guard !columns[index].kind.isFeature else {
        throw DatasetError.invalidArgument("\(file): '\(label)' is a feature of the model, not a label column")
      }
      columns[index] = Column(name: label, kind: .label, reason: "the label")
    } else {
      columns.append(Column(name: label, kind: .label, reason: "the label"))
    }
    return TableSchema(columns: columns)
  }

  /// One line per column: name, kind and reason, aligned.
  public var description: String {
    let width = columns.map(\.name.count).max() ?? 0
    let kindWidth = Kind.allCases.map(\.rawValue.count).max() ?? 0
    return columns.map { column in
      column.name + String(repeating: " ", count: width - column.name.count + 2) + column.kind.rawValue
        + String(repeating: " ", count: kindWidth - column.kind.rawValue.count + 2) + column.reason
    }.joined(separator: "\n")
  }
}

extension TableSchema.Kind {
  /// Whether columns of this kind are model features.
  public var isFeature: Bool { self == .numeric || self == .categorical || self == .boolean }
}

/// The user's say over a schema: which column is the label, which columns are features, which
/// are left out and which numbers are categories. Anything not said is inferred from the data.
public struct SchemaOptions: Sendable, Equatable {
  /// The label column, if the table has one.
  public var label: String?
  /// Only these columns are features (all others but the label are left out); `nil`: every
  /// column not left out otherwise.
  public var features: [String]?
  /// Columns left out of the features.
  public var ignore: [String]
  /// Columns read as categories even when their cells are numbers.
  public var categorical: [String]
  /// Whether a table without the `label` column is an error (else it is read without labels).
  public var labelRequired: Bool
  /// Columns holding a model's class probabilities (read as numbers, not features).
  public var predictions: [String] = []
  /// Columns whose names start with this are prediction columns too.
  public var predictionPrefix: String? = nil
  /// The column holding a model's predicted class (read as class names, not a feature).
  public var predictedClass: String? = nil
  /// Whether rows with a missing label are left out (and counted) instead of an error.
  public var dropUnlabelled = false

  /// Options; with the defaults every column but the label is inferred.
  public init(
    label: String? = nil, features: [String]? = nil, ignore: [String] = [], categorical: [String] = [],
    labelRequired: Bool = true
  ) {
    self.label = label
    self.labelRequired = labelRequired
    self.features = features
    self.ignore = ignore
    self.categorical = categorical
  }
}
