import Foundation
import LinearAlgebra

/// A CSV field, quoted (with doubled inner quotes) when it holds a comma, a quote or a line break.
public func csvEscaped(_ text: String) -> String {
  guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
  return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

/// A one-column CSV text: the header `name`, then one value per line (shortest round-tripping
/// decimal form), as for a `weight` per source row.
public func csvColumn(_ name: String, _ values: [Double]) -> String {
  csvEscaped(name) + "\n" + values.map { "\($0)\n" }.joined()
}

extension Dataset {
  /// The data set as CSV text readable by ``CSVTable``: a header of the label column (when
  /// `includeLabels`) and the feature names, then one row per example with the class name and
  /// the features (shortest round-tripping decimal form).
  public func csvText(labelColumn: String, includeLabels: Bool = true) -> String {
    var lines: [String] = []
    lines.reserveCapacity(count + 1)
    lines.append(((includeLabels ? [labelColumn] : []) + featureNames).map(csvEscaped).joined(separator: ","))
    let names = classes.names.map(csvEscaped)
    for row in 0..<count {
      let values = features.row(row).map { $0 == $0.rounded() && abs($0) < 1e7 ? String(Int($0)) : String($0) }
      lines.append(((includeLabels ? [names[labels[row]]] : []) + values).joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
