import ArgumentParser
import ShiftKit

/// The user's say over which columns of a source are features and of which kind
/// (``SchemaOptions``); everything not said is inferred from the source's values.
struct ColumnOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Only these columns are features (comma-separated); the others, but the label, are left out.",
      valueName: "a,b,…"))
  var features: ColumnList?

  @Option(
    help: ArgumentHelp(
      "Columns left out of the features (ids, timestamps, leaks), comma-separated.", valueName: "a,b,…"))
  var ignore: ColumnList?

  @Option(
    help: ArgumentHelp(
      "Columns read as categories even when their cells are numbers (codes, zip codes), comma-separated.",
      valueName: "a,b,…"))
  var categorical: ColumnList?

  @Flag(help: "Leave out source rows whose label is missing (and say how many) instead of stopping at the first.")
  var dropUnlabelled = false

  func validate() throws {
    let ignored = Set(ignore?.names ?? [])
    if let both = categorical?.names.first(where: ignored.contains) {
      throw ValidationError("--categorical and --ignore both name '\(both)'")
    }
    if let both = features?.names.first(where: ignored.contains) {
      throw ValidationError("--features and --ignore both name '\(both)'")
    }
  }

  /// The options for a source whose label column is `label`.
  func schemaOptions(label: String?) -> SchemaOptions {
    var options = SchemaOptions(
      label: label, features: features?.names, ignore: ignore?.names ?? [], categorical: categorical?.names ?? [])
    options.dropUnlabelled = dropUnlabelled
    return options
  }
}
