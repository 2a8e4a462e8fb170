internal import CZlib
import Foundation

/// The bytes of a file, inflated on demand when it is gzip-compressed (its first two bytes are
/// gzip's magic `1f 8b`), read as they are otherwise.
///
/// Output is produced as it is asked for, so a caller that knows how many bytes it needs (an IDX
/// header says so) never holds more than that: a small compressed file cannot make it allocate
/// gigabytes. Concatenated gzip members are read one after another; anything else after a
/// member, or a stream cut short, is a ``DatasetError/corruptGzip(file:reason:)``.
struct DecompressingReader {
  private let file: String
  private let compressed: [UInt8]
  private var inflater: Inflater?
  private var position = 0

  /// Reads `file` (its compressed bytes, if compressed), if at most `limit` bytes long.
  init(contentsOf file: String, limit: Int = InputFile.limit) throws {
    try self.init(bytes: try InputFile.read(file, limit: limit), file: file)
  }

  /// Reads `bytes` as if from `file`.
  init(bytes: [UInt8], file: String) throws {
    self.file = file
    compressed = bytes
    if bytes.starts(with: [0x1F, 0x8B]) { inflater = try Inflater(file: file) }
  }

  /// Whether the input was gzip-compressed.
  var isCompressed: Bool { inflater != nil }

  /// Up to `count` more bytes of the (inflated) content; fewer only at its end.
  mutating func read(upTo count: Int) throws -> [UInt8] {
    guard let inflater else {
      let end = min(compressed.count, position + min(count, compressed.count - position))
      defer { position = end }
      return Array(compressed[position..<end])
    }
    return try inflater.inflate(compressed, from: &position, upTo: count)
  }
}

/// One zlib inflate stream (gzip framing), reused across concatenated members.
private final class Inflater {
  private var stream = z_stream()
  private let file: String
  private var finished = false

  init(file: String) throws {
    self.file = file
    // 15 + 16: a 32 KiB window and gzip (not zlib) framing.
    guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
      throw DatasetError.corruptGzip(file: file, reason: "zlib could not start inflating")
    }
  }

  deinit { inflateEnd(&stream) }

  /// Inflates from `input[position...]` until `count` bytes are out or the input ends.
  func inflate(_ input: [UInt8], from position: inout Int, upTo count: Int) throws -> [UInt8] {
    var output: [UInt8] = []
    let chunk = 1 << 16
    while output.count < count {
      if finished {
        // After a member: another member, or the end of the file.
        guard position < input.count else { break }
        guard input[position...].starts(with: [0x1F, 0x8B]) else {
          throw DatasetError.corruptGzip(
            file: file, reason: "\(input.count - position) bytes after the end of the gzip stream")
        }
        inflateReset(&stream)
        finished = false
      }
      let wanted = min(chunk, count - output.count)
      let start = output.count
      output.append(contentsOf: repeatElement(0, count: wanted))
      let (status, consumed, produced) = input.withUnsafeBufferPointer { inputBuffer in
        output.withUnsafeMutableBufferPointer { outputBuffer in
          let available = inputBuffer.count - position
          stream.next_in = UnsafeMutablePointer(mutating: inputBuffer.baseAddress.map { $0 + position })
          stream.avail_in = UInt32(min(available, Int(UInt32.max)))
          stream.next_out = outputBuffer.baseAddress.map { $0 + start }
          stream.avail_out = UInt32(wanted)
          let before = (stream.avail_in, stream.avail_out)
          let status = CZlib.inflate(&stream, Z_NO_FLUSH)
          return (status, Int(before.0 - stream.avail_in), Int(before.1 - stream.avail_out))
        }
      }
      position += consumed
      output.removeLast(wanted - produced)
      switch status {
      case Z_STREAM_END: finished = true
      case Z_OK: break
      case Z_BUF_ERROR where position >= input.count:
        throw DatasetError.corruptGzip(file: file, reason: "unexpected end of file")
      case Z_BUF_ERROR: break
      default:
        let message = stream.msg.map { String(cString: $0) } ?? "error \(status)"
        throw DatasetError.corruptGzip(file: file, reason: message)
      }
      if produced == 0 && consumed == 0 && !finished {
        throw DatasetError.corruptGzip(file: file, reason: "unexpected end of file")
      }
    }
    return output
  }
}
