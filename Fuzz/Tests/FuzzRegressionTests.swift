import Foundation
import FuzzTargets
import Testing

/// Every committed fuzzer input — the seed corpus and the inputs that once crashed a reader —
/// replayed through its target: each must come back (a value or an error), never trap.
@Suite struct FuzzRegressionTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

  static func inputs(_ target: FuzzTarget) -> [URL] {
    ["corpus", "regressions"].flatMap { folder in
      let directory = root.appendingPathComponent(folder).appendingPathComponent(target.rawValue)
      return ((try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? [])
        .filter { !$0.lastPathComponent.hasPrefix(".") }
    }
  }

  @Test(arguments: FuzzTarget.allCases)
  func replaysEveryCommittedInput(target: FuzzTarget) throws {
    let files = Self.inputs(target)
    #expect(!files.isEmpty, "Fuzz/corpus/\(target.rawValue) has no seeds")
    for file in files { target.run([UInt8](try Data(contentsOf: file))) }
  }
}
