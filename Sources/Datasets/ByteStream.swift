internal import CZlib
import Foundation

/// The bytes of a file read a block at a time, inflated on the way when gzip-compressed (its
/// first two bytes are gzip's magic `1f 8b`), so that memory stays flat however large the file.
///
/// A caller that knows how many bytes it needs (an IDX header says so) never holds more than
/// that: a small compressed file cannot make it allocate gigabytes. Concatenated gzip members
/// are read one after another; anything else after a member, or a stream cut short, is a
/// ``DatasetError/corruptGzip(file:reason:)``.
public final class ByteStream {
  /// The file's name in errors.
  public let file: String
  /// What the file is, in errors ("no such model file").
  private let kind: String
  private var source: Source
  private let inflater: Inflater?
  /// Raw bytes read from the source but not yet consumed (by the inflater, or by `read`).
  private var pending: [UInt8] = []
  private var pendingStart = 0
  /// The file offset of `pending[0]`.
  private var pendingOffset = 0
  private var sourceEnded = false
  /// The bytes given in memory, handed out a block at a time (as a file would be).
  private var memory: [UInt8] = []
  private var memoryPosition = 0

  /// Bytes read from the file per system call by default.
  public static let defaultBlockSize = 1 << 20
  /// Bytes read from the file per system call (and per ``CSVReader`` refill).
  public let blockSize: Int

  private enum Source {
    case descriptor(Int32)
    case memory
  }

  /// Opens `file`: a regular file or a pipe (see ``InputFile``); `kind` names it in errors.
  public init(contentsOf file: String, kind: String = "file", blockSize: Int = ByteStream.defaultBlockSize) throws {
    self.file = file
    self.kind = kind
    self.blockSize = max(blockSize, 2)
    let descriptor = try InputFile.open(file, kind: kind)
    source = .descriptor(descriptor)
    var first: [UInt8] = []
    var ended = false
    do {
      try Self.fill(
        &first, from: descriptor, file: file, kind: kind, block: max(blockSize, 2), atLeast: 2, ended: &ended)
      inflater = first.starts(with: [0x1F, 0x8B]) ? try Inflater(file: file) : nil
    } catch {
      close(descriptor)
      throw error
    }
    pending = first
    sourceEnded = ended
  }

  /// Reads `bytes` as if from `file`, `blockSize` of them at a time.
  public init(bytes: [UInt8], file: String, blockSize: Int = ByteStream.defaultBlockSize) throws {
    self.file = file
    kind = "file"
    self.blockSize = max(blockSize, 2)
    source = .memory
    inflater = bytes.starts(with: [0x1F, 0x8B]) ? try Inflater(file: file) : nil
    memory = bytes
    _ = refillFromMemory()
  }

  deinit {
    if case .descriptor(let descriptor) = source { close(descriptor) }
  }

  /// Whether the input is gzip-compressed.
  public var isCompressed: Bool { inflater != nil }

  /// Appends up to `count` more bytes of the (inflated) content to `buffer`; returns how many,
  /// fewer than `count` only at the end of the content (0 once it is over).
  @discardableResult
  public func read(into buffer: inout [UInt8], upTo count: Int) throws -> Int {
    var appended = 0
    while appended < count {
      if pendingStart == pending.count {
        guard try refill() else {
          if let inflater, !inflater.betweenMembers {
            throw DatasetError.corruptGzip(file: file, reason: "unexpected end of file")
          }
          break
        }
      }
      if let inflater {
        appended += try inflater.inflate(
          pending, from: &pendingStart, offset: pendingOffset, into: &buffer, upTo: count - appended)
      } else {
        let take = min(count - appended, pending.count - pendingStart)
        buffer.append(contentsOf: pending[pendingStart..<(pendingStart + take)])
        pendingStart += take
        appended += take
      }
    }
    return appended
  }

  /// Up to `count` more bytes of the content, fewer only at its end.
  public func read(upTo count: Int) throws -> [UInt8] {
    var bytes: [UInt8] = []
    try read(into: &bytes, upTo: count)
    return bytes
  }

  /// Reads the next block of raw bytes into `pending`; false at the end of the source.
  private func refill() throws -> Bool {
    guard !sourceEnded, case .descriptor(let descriptor) = source else { return refillFromMemory() }
    pendingOffset += pending.count
    pending.removeAll(keepingCapacity: true)
    pendingStart = 0
    try Self.fill(&pending, from: descriptor, file: file, kind: kind, block: blockSize, atLeast: 1, ended: &sourceEnded)
    return !pending.isEmpty
  }

  /// Moves the next block of the bytes given in memory into `pending`; false when none is left.
  private func refillFromMemory() -> Bool {
    guard memoryPosition < memory.count else { return false }
    pendingOffset += pending.count
    let end = min(memory.count, memoryPosition + blockSize)
    pending = Array(memory[memoryPosition..<end])
    pendingStart = 0
    memoryPosition = end
    return true
  }

  /// Appends at least `minimum` bytes (unless the source ends first) from `descriptor`, a block at a time.
  private static func fill(
    _ bytes: inout [UInt8], from descriptor: Int32, file: String, kind: String, block blockSize: Int,
    atLeast minimum: Int, ended: inout Bool
  ) throws {
    let start = bytes.count
    while bytes.count - start < minimum {
      let before = bytes.count
      bytes.append(contentsOf: repeatElement(0, count: blockSize))
      let count = bytes.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress! + before, blockSize) }
      if count < 0 {
        bytes.removeLast(blockSize)
        if errno == EINTR { continue }
        throw DatasetError.unreadable(file: file, reason: InputFile.reason(errno, kind))
      }
      bytes.removeLast(blockSize - count)
      if count == 0 {
        ended = true
        return
      }
    }
  }
}

/// One zlib inflate stream (gzip framing), reused across concatenated members.
private final class Inflater {
  private var stream = z_stream()
  private let file: String
  /// Whether the last member ended and no other has started yet.
  private(set) var betweenMembers = false

  init(file: String) throws {
    self.file = file
    // 15 + 16: a 32 KiB window and gzip (not zlib) framing.
    guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
      throw DatasetError.corruptGzip(file: file, reason: "zlib could not start inflating")
    }
  }

  deinit { inflateEnd(&stream) }

  /// Inflates from `input[position...]` (which starts at byte `offset` of the file) onto
  /// `output` until `count` bytes are out or that input is consumed (the caller reads the next
  /// block, or finds the file's end). Returns the bytes produced.
  func inflate(
    _ input: [UInt8], from position: inout Int, offset: Int, into output: inout [UInt8], upTo count: Int
  ) throws -> Int {
    var produced = 0
    let chunk = 1 << 16
    while produced < count {
      guard position < input.count else { return produced }
      if betweenMembers {
        // After a member: another member (its magic may straddle two blocks), or the file's end.
        guard input[position] == 0x1F, position + 1 >= input.count || input[position + 1] == 0x8B else {
          throw DatasetError.corruptGzip(
            file: file, reason: "bytes after the end of the gzip stream, from byte \(offset + position)")
        }
        inflateReset(&stream)
        betweenMembers = false
      }
      let wanted = min(chunk, count - produced)
      let start = output.count
      output.append(contentsOf: repeatElement(0, count: wanted))
      let (status, consumed, made) = input.withUnsafeBufferPointer { inputBuffer in
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
      output.removeLast(wanted - made)
      produced += made
      switch status {
      case Z_STREAM_END: betweenMembers = true
      case Z_OK, Z_BUF_ERROR: break
      default:
        let message = stream.msg.map { String(cString: $0) } ?? "error \(status)"
        throw DatasetError.corruptGzip(file: file, reason: message)
      }
      if made == 0 && consumed == 0 && !betweenMembers {
        throw DatasetError.corruptGzip(file: file, reason: "zlib made no progress on the input")
      }
    }
    return produced
  }
}
