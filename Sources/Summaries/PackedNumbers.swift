import Foundation

/// Long arrays of numbers in a summary's JSON as one base64 string of their little-endian bytes.
///
/// A profile holds millions of sampled values; as JSON numbers, Foundation's coder spends about
/// 4 s per 12 MB profile decoding and encoding them one by one, where the packed bytes take
/// milliseconds. The bytes are the values' bit patterns, so floats come back bit for bit.
extension KeyedEncodingContainer {
  /// Encodes `values` packed (see `PackedNumbers`).
  public mutating func encodePacked<T: FixedWidthInteger>(_ values: [T], forKey key: Key) throws {
    try encode(PackedNumbers.string(values), forKey: key)
  }

  /// Encodes `values`' bit patterns packed.
  public mutating func encodePacked(_ values: [Float], forKey key: Key) throws {
    try encodePacked(values.map(\.bitPattern), forKey: key)
  }
}

extension KeyedDecodingContainer {
  /// Decodes integers packed by `encodePacked`, throwing unless the string is base64 of whole values.
  public func decodePacked<T: FixedWidthInteger>(_ type: [T].Type, forKey key: Key) throws -> [T] {
    let text = try decode(String.self, forKey: key)
    guard let values = PackedNumbers.values(T.self, from: text) else {
      throw DecodingError.dataCorruptedError(
        forKey: key, in: self, debugDescription: "not base64 of \(MemoryLayout<T>.size)-byte numbers")
    }
    return values
  }

  /// Decodes floats packed by `encodePacked`.
  public func decodePacked(_ type: [Float].Type, forKey key: Key) throws -> [Float] {
    try decodePacked([UInt32].self, forKey: key).map(Float.init(bitPattern:))
  }
}

/// The packing itself: base64 of little-endian bytes.
enum PackedNumbers {
  /// `values` as base64 of their little-endian bytes.
  static func string<T: FixedWidthInteger>(_ values: [T]) -> String {
    values.map(\.littleEndian).withUnsafeBytes { Data($0).base64EncodedString() }
  }

  /// The values `string` packs, or nil unless it is base64 of a whole number of them.
  static func values<T: FixedWidthInteger>(_ type: T.Type, from string: String) -> [T]? {
    guard let data = Data(base64Encoded: string), data.count % MemoryLayout<T>.size == 0 else { return nil }
    var values = [T](repeating: 0, count: data.count / MemoryLayout<T>.size)
    values.withUnsafeMutableBytes { buffer in _ = data.copyBytes(to: buffer) }
    return values.map(T.init(littleEndian:))
  }
}
