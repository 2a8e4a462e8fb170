// swift-tools-version: 6.1
import PackageDescription

/// The library's modules in data-path order: each imports only modules listed before it.
let libraryModules = [
  "LinearAlgebra", "Datasets", "NeuralNetwork", "Evaluation", "DomainClassifier", "ShiftDetection",
  "ShiftEstimation", "PerformanceEstimation", "ShiftWorkflow", "Reports",
]

let package = Package(
  name: "DistributionShift",
  products: [
    // MARK: - Public API
    .library(name: "ShiftKit", targets: ["ShiftKit"] + libraryModules),
    // The same library as a shared object, so that programs outside the package (the notebooks'
    // Swift cells) can be compiled with `swiftc` against `.build/<configuration>`.
    .library(name: "ShiftKitDynamic", type: .dynamic, targets: ["ShiftKit"]),
    .executable(name: "shiftcli", targets: ["shiftcli"]),
    .executable(name: "shift-notebook", targets: ["shift-notebook"]),
    .executable(name: "shift-benchmark", targets: ["MLPBenchmark"]),
    .executable(name: "shift-estimation-benchmark", targets: ["ShiftBenchmark"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2")
  ],
  targets: [
    // MARK: - Public API
    .target(name: "ShiftKit", dependencies: libraryModules.map { .target(name: $0) }),
    .target(name: "LinearAlgebra", dependencies: ["CGSL"]),
    .target(name: "Datasets", dependencies: ["LinearAlgebra", "CZlib"]),
    .target(name: "NeuralNetwork", dependencies: ["LinearAlgebra", "Datasets"]),
    .target(name: "Evaluation", dependencies: ["LinearAlgebra"]),
    .target(name: "DomainClassifier", dependencies: ["LinearAlgebra", "Datasets", "Evaluation"]),
    .target(name: "ShiftDetection", dependencies: ["LinearAlgebra", "Datasets", "Evaluation", "DomainClassifier"]),
    .target(
      name: "ShiftEstimation", dependencies: ["LinearAlgebra", "Datasets", "NeuralNetwork", "Evaluation", "DomainClassifier"]),
    .target(name: "PerformanceEstimation", dependencies: ["LinearAlgebra", "Datasets", "Evaluation", "ShiftEstimation"]),
    .target(
      name: "ShiftWorkflow",
      dependencies: [
        "LinearAlgebra", "Datasets", "NeuralNetwork", "Evaluation", "ShiftDetection", "ShiftEstimation",
        "PerformanceEstimation",
      ]),
    .target(
      name: "Reports", dependencies: ["Evaluation", "ShiftDetection", "ShiftEstimation", "PerformanceEstimation", "ShiftWorkflow"]),
    .executableTarget(
      name: "shiftcli",
      dependencies: ["ShiftKit", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    .target(name: "Notebooks"),
    .executableTarget(
      name: "shift-notebook",
      dependencies: ["Notebooks", "LinearAlgebra", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    .executableTarget(name: "MLPBenchmark", dependencies: ["ShiftKit"], path: "Benchmarks/MLPBenchmark"),
    .executableTarget(
      name: "ShiftBenchmark",
      dependencies: ["ShiftKit", .product(name: "ArgumentParser", package: "swift-argument-parser")],
      path: "Benchmarks/ShiftBenchmark"),

    // MARK: - Implementation details
    .systemLibrary(name: "CGSL", providers: [.apt(["libgsl-dev", "libopenblas-dev"])]),
    .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),

    // MARK: - Unit test bundles
    .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra"]),
    .testTarget(name: "DatasetsTests", dependencies: ["Datasets"]),
    .testTarget(name: "NeuralNetworkTests", dependencies: ["NeuralNetwork", "ShiftTestFixtures"]),
    .testTarget(name: "EvaluationTests", dependencies: ["Evaluation"]),
    .testTarget(name: "DomainClassifierTests", dependencies: ["DomainClassifier"]),
    .testTarget(name: "ShiftDetectionTests", dependencies: ["ShiftDetection", "ShiftEstimation", "Datasets", "NeuralNetwork"]),
    .target(name: "ShiftTestFixtures", dependencies: ["ShiftEstimation"], path: "Tests/ShiftTestFixtures"),
    .testTarget(name: "ShiftEstimationTests", dependencies: ["ShiftEstimation", "ShiftTestFixtures"]),
    .testTarget(name: "PerformanceEstimationTests", dependencies: ["PerformanceEstimation", "ShiftTestFixtures"]),
    .testTarget(name: "ReportsTests", dependencies: ["Reports"]),
    .testTarget(name: "ShiftCLITests", dependencies: ["ShiftKit", "shiftcli"]),
    .testTarget(name: "NotebooksTests", dependencies: ["Notebooks"]),
  ]
)
