import Foundation
import LinearAlgebra

/// A simulated mixed table with known shifts, for ground-truth tests and the detection
/// benchmark: what each column's drift test should find.
public enum SimulatedMixedTable {
  /// channel's level shares (web, partner, dealer) without and with the shift.
  public static let channelShares = (source: [0.5, 0.3, 0.2], target: [0.2, 0.3, 0.5])
  /// region's shares (north, south, east, west, atlantis): the shift adds a level the source never had.
  public static let regionShares = (
    source: [0.25, 0.25, 0.25, 0.25, 0], target: [0.2425, 0.2425, 0.2425, 0.2425, 0.03]
  )
  /// income's missing rate moves from 5 % to 20 %.
  public static let incomeMissingRateDifference = 0.15
  /// age's mean moves by half a standard deviation: KS distance `2Φ(¼) − 1`.
  public static let ageKSDistance = 0.1974

  /// The population Cramér's V between level shares `p` (source) and `q` (target) when a share
  /// `sourceShare` of the rows is the source's: `√(w(1−w) Σ (p−q)²/(w·p + (1−w)·q))`.
  public static func cramersV(_ p: [Double], _ q: [Double], sourceShare w: Double) -> Double {
    (w * (1 - w) * zip(p, q).map { ($0 - $1) * ($0 - $1) / (w * $0 + (1 - w) * $1) }.reduce(0, +)).squareRoot()
  }

  /// A CSV table: `channel` (three levels), `region` (four), `member` (boolean), `age` and
  /// `income` (numbers, income sometimes missing), and a label `y`; `shifted` moves channel's
  /// shares, age's mean, income's missing rate and adds an unseen region.
  public static func csv(rows: Int, shifted: Bool, using generator: inout SplitMix64) -> String {
    var lines = ["id,channel,region,member,age,income,y"]
    let channelShares = shifted ? Self.channelShares.target : Self.channelShares.source
    for row in 0..<rows {
      let u = Double.random(in: 0..<1, using: &generator)
      let channel = u < channelShares[0] ? "web" : u < channelShares[0] + channelShares[1] ? "partner" : "dealer"
      let region =
        shifted && Double.random(in: 0..<1, using: &generator) < Self.regionShares.target[4]
        ? "atlantis" : ["north", "south", "east", "west"][Int.random(in: 0..<4, using: &generator)]
      let member = Bool.random(using: &generator) ? "True" : "False"
      let age = (shifted ? 45 : 40) + 10 * generator.standardNormal()
      let missing = Double.random(in: 0..<1, using: &generator) < (shifted ? 0.2 : 0.05)
      let income = missing ? "NA" : String(format: "%.0f", 50_000 + 15_000 * generator.standardNormal())
      lines.append("\(row),\(channel),\(region),\(member),\(String(format: "%.2f", age)),\(income),\(row % 2)")
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
