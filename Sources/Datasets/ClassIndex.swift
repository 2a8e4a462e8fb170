import OrderedCollections

/// The mapping between class names and the indices `0..<count` a model predicts.
///
/// Classes are in ascending order: numeric order when every name parses as a number
/// (so `"2" < "10"`), string order otherwise. The order is part of a saved model.
public struct ClassIndex: Sendable, Equatable, Codable {
  /// The names in index order, with constant-time lookup of a name's index.
  private let classes: OrderedSet<String>

  /// The classes among `labels`, in ascending order.
  public init(labels: some Sequence<String>) {
    let distinct = Array(Set(labels))
    let numbers = distinct.compactMap(Double.init)
    if numbers.count == distinct.count {
      let pairs = zip(distinct, numbers).sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
      self.init(orderedNames: pairs.map(\.0))
    } else {
      self.init(orderedNames: distinct.sorted())
    }
  }

  /// Classes in exactly the given order (as stored in a model file); the names must be distinct.
  public init(orderedNames: [String]) {
    classes = OrderedSet(orderedNames)
    precondition(classes.count == orderedNames.count, "class names must be distinct")
  }

  /// Class names; the position of a name is its index.
  public var names: [String] { classes.elements }

  /// Number of classes.
  public var count: Int { classes.count }

  /// The index of `name`, or `nil` if it is not a known class.
  public func index(of name: String) -> Int? { classes.firstIndex(of: name) }

  /// The class index of each of `labels`, read from `file` where label `i` is on line
  /// `lines[i]`; throws naming the file and line of the first label that is not a known class.
  public func indices(of labels: [String], file: String, lines: [Int]) throws -> [Int] {
    precondition(lines.count == labels.count, "one line number per label")
    var indices = [Int]()
    indices.reserveCapacity(labels.count)
    for (row, label) in labels.enumerated() {
      guard let value = index(of: label) else {
        throw DatasetError.unknownLabel(file: file, line: lines[row], label: label, known: names)
      }
      indices.append(value)
    }
    return indices
  }

  /// Decodes the class names in order (as ``encode(to:)`` writes them); repeated names are a
  /// decoding error.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    let names = try container.decode([String].self)
    guard Set(names).count == names.count else {
      throw DecodingError.dataCorruptedError(in: container, debugDescription: "a class name appears twice")
    }
    self.init(orderedNames: names)
  }

  /// Encodes the class names in order, as a plain array.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(names)
  }
}
