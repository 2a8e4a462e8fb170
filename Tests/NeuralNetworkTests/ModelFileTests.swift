import Datasets
import Foundation
import LinearAlgebra
import Testing

@testable import NeuralNetwork

@Suite struct ModelFileTests {
  let directory: URL

  init() throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent("model-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  }

  func classifier() throws -> Classifier {
    var generator = SplitMix64(seed: 21)
    let network = try MLP(sizes: [3, 7, 4], activation: .tanh, dropout: 0.25, using: &generator)
    return Classifier(
      network: network, classes: ClassIndex(orderedNames: ["w", "x", "y", "z"]), featureNames: ["a", "b", "c"],
      standardizer: Standardizer(mean: [1, 2, 3], scale: [0.5, 1, 2]))
  }

  func saved() throws -> (Classifier, String, [UInt8]) {
    let model = try classifier()
    let path = directory.appendingPathComponent("m.model").path
    try ModelFile.save(model, to: path, metadata: ["command": "test"])
    return (model, path, [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
  }

  @Test func saveLoadPredictIsIdentical() throws {
    let (model, path, _) = try saved()
    let (loaded, metadata) = try ModelFile.load(from: path)
    #expect(loaded == model)
    #expect(metadata == ["command": "test"])
    let x = Matrix([[0.3, -1, 8], [2, 2, 2]])
    #expect(try loaded.probabilities(for: x) == model.probabilities(for: x))
    // The atomic write leaves only the model in the directory.
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["m.model"])
  }

  @Test func flippedByteIsDetected() throws {
    let (_, path, bytes) = try saved()
    var corrupt = bytes
    corrupt[corrupt.count - 20] ^= 0x40
    #expect(throws: NeuralNetworkError.corruptModelFile(file: path, reason: "checksum mismatch")) {
      try ModelFile.decode(corrupt, file: path)
    }
  }

  @Test func truncationIsDetected() throws {
    let (_, path, bytes) = try saved()
    #expect(
      throws: NeuralNetworkError.truncatedModelFile(file: path, expectedBytes: bytes.count, foundBytes: bytes.count - 9)
    ) {
      try ModelFile.decode(Array(bytes.dropLast(9)), file: path)
    }
    #expect(throws: NeuralNetworkError.self) { try ModelFile.decode(Array(bytes.prefix(30)), file: path) }
  }

  @Test func foreignAndFutureFilesAreRejected() throws {
    let (_, path, bytes) = try saved()
    #expect(throws: NeuralNetworkError.foreignModelFile(file: path)) {
      try ModelFile.decode(Array("a,b,c\n1,2,3\n".utf8), file: path)
    }
    var future = bytes
    future[8] = 99
    #expect(
      throws: NeuralNetworkError.unsupportedModelVersion(file: path, version: 99, supported: ModelFile.currentVersion)
    ) {
      try ModelFile.decode(future, file: path)
    }
  }

  @Test func missingFileAndDirectory() throws {
    #expect(throws: NeuralNetworkError.io(file: "/nonexistent/m.model", reason: "no such model file")) {
      try ModelFile.load(from: "/nonexistent/m.model")
    }
    #expect(throws: DatasetError.self) { try ModelFile.save(try classifier(), to: "/nonexistent/dir/m.model") }
  }
}
