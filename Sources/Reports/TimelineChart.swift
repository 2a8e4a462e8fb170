import Foundation

/// A figure over a stream's chunks: an estimate with its interval band, the reference band it
/// is judged against, the realised values once known, an optional threshold, and the chunks
/// with alerts marked.
public struct TimelineChart: Sendable {
  /// The chart's title.
  public var title: String
  /// The x-axis labels, one per chunk.
  public var chunkLabels: [String]
  /// The estimate per chunk (NaN: none, e.g. an empty chunk).
  public var estimates: [Double]
  /// The estimate's interval per chunk (nil: none).
  public var intervals: [(lower: Double, upper: Double)?]
  /// The reference band per chunk (nil: none).
  public var referenceBand: [(lower: Double, upper: Double)?]
  /// The realised value per chunk (NaN: not known yet).
  public var realised: [Double]
  /// A horizontal threshold line (nil: none).
  public var threshold: Double?
  /// The chunks with an alert.
  public var alerted: Set<Int>
  /// The y-axis label.
  public var yLabel: String
  /// Size in SVG pixels.
  public var width: Double
  /// See ``width``.
  public var height: Double

  /// A chart; every per-chunk array has one entry per chunk label.
  public init(
    title: String, chunkLabels: [String], estimates: [Double], intervals: [(lower: Double, upper: Double)?],
    referenceBand: [(lower: Double, upper: Double)?], realised: [Double], threshold: Double? = nil,
    alerted: Set<Int> = [], yLabel: String, width: Double = 760, height: Double = 380
  ) {
    let n = chunkLabels.count
    precondition(
      estimates.count == n && intervals.count == n && referenceBand.count == n && realised.count == n,
      "one entry per chunk")
    self.title = title
    self.chunkLabels = chunkLabels
    self.estimates = estimates
    self.intervals = intervals
    self.referenceBand = referenceBand
    self.realised = realised
    self.threshold = threshold
    self.alerted = alerted
    self.yLabel = yLabel
    self.width = width
    self.height = height
  }

  /// The SVG document.
  public var svg: String {
    let n = chunkLabels.count
    var values = estimates + realised + (threshold.map { [$0] } ?? [])
    values += intervals.compactMap { $0 }.flatMap { [$0.lower, $0.upper] }
    values += referenceBand.compactMap { $0 }.flatMap { [$0.lower, $0.upper] }
    let finite = values.filter(\.isFinite)
    let low = finite.min() ?? 0
    let high = max(finite.max() ?? 1, low + 1e-6)
    let pad = (high - low) * 0.05
    let entries = 3 + (threshold == nil ? 0 : 1) + (alerted.isEmpty ? 0 : 1)
    let yRange = SVGCanvas.makingRoomForLegend(in: (low - pad)...(high + pad), entries: entries, height: height)
    let canvas = SVGCanvas(
      width: width, height: height, title: title, xLabel: "chunk", yLabel: yLabel,
      xRange: -0.5...(Double(max(n, 1)) - 0.5), yRange: yRange)
    var body: [String] = []
    /// A band as one polygon per run of chunks that have it.
    func polygons(_ band: [(lower: Double, upper: Double)?], halfWidth: Double) -> [[(Double, Double, Double)]] {
      var runs: [[(Double, Double, Double)]] = []
      var run: [(Double, Double, Double)] = []
      for (index, entry) in band.enumerated() {
        if let entry, entry.lower.isFinite, entry.upper.isFinite {
          run.append((Double(index), entry.lower, entry.upper))
        } else if !run.isEmpty {
          runs.append(run)
          run = []
        }
      }
      if !run.isEmpty { runs.append(run) }
      return runs.map { run in
        halfWidth > 0
          ? run.flatMap { [($0.0 - halfWidth, $0.1, $0.2), ($0.0 + halfWidth, $0.1, $0.2)] } : run
      }
    }
    func draw(_ run: [(Double, Double, Double)], fill: String, opacity: Double) {
      let upper = run.map { "\(format(canvas.x($0.0))),\(format(canvas.y($0.2)))" }
      let lower = run.reversed().map { "\(format(canvas.x($0.0))),\(format(canvas.y($0.1)))" }
      body.append(
        ##"<polygon points="\##((upper + lower).joined(separator: " "))" fill="\##(fill)" fill-opacity="\##(opacity)" stroke="none"/>"##
      )
    }
    for run in polygons(referenceBand, halfWidth: 0.5) { draw(run, fill: "#999999", opacity: 0.25) }
    for run in polygons(intervals, halfWidth: 0) { draw(run, fill: SVGCanvas.palette[0], opacity: 0.25) }
    if let threshold {
      body.append(
        ##"<line x1="\##(format(canvas.left))" x2="\##(format(canvas.left + canvas.plotWidth))" y1="\##(format(canvas.y(threshold)))" y2="\##(format(canvas.y(threshold)))" stroke="\##(SVGCanvas.palette[5])" stroke-dasharray="6 3"/>"##
      )
    }
    func line(_ series: [Double], colour: String, dashed: Bool) {
      let points = series.enumerated().filter { $0.element.isFinite }
      let path = points.map { "\(format(canvas.x(Double($0.offset)))),\(format(canvas.y($0.element)))" }
      if path.count > 1 {
        body.append(
          ##"<polyline class="series" points="\##(path.joined(separator: " "))" fill="none" stroke="\##(colour)" stroke-width="2"\##(dashed ? #" stroke-dasharray="5 3""# : "")/>"##
        )
      }
      for point in points {
        body.append(
          ##"<circle cx="\##(format(canvas.x(Double(point.offset))))" cy="\##(format(canvas.y(point.element)))" r="3" fill="\##(colour)"><title>\##(escaped("\(chunkLabels[point.offset]): \(String(format: "%.4f", point.element))"))</title></circle>"##
        )
      }
    }
    line(realised, colour: SVGCanvas.palette[7], dashed: true)
    line(estimates, colour: SVGCanvas.palette[0], dashed: false)
    for index in alerted.sorted() where index < n && estimates[index].isFinite {
      body.append(
        ##"<circle cx="\##(format(canvas.x(Double(index))))" cy="\##(format(canvas.y(estimates[index])))" r="7" fill="none" stroke="\##(SVGCanvas.palette[5])" stroke-width="2"><title>\##(escaped("\(chunkLabels[index]): alert"))</title></circle>"##
      )
    }
    let every = max(1, Int((Double(n) * 60 / canvas.plotWidth).rounded(.up)))
    let ticks = (0..<n).filter { $0 % every == 0 }.map { (canvas.x(Double($0)), chunkLabels[$0]) }
    var legend = [
      ("estimate, its interval shaded", SVGCanvas.palette[0]), ("reference band", "#999999"),
      ("realised (labels)", SVGCanvas.palette[7]),
    ]
    if threshold != nil { legend.append(("threshold", SVGCanvas.palette[5])) }
    if !alerted.isEmpty { legend.append(("alert (ringed)", SVGCanvas.palette[5])) }
    return canvas.document(
      body: body, legend: legend.map(\.0), legendColours: legend.map(\.1), legendWidth: 190, xTicks: ticks)
  }
}
