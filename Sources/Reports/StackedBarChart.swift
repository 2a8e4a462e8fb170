import Foundation

/// One bar per category split into stacked shares (e.g. the class priors of each chunk).
public struct StackedBarChart: Sendable {
  /// The chart's title.
  public var title: String
  /// The bars' labels (e.g. chunks).
  public var categories: [String]
  /// The stacked parts' names (e.g. classes), bottom to top.
  public var parts: [String]
  /// `values[category][part]`, non-negative.
  public var values: [[Double]]
  /// The y-axis label.
  public var yLabel: String
  /// Size in SVG pixels.
  public var width: Double
  /// See ``width``.
  public var height: Double

  /// A chart; every category has one value per part.
  public init(
    title: String, categories: [String], parts: [String], values: [[Double]], yLabel: String, width: Double = 720,
    height: Double = 360
  ) {
    precondition(
      values.count == categories.count && values.allSatisfy { $0.count == parts.count }, "one value per part")
    self.title = title
    self.categories = categories
    self.parts = parts
    self.values = values
    self.yLabel = yLabel
    self.width = width
    self.height = height
  }

  /// The colour of part `index`: the palette, then evenly spaced hues past it.
  static func colour(_ index: Int, of count: Int) -> String {
    if count <= SVGCanvas.palette.count { return SVGCanvas.palette[index] }
    return "hsl(\(Int(Double(index) * 360 / Double(count))), 65%, \(index % 2 == 0 ? 45 : 62)%)"
  }

  /// The SVG document (a legend to the right lists the parts when there are at most 30).
  public var svg: String {
    let legendWidth = parts.count <= 30 ? 110.0 : 0
    let largest = values.map { $0.filter(\.isFinite).reduce(0, +) }.max() ?? 1
    let canvas = SVGCanvas(
      width: width, height: height, title: title, xLabel: "", yLabel: yLabel,
      xRange: 0...Double(max(categories.count, 1)), yRange: 0...max(largest, 1e-9))
    let plotWidth = canvas.plotWidth - legendWidth
    let slot = plotWidth / Double(max(categories.count, 1))
    var body: [String] = []
    for (index, shares) in values.enumerated() {
      var base = 0.0
      let x = canvas.left + Double(index) * slot + slot * 0.1
      for (part, value) in shares.enumerated() where value.isFinite && value > 0 {
        let top = canvas.y(base + value)
        body.append(
          ##"<rect class="bar" x="\##(format(x))" y="\##(format(top))" width="\##(format(slot * 0.8))" height="\##(format(canvas.y(base) - top))" fill="\##(Self.colour(part, of: parts.count))"><title>\##(escaped("\(categories[index]), \(parts[part]): \(tickLabel(value))"))</title></rect>"##
        )
        base += value
      }
    }
    if legendWidth > 0 {
      let row = min(16, (canvas.plotHeight - 8) / Double(max(parts.count, 1)))
      for (part, name) in parts.enumerated().reversed() {
        let y = canvas.top + 4 + Double(parts.count - 1 - part) * row
        body.append(
          ##"<rect x="\##(format(canvas.left + plotWidth + 12))" y="\##(format(y))" width="10" height="\##(format(max(row - 2, 4)))" fill="\##(Self.colour(part, of: parts.count))"/>"##
        )
        body.append(
          ##"<text x="\##(format(canvas.left + plotWidth + 26))" y="\##(format(y + min(row, 12) - 2))" font-size="\##(format(min(row, 12)))">\##(escaped(name))</text>"##
        )
      }
    }
    let every = slot > 0 ? max(1, Int(min(40 / slot, Double(max(categories.count, 1))).rounded(.up))) : 1
    let ticks = categories.enumerated().filter { $0.offset % every == 0 }.map {
      (canvas.left + (Double($0.offset) + 0.5) * slot, $0.element)
    }
    return canvas.document(body: body, xTicks: ticks)
  }
}
