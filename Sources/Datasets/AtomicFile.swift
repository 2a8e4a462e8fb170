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
  /// temporary file) behind. The missing directories up to `createDirectory` are created first
  /// and removed again when the writing fails. After the renames, the files of `stale` that exist
  /// are removed: earlier outputs of the same kind that this write does not replace.
  public static func write(
    _ files: [(path: String, data: Data)], creatingDirectory directory: String? = nil, removing stale: [String] = []
  ) throws {
    let created = try createMissingDirectories(directory)
    var staged: [(temporary: URL, path: String)] = []
    do {
      for file in files {
        let url = URL(fileURLWithPath: file.path)
        let parent = url.deletingLastPathComponent()
        guard isDirectory(parent.path) else {
          throw DatasetError.unwritable(file: file.path, reason: "directory \(parent.path) does not exist")
        }
        // Checked before anything is renamed, so that no rename fails after another succeeded.
        guard !isDirectory(file.path) else {
          throw DatasetError.unwritable(file: file.path, reason: "a directory is in the way")
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
      for directory in created.reversed() { try? FileManager.default.removeItem(atPath: directory) }
      throw error
    }
    let written = Set(files.map(\.path))
    for path in stale where !written.contains(path) && !isDirectory(path) { unlink(path) }
  }

  /// Creates `directory` and its missing parents; returns those created, outermost first.
  private static func createMissingDirectories(_ directory: String?) throws -> [String] {
    var missing: [String] = []
    var next = directory
    while let path = next, !path.isEmpty, !FileManager.default.fileExists(atPath: path) {
      missing.append(path)
      let parent = self.parent(of: path)
      next = parent == path ? nil : parent
    }
    guard let directory, !missing.isEmpty else { return [] }
    do {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    } catch {
      for path in missing { try? FileManager.default.removeItem(atPath: path) }
      throw DatasetError.unwritable(file: directory, reason: error.localizedDescription)
    }
    return missing.reversed()
  }

  /// The directory part of `path` ("" for a bare name, "/" for a name in the root). Not
  /// `NSString.deletingLastPathComponent`: applied to its own result it traps in this
  /// toolchain's Foundation.
  private static func parent(of path: String) -> String {
    var trimmed = Substring(path)
    while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
    guard let slash = trimmed.lastIndex(of: "/") else { return "" }
    let head = trimmed[..<slash]
    return head.isEmpty ? "/" : String(head)
  }

  private static func isDirectory(_ path: String) -> Bool {
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
  }
}
