import ArgumentParser
import Foundation
import ShiftKit

/// A production model's table of 20 columns, generated: an id, a timestamp, 8 numbers (5 %
/// missing), 4 text columns, a boolean, the model's 3 class probabilities (a softmax of some
/// features), its predicted class and a label drawn from the probabilities.
///
/// `labelWeights` shifts the label distribution without touching P(x | y): a row drawn with
/// label y is kept with probability `labelWeights[y] / max(labelWeights)`, so the kept rows'
/// prior is the unshifted one reweighted by `labelWeights` (label shift with a known truth).
enum ProductionTable {
  /// The header of every generated table.
  static let header = "id,timestamp,a,b,c,d,e,f,g,h,colour,channel,city,segment,flag,p_0,p_1,p_2,y_pred,y_true"

  /// Writes `rows` rows drawn with `seed` to `path`, in blocks of a few MB.
  static func write(rows: Int, seed: UInt64, labelWeights: [Double] = [1, 1, 1], to path: String) throws {
    precondition(labelWeights.count == 3 && labelWeights.allSatisfy { $0 >= 0 } && labelWeights.max() ?? 0 > 0)
    let largestWeight = labelWeights.max() ?? 1
    let rejects = labelWeights.contains { $0 != largestWeight }
    var generator = SplitMix64(seed: seed)
    let colours = ["red", "green", "blue", "amber", "violet"]
    let segments = ["retail", "business", "public"]
    guard
      let handle = FileHandle(forWritingAtPath: path)
        ?? {
          FileManager.default.createFile(atPath: path, contents: nil)
          return FileHandle(forWritingAtPath: path)
        }()
    else { throw ValidationError("cannot write \(path)") }
    defer { try? handle.close() }
    try handle.truncate(atOffset: 0)
    var text = header + "\n"
    text.reserveCapacity(1 << 22)
    var row = 0
    while row < rows {
      var cells = [String(row), "2024-\(twoDigits(1 + (row / 100_000) % 12))-\(twoDigits(1 + row % 28))T12:00:00Z"]
      var numbers: [Double] = []
      for _ in 0..<8 {
        let value = generator.standardNormal()
        numbers.append(value)
        cells.append(generator.uniformUnit() < 0.05 ? "NA" : fixed(value, decimals: 4))
      }
      let channel = generator.uniformIndex(below: 40)
      cells.append(colours[generator.uniformIndex(below: colours.count)])
      cells.append("Partner\(channel)")
      cells.append("city\(generator.uniformIndex(below: 300))")
      cells.append(segments[generator.uniformIndex(below: segments.count)])
      let flag = generator.uniformUnit() < 0.5
      cells.append(flag ? "True" : "False")
      let scores = [numbers[0] + (flag ? 0.5 : 0), numbers[1] - 0.5 * numbers[2], channel < 5 ? 1.0 : 0]
      let largest = scores.max() ?? 0
      let exponentials = scores.map { exp($0 - largest) }
      let total = exponentials.reduce(0, +)
      let probabilities = exponentials.map { $0 / total }
      cells += probabilities.map { fixed($0, decimals: 5) }
      let predicted = probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? 0
      let u = generator.uniformUnit()
      let label = u < probabilities[0] ? 0 : (u < probabilities[0] + probabilities[1] ? 1 : 2)
      if rejects, generator.uniformUnit() * largestWeight >= labelWeights[label] { continue }
      cells += [String(predicted), String(label)]
      text += cells.joined(separator: ",") + "\n"
      row += 1
      if text.utf8.count > 1 << 22 {
        try handle.write(contentsOf: Data(text.utf8))
        text.removeAll(keepingCapacity: true)
      }
    }
    try handle.write(contentsOf: Data(text.utf8))
    // On disk before anything reads it: no reader is timed against the write-back of the file.
    try handle.synchronize()
  }
}

extension ProductionTable {
  /// `value` with `decimals` decimals, as `%.<decimals>f` prints it but without Foundation's
  /// formatter (which made writing 2 000 000 rows take over a minute).
  static func fixed(_ value: Double, decimals: Int) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let units = Int((abs(value) * scale).rounded())
    let fraction = String(units % Int(scale))
    let sign = value.sign == .minus ? "-" : ""  // as %f: -0.0000 for a small negative value
    return sign + String(units / Int(scale)) + "." + String(repeating: "0", count: decimals - fraction.count) + fraction
  }

  /// `value` (0…99) in two digits.
  static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
}

/// `shift-estimation-benchmark table`: writes a generated production table, for the profiling
/// benchmark's peers and for the Spark job's check (`Integrations/spark/check.sh`).
struct ProductionTableCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "table",
    abstract:
      "Writes a generated 20-column production table (mixed features, a model's 3 class probabilities, a label).",
    discussion: """
      The profiling benchmark's table: \(ProductionTable.header).
      With --label-weights the label prior is the unshifted one reweighted (label shift with P(x | y) unchanged).
      """)

  @Option(help: "Rows to write.")
  var rows: Int

  @Option(help: "Seed of the draws.")
  var seed: UInt64 = 1

  @Option(help: "Three non-negative weights of classes 0, 1, 2 (label shift), e.g. 1,1,3.")
  var labelWeights = "1,1,1"

  @Option(help: "The CSV to write.")
  var out: String

  func run() throws {
    guard (1...1_000_000_000).contains(rows) else { throw ValidationError("--rows must be 1…1 000 000 000") }
    let weights = labelWeights.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    guard weights.count == 3, weights.allSatisfy({ $0 >= 0 && $0.isFinite }), weights.contains(where: { $0 > 0 })
    else { throw ValidationError("--label-weights needs three non-negative numbers, not all 0, such as 1,1,3") }
    try ProductionTable.write(rows: rows, seed: seed, labelWeights: weights, to: out)
  }
}
