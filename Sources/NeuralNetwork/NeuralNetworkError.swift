/// Errors of the neural-network layer: bad configurations, mismatched data, model files.
public enum NeuralNetworkError: Error, CustomStringConvertible, Equatable {
  /// A configuration value is out of range; the message names it.
  case invalidConfiguration(String)
  /// Data does not fit the network (feature count, target shape, weights length).
  case shapeMismatch(String)
  /// A per-sample weight is negative or not finite.
  case invalidWeights(String)
  /// Labelled data has a class the model does not know.
  case unknownClass(name: String, known: [String])
  /// The model's output for a row (0-based) is not finite.
  case nonFiniteOutput(row: Int)
  /// Training diverged: the loss became NaN or infinite.
  case diverged(epoch: Int)
  /// The file is not a model file of this library.
  case foreignModelFile(file: String)
  /// The model file was written by a newer, unknown format version.
  case unsupportedModelVersion(file: String, version: Int, supported: Int)
  /// The model file ends early.
  case truncatedModelFile(file: String, expectedBytes: Int, foundBytes: Int)
  /// The model file's checksum or structure is wrong.
  case corruptModelFile(file: String, reason: String)
  /// Reading or writing a file failed.
  case io(file: String, reason: String)

  /// The message for the user, naming the model file where there is one.
  public var description: String {
    switch self {
    case .invalidConfiguration(let message): message
    case .shapeMismatch(let message): message
    case .invalidWeights(let message): message
    case .unknownClass(let name, let known):
      "the data has class '\(name)', which the model does not know (its classes: \(known.joined(separator: ", ")))"
    case .nonFiniteOutput(let row):
      "the model's output for data row \(row + 1) is not finite (features far outside its training range, or a damaged model)"
    case .diverged(let epoch):
      "training diverged in epoch \(epoch) (loss is not finite); try a smaller learning rate"
    case .foreignModelFile(let file): "\(file): not a ShiftKit model file"
    case .unsupportedModelVersion(let file, let version, let supported):
      "\(file): model format version \(version) is not supported (this build reads up to \(supported))"
    case .truncatedModelFile(let file, let expected, let found):
      "\(file): truncated model file: expected \(expected) bytes, found \(found)"
    case .corruptModelFile(let file, let reason): "\(file): corrupt model file: \(reason)"
    case .io(let file, let reason): "\(file): \(reason)"
    }
  }
}
