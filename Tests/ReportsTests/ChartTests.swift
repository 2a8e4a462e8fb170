import Foundation
import Testing

@testable import Reports

#if canImport(FoundationXML)
import FoundationXML
#endif

/// The charts are well-formed XML with the expected marks.
@Suite struct ChartTests {
  /// Parses `svg` as XML and counts elements by name (and `class` attribute when given).
  final class Counter: NSObject, XMLParserDelegate {
    var elements: [String: Int] = [:]
    func parser(
      _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
      attributes: [String: String] = [:]
    ) {
      elements[name, default: 0] += 1
      if let kind = attributes["class"] { elements[name + "." + kind, default: 0] += 1 }
    }
  }

  func parse(_ svg: String) -> [String: Int]? {
    let parser = XMLParser(data: Data(svg.utf8))
    let counter = Counter()
    parser.delegate = counter
    return parser.parse() ? counter.elements : nil
  }

  @Test func barChartHasOneBarPerCategoryAndSeries() throws {
    let chart = BarChart(
      title: "Class priors <source & target>", categories: ["A", "B", "C"],
      series: [("source", [0.3, 0.3, 0.4]), ("estimated", [0.5, 0.2, 0.3])], yLabel: "share")
    let elements = try #require(parse(chart.svg))
    #expect(elements["svg"] == 1)
    #expect(elements["rect.bar"] == 6)
    #expect(chart.svg.contains("Class priors &lt;source &amp; target&gt;"))
  }

  @Test func histogramCountsEveryValue() throws {
    let values = (0..<1000).map { Double($0 % 100) / 10 }
    let histogram = Histogram(title: "Weights", values: values + [.nan], binCount: 10, xLabel: "weight")
    #expect(histogram.counts.reduce(0, +) == 1000)
    #expect(histogram.counts == [Int](repeating: 100, count: 10))
    let elements = try #require(parse(histogram.svg))
    #expect(elements["rect.bar"] == 10)
  }

  @Test func lineChartDrawsSeriesAndTheDiagonal() throws {
    let chart = LineChart(
      title: "Calibration", series: [("before", [(0.1, 0.2), (0.5, 0.4), (0.9, 0.95)]), ("after", [(0.2, 0.2)])],
      xLabel: "confidence", yLabel: "accuracy", diagonal: true)
    let elements = try #require(parse(chart.svg))
    #expect(elements["polyline.series"] == 1)  // a one-point series is drawn as a dot only
    #expect(elements["circle"] == 4)
    #expect(elements["line"] != nil)
  }

  @Test func ticksAreRound() {
    #expect(
      zip(niceTicks(0...1), [0, 0.2, 0.4, 0.6, 0.8, 1]).allSatisfy { abs($0 - $1) < 1e-12 }
        && niceTicks(0...1).count == 6)
    #expect(niceTicks(0...37).first == 0 && niceTicks(0...37).last == 30)
    #expect(tickLabel(0.30000000000000004) == "0.3")
  }
}
