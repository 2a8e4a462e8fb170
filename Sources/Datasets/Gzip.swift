internal import CZlib
import Foundation

/// Reads a whole file, inflating it when it is gzip-compressed (zlib reads plain files as is).
func readPossiblyCompressedFile(_ file: String) throws -> [UInt8] {
  guard FileManager.default.isReadableFile(atPath: file) else {
    throw DatasetError.unreadable(
      file: file, reason: FileManager.default.fileExists(atPath: file) ? "permission denied" : "no such file")
  }
  guard let handle = gzopen(file, "rb") else {
    throw DatasetError.unreadable(file: file, reason: String(cString: strerror(errno)))
  }
  defer { gzclose(handle) }
  gzbuffer(handle, 1 << 20)
  var output = [UInt8]()
  var chunk = 1 << 22
  while true {
    let start = output.count
    output.append(contentsOf: repeatElement(0, count: chunk))
    let read = output.withUnsafeMutableBytes { buffer in
      gzread(handle, buffer.baseAddress! + start, UInt32(chunk))
    }
    var code: Int32 = Z_OK
    let message = String(cString: gzerror(handle, &code))
    if read < 0 || (code != Z_OK && code != Z_STREAM_END) {
      throw DatasetError.corruptGzip(file: file, reason: code == Z_BUF_ERROR ? "unexpected end of file" : message)
    }
    output.removeLast(chunk - Int(read))
    if Int(read) < chunk { break }
    chunk = min(chunk * 2, 1 << 26)
  }
  return output
}
