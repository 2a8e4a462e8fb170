import Foundation
import LinearAlgebra

/// Fashion-MNIST (Xiao, Rasul & Vollgraf 2017): 28×28 grey images of 10 kinds of clothing,
/// 60 000 for training and 10 000 for testing, as installed by Debian's `dataset-fashion-mnist`.
public enum FashionMNIST {
  /// Where Debian's package installs the four `.gz` files.
  public static let defaultDirectory = "/usr/share/datasets/fashion-mnist"

  /// The ten class names, in label order.
  public static let classNames = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
  ]

  /// Which of the two official splits.
  public enum Split: String, Sendable, CaseIterable {
    case train
    case test = "t10k"
  }

  /// The preprocessing of d2l (`ToTensor`): raw pixel values 0…255 scaled to [0, 1].
  public static let pixelScaling = Standardizer(
    mean: .init(repeating: 0, count: 784), scale: .init(repeating: 255, count: 784))

  /// The image size of the data set: 28 × 28 pixels.
  public static let imageSide = 28

  /// The paths of a split's image and label files in `directory`.
  public static func files(_ split: Split, directory: String = defaultDirectory) -> (images: String, labels: String) {
    (
      (directory as NSString).appendingPathComponent("\(split.rawValue)-images-idx3-ubyte.gz"),
      (directory as NSString).appendingPathComponent("\(split.rawValue)-labels-idx1-ubyte.gz")
    )
  }

  /// Whether either of a split's files is in `directory` (then ``load(_:directory:payloadLimit:)``
  /// reads them, or says what is wrong with them).
  public static func isPresent(_ split: Split, directory: String = defaultDirectory) -> Bool {
    let (images, labels) = files(split, directory: directory)
    return FileManager.default.fileExists(atPath: images) || FileManager.default.fileExists(atPath: labels)
  }

  /// One official split, raw pixel values 0…255 as features (apply ``pixelScaling`` for d2l's
  /// input). Files whose payload exceeds `payloadLimit` bytes are refused before they are read.
  public static func load(
    _ split: Split, directory: String = defaultDirectory, payloadLimit: Int = IDXFile.defaultPayloadLimit
  ) throws -> Dataset {
    let (imageFile, labelFile) = files(split, directory: directory)
    let images = try IDXFile(contentsOf: imageFile, payloadLimit: payloadLimit)
    let labels = try IDXFile(contentsOf: labelFile, payloadLimit: payloadLimit)
    guard images.dimensions.count == 3 else {
      throw DatasetError.notIDX(
        file: imageFile, byteOffset: 3, reason: "images need 3 dimensions, found \(images.dimensions.count)")
    }
    guard images.dimensions[1] == imageSide, images.dimensions[2] == imageSide else {
      throw DatasetError.notIDX(
        file: imageFile, byteOffset: 8,
        reason:
          "Fashion-MNIST images are \(imageSide) × \(imageSide) pixels, these are \(images.dimensions[1]) × \(images.dimensions[2])"
      )
    }
    guard labels.dimensions.count == 1 else {
      throw DatasetError.notIDX(
        file: labelFile, byteOffset: 3, reason: "labels need 1 dimension, found \(labels.dimensions.count)")
    }
    guard images.dimensions[0] == labels.dimensions[0] else {
      throw DatasetError.inconsistentFiles(
        first: imageFile, second: labelFile,
        reason: "\(images.dimensions[0]) images but \(labels.dimensions[0]) labels")
    }
    if let bad = labels.values.firstIndex(where: { Int($0) >= classNames.count }) {
      throw DatasetError.notIDX(
        file: labelFile, byteOffset: 8 + bad, reason: "label \(labels.values[bad]) is not in 0…9")
    }
    let pixels = images.dimensions[1] * images.dimensions[2]
    let features = images.values.map(Float.init)
    return Dataset(
      features: Matrix(rows: images.dimensions[0], columns: pixels, storage: features),
      labels: labels.values.map(Int.init),
      classes: ClassIndex(orderedNames: classNames),
      featureNames: (0..<pixels).map { "pixel\($0)" })
  }
}
