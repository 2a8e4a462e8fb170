import Foundation

/// Reading a whole input file into memory, with errors that say what is wrong with the path.
public enum InputFile {
  /// The most bytes read from one input: a quarter of this machine's memory. A regular file
  /// larger than this is refused before it is read; a pipe is read up to it.
  public static var limit: Int { Int(clamping: ProcessInfo.processInfo.physicalMemory / 4) }

  /// The bytes of `path`: a regular file, or a pipe (`<(gunzip -c data.csv.gz)`) read to its end.
  /// Directories and devices are refused (`/dev/zero` would never end), and so is anything
  /// larger than `limit` bytes. `kind` names the file in the errors ("no such model file").
  public static func read(_ path: String, kind: String = "file", limit: Int = InputFile.limit) throws -> [UInt8] {
    let descriptor = try open(path, kind: kind)
    defer { close(descriptor) }
    var capacity = 1 << 16
    if let size = regularFileSize(descriptor) {
      guard size <= limit else {
        throw DatasetError.tooLarge(file: path, what: "a \(kind) of \(size) bytes", limitBytes: limit)
      }
      capacity = size + 1  // one spare byte, so that a file that grew is read on to its end
    }
    var bytes = [UInt8]()
    bytes.reserveCapacity(capacity)
    var chunk = [UInt8](repeating: 0, count: min(capacity, 1 << 20))
    while true {
      let count = chunk.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        throw DatasetError.unreadable(file: path, reason: reason(errno, kind))
      }
      if count == 0 { return bytes }
      guard bytes.count <= limit - count else {
        throw DatasetError.tooLarge(file: path, what: "an input of more than \(limit) bytes", limitBytes: limit)
      }
      bytes.append(contentsOf: chunk[..<count])
    }
  }

  /// The content of `path` inflated when it is gzip-compressed (``ByteStream``), at most
  /// `limit` bytes of it (a small compressed file cannot make it allocate more).
  public static func readInflated(_ path: String, kind: String = "file", limit: Int = InputFile.limit) throws
    -> [UInt8]
  {
    let stream = try ByteStream(contentsOf: path, kind: kind)
    var bytes: [UInt8] = []
    while try stream.read(into: &bytes, upTo: stream.blockSize) > 0 {
      guard bytes.count <= limit else {
        throw DatasetError.tooLarge(file: path, what: "a \(kind) of more than \(limit) bytes", limitBytes: limit)
      }
    }
    return bytes
  }

  /// A read-only descriptor of `path`, which must be a regular file, a pipe or a socket
  /// (directories and devices are refused: `/dev/zero` would never end). The caller closes it.
  static func open(_ path: String, kind: String) throws -> Int32 {
    let descriptor = Foundation.open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw DatasetError.unreadable(file: path, reason: reason(errno, kind)) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else {
      let code = errno
      close(descriptor)
      throw DatasetError.unreadable(file: path, reason: reason(code, kind))
    }
    switch status.st_mode & S_IFMT {
    case S_IFREG, S_IFIFO, S_IFSOCK:
      return descriptor
    case S_IFDIR:
      close(descriptor)
      throw DatasetError.unreadable(file: path, reason: "a directory, not a \(kind)")
    default:
      close(descriptor)
      throw DatasetError.unreadable(file: path, reason: "a device, not a \(kind)")
    }
  }

  /// The size of the regular file open as `descriptor` (nil for a pipe or socket).
  private static func regularFileSize(_ descriptor: Int32) -> Int? {
    var status = stat()
    guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
    return Int(status.st_size)
  }

  /// The user's words for an `open`/`read` failure.
  static func reason(_ code: Int32, _ kind: String) -> String {
    switch code {
    case ENOENT: "no such \(kind)"
    case EACCES: "permission denied"
    case EISDIR: "a directory, not a \(kind)"
    default: String(cString: strerror(code))
    }
  }
}
