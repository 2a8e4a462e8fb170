import Foundation

/// Writing files so that readers see either the old content or the complete new one.
public enum AtomicFile {
  /// Writes `data` to a temporary file in `path`'s directory, then renames it over `path`.
  /// On failure the temporary file is removed and `path` is untouched.
  public static func write(_ data: Data, to path: String) throws {
    try write([(path, data)])
  }

  /// Writes `text` as UTF-8, atomically.
  public static func write(_ text: String, to path: String) throws {
    try write(Data(text.utf8), to: path)
  }

  /// Writes several files as one: each goes to a temporary file beside its path, and only when
  /// every one is written are they renamed into place, so a failure leaves none of them (and no
  /// temporary file) behind. A missing directory of `createDirectory` is created first and
  /// removed again when the writing fails.
  public static func write(_ files: [(path: String, data: Data)], creatingDirectory directory: String? = nil) throws {
    var created: String? = nil
    if let directory, !FileManager.default.fileExists(atPath: directory) {
      do {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      } catch {
        throw DatasetError.unwritable(file: directory, reason: error.localizedDescription)
      }
      created = directory
    }
    var staged: [(temporary: URL, path: String)] = []
    do {
      for file in files {
        let url = URL(fileURLWithPath: file.path)
        let parent = url.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: parent.path, isDirectory: &isDirectory), isDirectory.boolValue
        else {
          throw DatasetError.unwritable(file: file.path, reason: "directory \(parent.path) does not exist")
        }
        let temporary = parent.appendingPathComponent(
          ".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        staged.append((temporary, file.path))
        do {
          try file.data.write(to: temporary)
        } catch {
          throw DatasetError.unwritable(file: file.path, reason: error.localizedDescription)
        }
      }
      for file in staged {
        guard rename(file.temporary.path, file.path) == 0 else {
          throw DatasetError.unwritable(file: file.path, reason: String(cString: strerror(errno)))
        }
      }
    } catch {
      for file in staged { try? FileManager.default.removeItem(at: file.temporary) }
      if let created { try? FileManager.default.removeItem(atPath: created) }
      throw error
    }
  }
}
