import Foundation
import LinearAlgebra

/// The spread of one figure across the reference's chunks: where an analysis chunk's figure is
/// expected to fall when nothing changed.
///
/// The bounds are a prediction interval for one more chunk from the reference chunks' mean and
/// standard deviation (Student's t with m − 1 degrees of freedom, widened by √(1 + 1/m)), at a
/// coverage of 99.7 % (three standard deviations of a normal). A figure's sampling scatter
/// shrinks as 1/√n with the chunk's n rows, so the width is rescaled from the reference chunks'
/// size to the chunk's.
///
/// A figure that is a distance from the reference (≥ 0, its mean itself a sampling effect) has
/// only an upper bound, and its mean is rescaled too. Its scatter has two sources: the chunk's
/// n rows and the N reference rows it is compared with. Each reference chunk of r rows is
/// compared with the other rows of the reference (not with all of them, which include its
/// own), so that both terms are present, and the rescaling is √((1/n + 1/N)/(1/r + 1/R)) with
/// R the rows it was compared with.
public struct ReferenceBand: Sendable, Equatable, Codable {
  /// The reference chunks' mean.
  public var mean: Double
  /// Their standard deviation.
  public var standardDeviation: Double
  /// How many reference chunks.
  public var chunkCount: Int
  /// Their mean number of rows.
  public var chunkRows: Double
  /// For a distance: the rows each reference chunk was compared with (R), and the rows an
  /// analysis chunk is compared with (N); nil for any other figure.
  public var comparedRows: (reference: Double, analysis: Double)? {
    guard let referenceComparison, let analysisComparison else { return nil }
    return (referenceComparison, analysisComparison)
  }
  /// See ``comparedRows``.
  public var referenceComparison: Double?
  /// See ``comparedRows``.
  public var analysisComparison: Double?

  /// The bounds' coverage for one chunk under no change.
  public static let coverage = 0.997

  /// The band of `values`, one per reference chunk of `chunkRows` rows on average; for a
  /// distance, `compared` gives the rows it is measured against (see ``comparedRows``).
  public init(values: [Double], chunkRows: Double, compared: (reference: Double, analysis: Double)? = nil) {
    let m = Double(values.count)
    let mean = values.reduce(0, +) / max(m, 1)
    self.mean = mean
    let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
    standardDeviation = values.count >= 2 ? (squares / (m - 1)).squareRoot() : 0
    chunkCount = values.count
    self.chunkRows = chunkRows
    referenceComparison = compared?.reference
    analysisComparison = compared?.analysis
  }

  /// The bounds for a chunk of `rows` rows (no lower bound for a distance).
  public func bounds(rows: Int) -> (lower: Double?, upper: Double) {
    let n = Double(max(rows, 1))
    let scale: Double
    if let (reference, analysis) = comparedRows {
      scale = ((1 / n + 1 / analysis) / (1 / chunkRows + 1 / reference)).squareRoot()
    } else {
      scale = (chunkRows / n).squareRoot()
    }
    let isDistance = comparedRows != nil
    let degrees = Double(max(chunkCount - 1, 1))
    let tail = isDistance ? 1 - Self.coverage : (1 - Self.coverage) / 2
    let t = Distribution.studentTQuantile(1 - tail, degreesOfFreedom: degrees)
    let halfWidth = t * standardDeviation * (1 + 1 / Double(max(chunkCount, 1))).squareRoot() * scale
    if isDistance { return (nil, mean * scale + halfWidth) }
    return (mean - halfWidth, mean + halfWidth)
  }
}
