import ArgumentParser
import Foundation
import ShiftKit

extension ShiftCLI {
  /// `shiftcli schema`: what each column of a table is, as the other commands read it.
  struct Schema: ShiftCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show how a CSV file is read: each column's kind, missing cells, levels, and the model features.",
      discussion: """
        A column is numeric when every cell is a number or missing, boolean when every cell is \
        true or false (any case), and categorical otherwise. Left out of the features: columns \
        named as identifiers or timestamps (id, identifier, uuid, timestamp, datetime, …_id, \
        …_timestamp), text columns of ISO dates or times, text columns whose every value is \
        distinct, and empty columns. Missing cells are empty, NA, N/A, NaN, null, None or ? \
        (any case). --features, --ignore and --categorical override the inference; the commands \
        that read a source take the same options and print the same schema in their reports.

        Model features: a numeric column is one (missing cells take the source median), plus \
        an indicator `name=(missing)` when the source has missing cells; a categorical column \
        is one-hot: a feature per level seen at least 5 times (at most 32), `name=(other)` for \
        rarer levels and `name=(missing)` for missing cells.

        Example:
          shiftcli schema Datasets/penguins.csv --label species
          shiftcli schema monitoring.csv --label y_true --ignore customer_id,timestamp \\
            --probability-prefix y_pred_proba_ --prediction y_pred
        """)

    @Argument(help: ArgumentHelp("The CSV file (with a header row).", valueName: "file"))
    var file: String

    @Option(help: "The label column, if the file has one.")
    var label: String?

    @OptionGroup var columns: ColumnOptions
    @OptionGroup var probabilities: ProbabilityOptions
    @OptionGroup var output: OutputOptions

    func execute() throws -> String {
      let table = try MixedTable(
        contentsOf: file,
        options: columns.schemaOptions(label: label).withPredictions(probabilities.columns)
          .withPredictedClass(probabilities.prediction))
      let encoder = FeatureEncoder(fittedTo: table)
      let report = SchemaReport(file: file, table: table, encoder: encoder)
      return try output.render(report) { report.humanSummary }
    }
  }
}

/// What `shiftcli schema` reports (the JSON of `--json`).
struct SchemaReport: Encodable {
  var file: String
  var rows: Int
  var columns: [Column]
  /// The model features the feature columns become, in order.
  var features: [String]

  struct Column: Encodable {
    var name: String
    var kind: String
    var reason: String
    /// Share of missing cells (feature columns).
    var missingRate: Double?
    /// The levels with a feature of their own (categorical and boolean columns).
    var levels: [String]?
    /// Levels pooled into `(other)` (nil when too many to list).
    var pooledLevels: [String]?
    /// The median that missing cells take (numeric columns).
    var median: Double?
  }

  init(file: String, table: MixedTable, encoder: FeatureEncoder) {
    self.file = file
    rows = table.rowCount
    features = encoder.featureNames
    let encodings = Dictionary(encoder.columns.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    let missing = Dictionary(
      table.features.map { ($0.name, $0.missingRate) }, uniquingKeysWith: { first, _ in first })
    columns = table.schema.columns.map { column in
      var entry = Column(
        name: column.name, kind: column.kind.rawValue, reason: column.reason, missingRate: missing[column.name])
      switch encodings[column.name] {
      case .numeric(_, let median, _): entry.median = Double(median)
      case .oneHot(_, let levels, let pooled, _):
        entry.levels = levels
        entry.pooledLevels = pooled
      case nil: break
      }
      return entry
    }
  }

  var humanSummary: String {
    let featureColumns = columns.filter { $0.missingRate != nil }.count
    var lines = [
      "\(file): \(rows) rows, \(columns.count) columns (\(featureColumns) features) → \(features.count) model features",
      "",
    ]
    let nameWidth = max(6, columns.map(\.name.count).max() ?? 0)
    func pad(_ text: String, _ width: Int) -> String {
      text + String(repeating: " ", count: max(0, width - text.count))
    }
    let kindWidth = max(11, columns.map(\.kind.count).max() ?? 0)
    lines.append(pad("column", nameWidth) + "  " + pad("kind", kindWidth) + "  missing  detail")
    for column in columns {
      let missing = column.missingRate.map { String(format: "%5.1f %%", 100 * $0) } ?? ""
      var detail = column.reason
      if let median = column.median, (column.missingRate ?? 0) > 0 {
        detail += String(format: "; imputed: median %g, and an indicator", median)
      }
      if let levels = column.levels {
        let shown = levels.prefix(8).joined(separator: ", ") + (levels.count > 8 ? ", …" : "")
        detail += "; levels: " + shown
        if let pooled = column.pooledLevels, !pooled.isEmpty { detail += " (+\(pooled.count) pooled as (other))" }
        if column.pooledLevels == nil { detail += " (+ many pooled as (other))" }
      }
      lines.append(
        pad(column.name, nameWidth) + "  " + pad(column.kind, kindWidth) + "  " + pad(missing, 7) + "  " + detail)
    }
    return lines.joined(separator: "\n")
  }
}

/// A source's schema as the commands that read one report it (the `schema` key of their JSON).
struct SchemaSummary: Encodable {
  /// Every column with its kind and the reason for it.
  var columns: [TableSchema.Column]
  /// The model features the feature columns become.
  var features: [String]

  init(schema: TableSchema, features: [String]) {
    columns = schema.columns
    self.features = features
  }

  /// One line for a human summary: the kinds counted, and the features they become; `nil`
  /// when every column but the label is a numeric feature and the features are those columns.
  var line: String? {
    let featureColumns = columns.filter(\.kind.isFeature)
    let plain =
      featureColumns.allSatisfy { $0.kind == .numeric } && features == featureColumns.map(\.name)
      && !columns.contains { $0.kind == .ignored }
    guard !plain else { return nil }
    let counts = TableSchema.Kind.allCases.filter { $0 != .label }.compactMap { kind -> String? in
      let count = columns.filter { $0.kind == kind }.count
      return count == 0 ? nil : "\(count) \(kind.rawValue)"
    }
    let ignored = columns.filter { $0.kind == .ignored }.map(\.name)
    return counts.joined(separator: ", ") + " → \(features.count) features"
      + (ignored.isEmpty ? "" : " (left out: \(ignored.joined(separator: ", ")))")
  }
}
