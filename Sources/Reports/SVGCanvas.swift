import Foundation

/// A plotting area with axes, ticks, a title and a legend, emitting plain SVG 1.1 that renders
/// in browsers and on GitHub (no scripts, no external fonts or styles).
struct SVGCanvas {
  let width: Double
  let height: Double
  let title: String
  let xLabel: String
  let yLabel: String
  /// Data ranges mapped onto the plotting area.
  let xRange: ClosedRange<Double>
  let yRange: ClosedRange<Double>

  /// Margins around the plotting area (left leaves room for tick labels).
  let left = 64.0, right = 16.0, top = SVGCanvas.topMargin, bottom = SVGCanvas.bottomMargin
  static let topMargin = 40.0, bottomMargin = 56.0
  /// The legend: one row per series at the top right, starting this far below the frame.
  static let legendInset = 8.0, legendRow = 16.0

  var plotWidth: Double { width - left - right }
  var plotHeight: Double { height - top - bottom }

  /// Series colours (colour-blind-safe Okabe–Ito palette).
  static let palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]

  /// `range` with its top raised so that data up to its old top stay below a legend of `entries`
  /// rows on a canvas `height` tall (the legend may take at most half the plot).
  static func makingRoomForLegend(in range: ClosedRange<Double>, entries: Int, height: Double) -> ClosedRange<Double> {
    let legendDepth = legendInset + 4 + legendRow * Double(entries)
    let share = min(legendDepth / max(height - topMargin - bottomMargin, 1), 0.5)
    return range.lowerBound...(range.upperBound + (range.upperBound - range.lowerBound) * share / (1 - share))
  }

  func x(_ value: Double) -> Double {
    left + (value - xRange.lowerBound) / max(xRange.upperBound - xRange.lowerBound, .leastNonzeroMagnitude) * plotWidth
  }

  func y(_ value: Double) -> Double {
    top + plotHeight - (value - yRange.lowerBound) / max(yRange.upperBound - yRange.lowerBound, .leastNonzeroMagnitude)
      * plotHeight
  }

  /// The document: header, frame, y ticks, labels, then `body`, then the legend: its entries
  /// in the palette's colours unless `legendColours` gives one per entry, in a column
  /// `legendWidth` wide at the top right.
  func document(
    body: [String], legend: [String] = [], legendColours: [String]? = nil, legendWidth: Double = 150,
    xTicks: [(position: Double, label: String)] = []
  ) -> String {
    var parts = [
      ##"<?xml version="1.0" encoding="UTF-8"?>"##,
      ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(format(width))" height="\##(format(height))" viewBox="0 0 \##(format(width)) \##(format(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">"##,
      ##"<rect width="100%" height="100%" fill="white"/>"##,
      ##"<text x="\##(format(width / 2))" y="22" text-anchor="middle" font-size="15">\##(escaped(title))</text>"##,
    ]
    for tick in niceTicks(yRange) {
      let position = y(tick)
      parts.append(
        ##"<line x1="\##(format(left))" x2="\##(format(left + plotWidth))" y1="\##(format(position))" y2="\##(format(position))" stroke="#e0e0e0"/>"##
      )
      parts.append(
        ##"<text x="\##(format(left - 6))" y="\##(format(position + 4))" text-anchor="end">\##(escaped(tickLabel(tick)))</text>"##
      )
    }
    for tick in xTicks {
      parts.append(
        ##"<text x="\##(format(tick.position))" y="\##(format(top + plotHeight + 16))" text-anchor="middle">\##(escaped(tick.label))</text>"##
      )
    }
    parts.append(
      ##"<rect x="\##(format(left))" y="\##(format(top))" width="\##(format(plotWidth))" height="\##(format(plotHeight))" fill="none" stroke="#555"/>"##
    )
    parts.append(
      ##"<text x="\##(format(left + plotWidth / 2))" y="\##(format(height - 12))" text-anchor="middle">\##(escaped(xLabel))</text>"##
    )
    parts.append(
      ##"<text x="16" y="\##(format(top + plotHeight / 2))" text-anchor="middle" transform="rotate(-90 16 \##(format(top + plotHeight / 2)))">\##(escaped(yLabel))</text>"##
    )
    parts += body
    for (index, name) in legend.enumerated() {
      let row = top + Self.legendInset + Double(index) * Self.legendRow
      let colour = legendColours?[index] ?? Self.palette[index % Self.palette.count]
      parts.append(
        ##"<rect x="\##(format(left + plotWidth - legendWidth))" y="\##(format(row))" width="10" height="10" fill="\##(colour)"/>"##
      )
      parts.append(
        ##"<text x="\##(format(left + plotWidth - legendWidth + 16))" y="\##(format(row + 9))">\##(escaped(name))</text>"##
      )
    }
    parts.append("</svg>")
    return parts.joined(separator: "\n") + "\n"
  }
}

/// About five round tick values covering `range`.
func niceTicks(_ range: ClosedRange<Double>) -> [Double] {
  let span = range.upperBound - range.lowerBound
  guard span > 0, span.isFinite else { return [range.lowerBound] }
  let rough = span / 5
  let magnitude = pow(10, (log10(rough)).rounded(.down))
  let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
  var ticks: [Double] = []
  var value = (range.lowerBound / step).rounded(.up) * step
  while value <= range.upperBound + step * 1e-9 {
    ticks.append(value)
    value += step
  }
  return ticks
}

/// A compact tick label: up to 3 significant decimals, no trailing zeros.
func tickLabel(_ value: Double) -> String {
  let text = String(format: "%.3g", value)
  return text == "-0" ? "0" : text
}

/// A coordinate with two decimals.
func format(_ value: Double) -> String { String(format: "%.2f", value) }

/// Text safe inside an SVG element or attribute.
func escaped(_ text: String) -> String {
  text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
