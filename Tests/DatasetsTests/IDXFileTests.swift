import Foundation
import Testing

@testable import Datasets

@Suite struct IDXFileTests {
  /// A valid 3 × 2 × 2 unsigned-byte IDX file.
  let valid: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2] + Array(0..<12)

  @Test func parsesHeaderAndPayload() throws {
    let file = try IDXFile(bytes: valid, file: "x.idx")
    #expect(file.dimensions == [3, 2, 2])
    #expect(file.values == Array(0..<12))
  }

  @Test func foreignMagic() {
    #expect(throws: DatasetError.notIDX(file: "x.idx", byteOffset: 0, reason: "the first two bytes must be zero")) {
      try IDXFile(bytes: [0x50, 0x4B, 3, 4] + valid.dropFirst(4), file: "x.idx")
    }
  }

  @Test func wrongElementType() {
    var bytes = valid
    bytes[2] = 0x0D
    #expect(
      throws: DatasetError.notIDX(file: "x.idx", byteOffset: 2, reason: "element type 0xd is not unsigned byte (0x08)")
    ) {
      try IDXFile(bytes: bytes, file: "x.idx")
    }
  }

  @Test func truncatedPayload() {
    #expect(throws: DatasetError.truncatedIDX(file: "x.idx", byteOffset: 16, expectedBytes: 12, foundBytes: 7)) {
      try IDXFile(bytes: Array(valid.dropLast(5)), file: "x.idx")
    }
  }

  @Test func truncatedHeader() {
    #expect(throws: DatasetError.truncatedIDX(file: "x.idx", byteOffset: 4, expectedBytes: 16, foundBytes: 10)) {
      try IDXFile(bytes: Array(valid.prefix(10)), file: "x.idx")
    }
  }

  @Test func emptyFile() {
    #expect(throws: DatasetError.emptyFile(file: "x.idx")) { try IDXFile(bytes: [], file: "x.idx") }
  }

  @Test func gzipRoundTripAndTruncatedGzip() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("idx-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let plain = directory.appendingPathComponent("x.idx")
    // Enough payload that the compressed stream spans several blocks.
    var bytes: [UInt8] = [0, 0, 8, 1, 0, 1, 0, 0]
    var generator = UInt64(1)
    for _ in 0..<65_536 {
      generator = generator &* 6_364_136_223_846_793_005 &+ 1
      bytes.append(UInt8(truncatingIfNeeded: generator >> 60))
    }
    try Data(bytes).write(to: plain)
    let gzip = Process()
    gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
    gzip.arguments = ["-k", plain.path]
    try gzip.run()
    gzip.waitUntilExit()
    let compressed = plain.path + ".gz"
    #expect(try IDXFile(contentsOf: compressed).values.count == 65_536)
    #expect(try IDXFile(contentsOf: plain.path).dimensions == [65_536])
    let gzipBytes = try Data(contentsOf: URL(fileURLWithPath: compressed))
    let cut = directory.appendingPathComponent("cut.idx.gz")
    try gzipBytes.prefix(gzipBytes.count / 2).write(to: cut)
    #expect(throws: DatasetError.corruptGzip(file: cut.path, reason: "unexpected end of file")) {
      try IDXFile(contentsOf: cut.path)
    }
  }

  @Test func missingFashionDirectoryIsNamed() {
    #expect(throws: DatasetError.unreadable(file: "/nonexistent/train-images-idx3-ubyte.gz", reason: "no such file")) {
      try FashionMNIST.load(.train, directory: "/nonexistent")
    }
  }

  @Test(.enabled(if: FileManager.default.fileExists(atPath: FashionMNIST.defaultDirectory)))
  func fashionMNISTTestSplitLoads() throws {
    let test = try FashionMNIST.load(.test)
    #expect(test.count == 10_000)
    #expect(test.featureCount == 784)
    #expect(test.classCounts == Array(repeating: 1000, count: 10))
    #expect(test.features.storage.max() == 255)
  }
}
