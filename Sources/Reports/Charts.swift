import Foundation

/// Bars for each category, one bar per series side by side (e.g. source, estimated and true
/// class priors).
public struct BarChart: Sendable {
  /// The chart's title.
  public var title: String
  /// The x-axis categories (e.g. class names).
  public var categories: [String]
  /// Named series, each with one value per category.
  public var series: [(name: String, values: [Double])]
  /// The y-axis label.
  public var yLabel: String
  /// Size in SVG pixels.
  public var width: Double
  /// See ``width``.
  public var height: Double

  /// A chart; every series has one value per category.
  public init(
    title: String, categories: [String], series: [(name: String, values: [Double])], yLabel: String,
    width: Double = 720, height: Double = 360
  ) {
    precondition(series.allSatisfy { $0.values.count == categories.count }, "one value per category in every series")
    self.title = title
    self.categories = categories
    self.series = series
    self.yLabel = yLabel
    self.width = width
    self.height = height
  }

  /// The SVG document.
  public var svg: String {
    let largest = series.flatMap(\.values).filter(\.isFinite).max() ?? 1
    let yRange =
      largest > 0
      ? SVGCanvas.makingRoomForLegend(in: 0...(largest * 1.04), entries: series.count, height: height) : 0...1
    let canvas = SVGCanvas(
      width: width, height: height, title: title, xLabel: "", yLabel: yLabel,
      xRange: 0...Double(max(categories.count, 1)), yRange: yRange)
    let slot = canvas.plotWidth / Double(max(categories.count, 1))
    let barWidth = slot * 0.8 / Double(max(series.count, 1))
    var body: [String] = []
    for (seriesIndex, entry) in series.enumerated() {
      let colour = SVGCanvas.palette[seriesIndex % SVGCanvas.palette.count]
      for (index, value) in entry.values.enumerated() where value.isFinite {
        let x = canvas.left + Double(index) * slot + slot * 0.1 + Double(seriesIndex) * barWidth
        let top = canvas.y(max(value, 0))
        body.append(
          ##"<rect class="bar" x="\##(format(x))" y="\##(format(top))" width="\##(format(barWidth))" height="\##(format(canvas.y(0) - top))" fill="\##(colour)"><title>\##(escaped("\(entry.name), \(categories[index]): \(tickLabel(value))"))</title></rect>"##
        )
      }
    }
    let ticks = categories.enumerated().map { (canvas.left + (Double($0.offset) + 0.5) * slot, $0.element) }
    return canvas.document(body: body, legend: series.map(\.name), xTicks: ticks)
  }
}

/// The distribution of a sample of values in equal-width bins (e.g. importance weights).
public struct Histogram: Sendable {
  /// The chart's title.
  public var title: String
  /// The sample (finite values only).
  public var values: [Double]
  /// Equal-width bins between the smallest and the largest value.
  public var binCount: Int
  /// The x-axis label.
  public var xLabel: String
  /// Size in SVG pixels.
  public var width: Double
  /// See ``width``.
  public var height: Double

  /// A histogram of the finite `values`.
  public init(
    title: String, values: [Double], binCount: Int = 40, xLabel: String, width: Double = 720, height: Double = 360
  ) {
    self.title = title
    self.values = values.filter(\.isFinite)
    self.binCount = max(binCount, 1)
    self.xLabel = xLabel
    self.width = width
    self.height = height
  }

  /// Counts per bin over [min, max].
  public var counts: [Int] {
    guard let low = values.min(), let high = values.max() else { return [] }
    var counts = [Int](repeating: 0, count: binCount)
    for value in values {
      let bin = high > low ? min(Int((value - low) / (high - low) * Double(binCount)), binCount - 1) : 0
      counts[bin] += 1
    }
    return counts
  }

  /// The SVG document.
  public var svg: String {
    let low = values.min() ?? 0
    let high = max(values.max() ?? 1, low + 1e-9)
    let counts = counts
    let canvas = SVGCanvas(
      width: width, height: height, title: title, xLabel: xLabel, yLabel: "count", xRange: low...high,
      yRange: 0...Double(max((counts.max() ?? 1), 1)) * 1.08)
    let binWidth = (high - low) / Double(binCount)
    var body: [String] = []
    for (index, count) in counts.enumerated() where count > 0 {
      let x0 = canvas.x(low + Double(index) * binWidth)
      let x1 = canvas.x(low + Double(index + 1) * binWidth)
      let top = canvas.y(Double(count))
      body.append(
        ##"<rect class="bar" x="\##(format(x0))" y="\##(format(top))" width="\##(format(max(x1 - x0 - 1, 0.5)))" height="\##(format(canvas.y(0) - top))" fill="\##(SVGCanvas.palette[0])"/>"##
      )
    }
    let ticks = niceTicks(low...high).map { (canvas.x($0), tickLabel($0)) }
    return canvas.document(body: body, xTicks: ticks)
  }
}

/// Lines through points, optionally with the diagonal y = x (a calibration curve, or estimates
/// against the truth); with the diagonal, both axes include [0, 1].
public struct LineChart: Sendable {
  /// The chart's title.
  public var title: String
  /// Named series of points, joined in order.
  public var series: [(name: String, points: [(x: Double, y: Double)])]
  /// The x-axis label.
  public var xLabel: String
  /// The y-axis label.
  public var yLabel: String
  /// Whether to draw the diagonal y = x.
  public var diagonal: Bool
  /// Size in SVG pixels.
  public var width: Double
  /// See ``width``.
  public var height: Double

  /// A chart of the given series over the data's range (and [0, 1] on both axes with `diagonal`).
  public init(
    title: String, series: [(name: String, points: [(x: Double, y: Double)])], xLabel: String, yLabel: String,
    diagonal: Bool = false, width: Double = 480, height: Double = 420
  ) {
    self.title = title
    self.series = series
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.diagonal = diagonal
    self.width = width
    self.height = height
  }

  /// The SVG document.
  public var svg: String {
    let points = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
    let xs = points.map(\.x) + (diagonal ? [0, 1] : [])
    let ys = points.map(\.y) + (diagonal ? [0, 1] : [])
    let xRange = (xs.min() ?? 0)...max(xs.max() ?? 1, (xs.min() ?? 0) + 1e-9)
    let yRange = SVGCanvas.makingRoomForLegend(
      in: (ys.min() ?? 0)...max(ys.max() ?? 1, (ys.min() ?? 0) + 1e-9), entries: series.count, height: height)
    let canvas = SVGCanvas(
      width: width, height: height, title: title, xLabel: xLabel, yLabel: yLabel, xRange: xRange, yRange: yRange)
    var body: [String] = []
    if diagonal {
      // y = x across the part of the plot where both axes cover the same values.
      let (low, high) = (max(xRange.lowerBound, yRange.lowerBound), min(xRange.upperBound, yRange.upperBound))
      body.append(
        ##"<line x1="\##(format(canvas.x(low)))" y1="\##(format(canvas.y(low)))" x2="\##(format(canvas.x(high)))" y2="\##(format(canvas.y(high)))" stroke="#999" stroke-dasharray="4 4"/>"##
      )
    }
    for (index, entry) in series.enumerated() {
      let colour = SVGCanvas.palette[index % SVGCanvas.palette.count]
      let valid = entry.points.filter { $0.x.isFinite && $0.y.isFinite }
      let path = valid.map { "\(format(canvas.x($0.x))),\(format(canvas.y($0.y)))" }.joined(separator: " ")
      if valid.count > 1 {
        body.append(
          ##"<polyline class="series" points="\##(path)" fill="none" stroke="\##(colour)" stroke-width="2"/>"##)
      }
      for point in valid {
        body.append(
          ##"<circle cx="\##(format(canvas.x(point.x)))" cy="\##(format(canvas.y(point.y)))" r="3" fill="\##(colour)"/>"##
        )
      }
    }
    let ticks = niceTicks(xRange).map { (canvas.x($0), tickLabel($0)) }
    return canvas.document(body: body, legend: series.map(\.name), xTicks: ticks)
  }
}
