import Foundation

/// A file in the IDX format of MNIST and Fashion-MNIST (optionally gzip-compressed).
///
/// Layout: two zero bytes, a type byte (`0x08` = unsigned byte, the only type these data sets
/// use), the number of dimensions, one big-endian `UInt32` per dimension, then the payload.
public struct IDXFile: Sendable {
  /// Size of each dimension, outermost first (e.g. `[60000, 28, 28]`).
  public var dimensions: [Int]
  /// The payload, row-major.
  public var values: [UInt8]

  /// The largest payload read by default: 1/24 of this machine's memory, so that the float
  /// copies a training run makes of it (four bytes per value, about three times over) stay
  /// within half of the memory. Fashion-MNIST's training images are 47 MB.
  public static var defaultPayloadLimit: Int { Int(clamping: ProcessInfo.processInfo.physicalMemory / 24) }

  /// Reads and validates `file`. The header's sizes are checked (no overflow, at most
  /// `payloadLimit` bytes) before any payload is read, and only as many bytes as the header
  /// announces are inflated, so a damaged or hostile header cannot make the reader allocate
  /// beyond the limit.
  public init(contentsOf file: String, payloadLimit: Int = IDXFile.defaultPayloadLimit) throws {
    let reader = try ByteStream(contentsOf: file)
    try self.init(reader: reader, file: file, payloadLimit: payloadLimit)
  }

  /// Parses IDX `bytes` (gzip-compressed or not) as if read from `file`.
  public init(bytes: [UInt8], file: String, payloadLimit: Int = IDXFile.defaultPayloadLimit) throws {
    let reader = try ByteStream(bytes: bytes, file: file)
    try self.init(reader: reader, file: file, payloadLimit: payloadLimit)
  }

  private init(reader: ByteStream, file: String, payloadLimit: Int) throws {
    let start = try reader.read(upTo: 4)
    guard start.count == 4 else {
      if start.isEmpty { throw DatasetError.emptyFile(file: file) }
      throw DatasetError.truncatedIDX(file: file, byteOffset: 0, expectedBytes: 4, foundBytes: start.count)
    }
    guard start[0] == 0, start[1] == 0 else {
      throw DatasetError.notIDX(file: file, byteOffset: 0, reason: "the first two bytes must be zero")
    }
    guard start[2] == 0x08 else {
      throw DatasetError.notIDX(
        file: file, byteOffset: 2, reason: "element type 0x\(String(start[2], radix: 16)) is not unsigned byte (0x08)")
    }
    let rank = Int(start[3])
    guard (1...4).contains(rank) else {
      throw DatasetError.notIDX(file: file, byteOffset: 3, reason: "\(rank) dimensions (expected 1 to 4)")
    }
    let headerSize = 4 + 4 * rank
    let sizes = try reader.read(upTo: 4 * rank)
    guard sizes.count == 4 * rank else {
      throw DatasetError.truncatedIDX(file: file, byteOffset: 4, expectedBytes: headerSize, foundBytes: 4 + sizes.count)
    }
    dimensions = (0..<rank).map { d in (0..<4).reduce(0) { $0 << 8 | Int(sizes[4 * d + $1]) } }
    // Each dimension is below 2³², so the product of up to four overflows only past 2⁶³: checked.
    let shape = dimensions.map(String.init).joined(separator: " × ")
    var payload = 1
    for dimension in dimensions {
      let (product, overflow) = payload.multipliedReportingOverflow(by: dimension)
      guard !overflow else {
        throw DatasetError.tooLarge(file: file, what: "an IDX payload of \(shape) bytes", limitBytes: payloadLimit)
      }
      payload = product
    }
    guard payload <= payloadLimit else {
      throw DatasetError.tooLarge(
        file: file, what: "an IDX payload of \(payload) bytes (\(shape))", limitBytes: payloadLimit)
    }
    values = try reader.read(upTo: payload)
    guard values.count == payload else {
      throw DatasetError.truncatedIDX(
        file: file, byteOffset: headerSize, expectedBytes: payload, foundBytes: values.count)
    }
    let trailing = try reader.read(upTo: 1 << 20)
    guard trailing.isEmpty else {
      throw DatasetError.notIDX(
        file: file, byteOffset: headerSize + payload,
        reason:
          "\(trailing.count == 1 << 20 ? "more than \(trailing.count)" : "\(trailing.count)") bytes after the \(payload)-byte payload"
      )
    }
  }
}
