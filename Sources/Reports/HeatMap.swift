import Foundation

/// A grid of cells coloured by value (white at 0 to dark at the largest value), one row per
/// row label and one column per column label, each cell titled with its value: a drift strip
/// (features × chunks) or a confusion matrix (true × predicted class).
public struct HeatMap: Sendable {
  /// The chart's title.
  public var title: String
  /// The rows' labels, top to bottom.
  public var rowLabels: [String]
  /// The columns' labels, left to right.
  public var columnLabels: [String]
  /// `values[row][column]`; NaN draws a grey cell (no value).
  public var values: [[Double]]
  /// The axes' captions.
  public var xLabel: String
  /// See ``xLabel``.
  public var yLabel: String
  /// The value of the darkest colour (default: the largest value).
  public var maximum: Double?
  /// Whether each cell prints its value (legible up to about 30 columns).
  public var printsValues: Bool

  /// A heat map; every row has one value per column.
  public init(
    title: String, rowLabels: [String], columnLabels: [String], values: [[Double]], xLabel: String, yLabel: String,
    maximum: Double? = nil, printsValues: Bool = false
  ) {
    precondition(
      values.count == rowLabels.count && values.allSatisfy { $0.count == columnLabels.count }, "one value per cell")
    self.title = title
    self.rowLabels = rowLabels
    self.columnLabels = columnLabels
    self.values = values
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.maximum = maximum
    self.printsValues = printsValues
  }

  /// The colour of `share` ∈ [0, 1] on a white-to-dark-red scale.
  static func colour(_ share: Double) -> String {
    let t = min(max(share, 0), 1)
    // White (255, 255, 255) → orange (253, 141, 60) → dark red (128, 0, 38).
    let (r, g, b): (Double, Double, Double) =
      t < 0.5
      ? (255 - 2 * t * 2, 255 - 2 * t * 114, 255 - 2 * t * 195)
      : (253 - (t - 0.5) * 2 * 125, 141 - (t - 0.5) * 2 * 141, 60 - (t - 0.5) * 2 * 22)
    return String(format: "#%02X%02X%02X", Int(r.rounded()), Int(g.rounded()), Int(b.rounded()))
  }

  /// The SVG document.
  public var svg: String {
    let labelWidth = min(Double((rowLabels.map(\.count).max() ?? 4)) * 7 + 16, 220)
    let cell = max(min(560 / Double(max(columnLabels.count, 1)), 36), 6)
    let rowHeight = max(min(cell, 22), 12)
    let top = 44.0
    let width = labelWidth + cell * Double(columnLabels.count) + 90
    let height = top + rowHeight * Double(rowLabels.count) + 70
    let largest = maximum ?? (values.joined().filter(\.isFinite).max() ?? 1)
    var parts = [
      ##"<?xml version="1.0" encoding="UTF-8"?>"##,
      ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(format(width))" height="\##(format(height))" viewBox="0 0 \##(format(width)) \##(format(height))" font-family="Helvetica, Arial, sans-serif" font-size="11">"##,
      ##"<rect width="100%" height="100%" fill="white"/>"##,
      ##"<text x="\##(format(width / 2))" y="22" text-anchor="middle" font-size="15">\##(escaped(title))</text>"##,
    ]
    for (row, label) in rowLabels.enumerated() {
      let y = top + Double(row) * rowHeight
      parts.append(
        ##"<text x="\##(format(labelWidth - 6))" y="\##(format(y + rowHeight / 2 + 4))" text-anchor="end">\##(escaped(label))</text>"##
      )
      for (column, value) in values[row].enumerated() {
        let x = labelWidth + Double(column) * cell
        let fill = value.isFinite ? Self.colour(largest > 0 ? value / largest : 0) : "#d9d9d9"
        let caption = "\(label), \(columnLabels[column]): \(value.isFinite ? tickLabel(value) : "no value")"
        parts.append(
          ##"<rect class="cell" x="\##(format(x))" y="\##(format(y))" width="\##(format(cell))" height="\##(format(rowHeight))" fill="\##(fill)" stroke="white"><title>\##(escaped(caption))</title></rect>"##
        )
        if printsValues, value.isFinite, cell >= 22 {
          let ink = largest > 0 && value / largest > 0.6 ? "white" : "black"
          parts.append(
            ##"<text x="\##(format(x + cell / 2))" y="\##(format(y + rowHeight / 2 + 4))" text-anchor="middle" font-size="9" fill="\##(ink)">\##(escaped(String(format: value >= 100 ? "%.0f" : "%.2g", value)))</text>"##
          )
        }
      }
    }
    let bottom = top + rowHeight * Double(rowLabels.count)
    let every = max(1, Int((40 / cell).rounded(.up)))
    for (column, label) in columnLabels.enumerated() where column % every == 0 {
      parts.append(
        ##"<text x="\##(format(labelWidth + (Double(column) + 0.5) * cell))" y="\##(format(bottom + 14))" text-anchor="middle">\##(escaped(label))</text>"##
      )
    }
    parts.append(
      ##"<text x="\##(format(labelWidth + cell * Double(columnLabels.count) / 2))" y="\##(format(bottom + 36))" text-anchor="middle" font-size="12">\##(escaped(xLabel))</text>"##
    )
    parts.append(
      ##"<text x="14" y="\##(format(top + (bottom - top) / 2))" text-anchor="middle" font-size="12" transform="rotate(-90 14 \##(format(top + (bottom - top) / 2)))">\##(escaped(yLabel))</text>"##
    )
    // The colour scale: five steps from 0 to the largest value.
    let scaleX = labelWidth + cell * Double(columnLabels.count) + 20
    for step in 0...4 {
      let share = Double(step) / 4
      let y = top + Double(4 - step) * 16
      parts.append(
        ##"<rect x="\##(format(scaleX))" y="\##(format(y))" width="14" height="16" fill="\##(Self.colour(share))" stroke="#999"/>"##
      )
      parts.append(
        ##"<text x="\##(format(scaleX + 18))" y="\##(format(y + 12))">\##(escaped(tickLabel(share * largest)))</text>"##
      )
    }
    parts.append("</svg>")
    return parts.joined(separator: "\n") + "\n"
  }
}
