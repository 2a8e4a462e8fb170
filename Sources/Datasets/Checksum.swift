internal import CZlib

/// The CRC-32 (zlib's, as in gzip and PNG) of `bytes`: the integrity check of model files.
public func crc32Checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
  bytes.withUnsafeBufferPointer { buffer in
    guard let base = buffer.baseAddress else { return 0 }
    var crc: UInt = 0
    var offset = 0
    // zlib takes 32-bit lengths: feed larger inputs in pieces.
    while offset < buffer.count {
      let length = min(buffer.count - offset, Int(UInt32.max))
      crc = crc32(crc, base + offset, UInt32(length))
      offset += length
    }
    return UInt32(crc)
  }
}
