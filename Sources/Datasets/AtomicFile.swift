import Foundation

/// Writing files so that readers see either the old content or the complete new one.
public enum AtomicFile {
  /// Writes `data` to a temporary file in `path`'s directory, then renames it over `path`.
  /// On failure the temporary file is removed and `path` is untouched.
  public static func write(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let directory = url.deletingLastPathComponent()
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue
    else {
      throw DatasetError.unwritable(file: path, reason: "directory \(directory.path) does not exist")
    }
    let temporary = directory.appendingPathComponent(
      ".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
    do {
      try data.write(to: temporary)
      guard rename(temporary.path, url.path) == 0 else {
        throw DatasetError.unwritable(file: path, reason: String(cString: strerror(errno)))
      }
    } catch let error as DatasetError {
      try? FileManager.default.removeItem(at: temporary)
      throw error
    } catch {
      try? FileManager.default.removeItem(at: temporary)
      throw DatasetError.unwritable(file: path, reason: error.localizedDescription)
    }
  }

  /// Writes `text` as UTF-8, atomically.
  public static func write(_ text: String, to path: String) throws {
    try write(Data(text.utf8), to: path)
  }
}
