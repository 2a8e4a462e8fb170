internal import CZlib
import Foundation

/// Gzip compression of a file's bytes in memory (zlib's deflate with gzip framing): what writes
/// a `.gz` output. Reading needs nothing of it: ``ByteStream`` inflates any gzip input.
public enum Gzip {
  /// `bytes` as one gzip member, at zlib's `level` (1: fastest … 9: smallest).
  public static func compressed(_ bytes: Data, level: Int32 = 1) throws -> Data {
    guard bytes.count < Int(UInt32.max) / 2 else {
      throw DatasetError.invalidArgument("\(bytes.count) bytes are too many to compress in one piece")
    }
    var stream = z_stream()
    // 15 + 16: a 32 KiB window and gzip (not zlib) framing; 8: zlib's default memory level.
    guard
      deflateInit2_(
        &stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
        Int32(MemoryLayout<z_stream>.size)) == Z_OK
    else { throw DatasetError.invalidArgument("zlib could not start compressing") }
    defer { deflateEnd(&stream) }
    var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 64)
    let status = bytes.withUnsafeBytes { input in
      output.withUnsafeMutableBytes { out in
        stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: UInt8.self).baseAddress)
        stream.avail_in = UInt32(input.count)
        stream.next_out = out.bindMemory(to: UInt8.self).baseAddress
        stream.avail_out = UInt32(out.count)
        return deflate(&stream, Z_FINISH)
      }
    }
    guard status == Z_STREAM_END else {
      throw DatasetError.invalidArgument("zlib could not compress \(bytes.count) bytes (status \(status))")
    }
    return Data(output[..<Int(stream.total_out)])
  }
}
