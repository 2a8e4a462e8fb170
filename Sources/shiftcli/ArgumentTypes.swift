import ArgumentParser
import ShiftKit

/// `--hidden`: hidden layer sizes, comma-separated (`256`, `1024,1024`).
struct HiddenLayerSizes: ExpressibleByArgument, Equatable, CustomStringConvertible {
  /// One size per hidden layer, each positive.
  var sizes: [Int]

  init(_ sizes: [Int]) { self.sizes = sizes }

  init?(argument: String) {
    let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
    let sizes = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !parts.isEmpty, sizes.count == parts.count, sizes.allSatisfy({ $0 > 0 }) else { return nil }
    self.sizes = sizes
  }

  var description: String { sizes.map(String.init).joined(separator: ",") }

  /// Throws a usage error past the layer and unit limits, unless `--force`.
  func check(limits: LimitOptions) throws {
    try limits.check(sizes.count, atMost: ResourceLimits.hiddenLayers, option: "--hidden (layers)")
    for size in sizes { try limits.check(size, atMost: ResourceLimits.hiddenUnits, option: "--hidden") }
  }

  /// Throws an error naming `--hidden` when a layer of the network from `inputs` features to
  /// `outputs` classes would have more weights than one layer can hold (a limit `--force` cannot
  /// lift: BLAS indexes with 32-bit integers).
  func checkLayers(inputs: Int, outputs: Int) throws {
    let all = [inputs] + sizes + [outputs]
    for (from, to) in zip(all, all.dropFirst()) {
      let (weights, overflow) = from.multipliedReportingOverflow(by: to)
      guard !overflow, weights <= MLP.maximumLayerWeights else {
        throw CLIFailure(
          message:
            "--hidden \(self): a layer of \(from) × \(to) weights is more than the \(MLP.maximumLayerWeights) one layer can hold"
        )
      }
    }
  }
}

/// `--domain-c`: the domain classifier's inverse L2 strength, or `auto`.
enum DomainRegularization: ExpressibleByArgument, Equatable, CustomStringConvertible {
  /// The C in 1e-4 … 10 with the best cross-fitted log-loss.
  case auto
  /// A fixed C > 0.
  case fixed(Double)

  init?(argument: String) {
    if argument == "auto" {
      self = .auto
    } else if let c = Double(argument), c > 0, c.isFinite {
      self = .fixed(c)
    } else {
      return nil
    }
  }

  /// The fixed C, nil for auto.
  var inverseRegularization: Double? {
    if case .fixed(let c) = self { return c }
    return nil
  }

  var description: String { inverseRegularization.map { "\($0)" } ?? "auto" }
}

extension WeightClipping: ExpressibleByArgument {
  /// `none`, `qNN` or a number greater than 1 (see ``WeightClipping/init(parsing:)``).
  public init?(argument: String) { self.init(parsing: argument) }
}

extension Initialization: ExpressibleByArgument {
  /// `xavier`, `xavier-normal`, `he`, `normal` or `normal:σ` (see ``Initialization/init(parsing:)``).
  public init?(argument: String) { self.init(parsing: argument) }
}

extension Activation: ExpressibleByArgument {}
extension LabelShiftMethod: ExpressibleByArgument {}
extension ShiftCorrection: ExpressibleByArgument {}

/// A comma-separated list of column names (`--ignore id,timestamp`); names are trimmed.
struct ColumnList: ExpressibleByArgument, Equatable, CustomStringConvertible {
  /// The names, in the order given.
  var names: [String]

  init(_ names: [String]) { self.names = names }

  init?(argument: String) {
    let names = argument.split(separator: ",", omittingEmptySubsequences: false).map {
      $0.trimmingCharacters(in: .whitespaces)
    }
    guard !names.contains(where: \.isEmpty) else { return nil }
    self.names = names
  }

  var description: String { names.joined(separator: ",") }
}

/// `COLUMN:day|week|month`: chunks by calendar period of a timestamp column.
struct TimeChunking: ExpressibleByArgument, Equatable, CustomStringConvertible {
  /// The timestamp column.
  var column: String
  /// The period.
  var period: TimePeriod

  init?(argument: String) {
    guard let colon = argument.lastIndex(of: ":") else { return nil }
    let column = argument[..<colon].trimmingCharacters(in: .whitespaces)
    guard !column.isEmpty, let period = TimePeriod(rawValue: argument[argument.index(after: colon)...].lowercased())
    else { return nil }
    self.column = column
    self.period = period
  }

  var description: String { "\(column):\(period.rawValue)" }
}
