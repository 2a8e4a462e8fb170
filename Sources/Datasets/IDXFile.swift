/// A file in the IDX format of MNIST and Fashion-MNIST (optionally gzip-compressed).
///
/// Layout: two zero bytes, a type byte (`0x08` = unsigned byte, the only type these data sets
/// use), the number of dimensions, one big-endian `UInt32` per dimension, then the payload.
public struct IDXFile: Sendable {
  /// Size of each dimension, outermost first (e.g. `[60000, 28, 28]`).
  public var dimensions: [Int]
  /// The payload, row-major.
  public var values: [UInt8]

  /// Reads and validates `file`.
  public init(contentsOf file: String) throws {
    let bytes = try readPossiblyCompressedFile(file)
    try self.init(bytes: bytes, file: file)
  }

  /// Parses IDX `bytes` as if read from `file`.
  public init(bytes: [UInt8], file: String) throws {
    guard bytes.count >= 4 else {
      if bytes.isEmpty { throw DatasetError.emptyFile(file: file) }
      throw DatasetError.truncatedIDX(file: file, byteOffset: 0, expectedBytes: 4, foundBytes: bytes.count)
    }
    guard bytes[0] == 0, bytes[1] == 0 else {
      throw DatasetError.notIDX(file: file, byteOffset: 0, reason: "the first two bytes must be zero")
    }
    guard bytes[2] == 0x08 else {
      throw DatasetError.notIDX(
        file: file, byteOffset: 2, reason: "element type 0x\(String(bytes[2], radix: 16)) is not unsigned byte (0x08)")
    }
    let rank = Int(bytes[3])
    guard (1...4).contains(rank) else {
      throw DatasetError.notIDX(file: file, byteOffset: 3, reason: "\(rank) dimensions (expected 1 to 4)")
    }
    let headerSize = 4 + 4 * rank
    guard bytes.count >= headerSize else {
      throw DatasetError.truncatedIDX(file: file, byteOffset: 4, expectedBytes: headerSize, foundBytes: bytes.count)
    }
    dimensions = (0..<rank).map { d in
      (0..<4).reduce(0) { $0 << 8 | Int(bytes[4 + 4 * d + $1]) }
    }
    let payload = dimensions.reduce(1, *)
    guard bytes.count - headerSize >= payload else {
      throw DatasetError.truncatedIDX(
        file: file, byteOffset: headerSize, expectedBytes: payload, foundBytes: bytes.count - headerSize)
    }
    guard bytes.count - headerSize == payload else {
      throw DatasetError.notIDX(
        file: file, byteOffset: headerSize + payload,
        reason: "\(bytes.count - headerSize - payload) bytes after the \(payload)-byte payload")
    }
    values = Array(bytes[headerSize...])
  }
}
