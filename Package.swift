// swift-tools-version: 6.1
import PackageDescription

/// The library's modules in data-path order: each imports only modules listed before it (see
/// the Layout section of README.md, and each module's README.md).
let libraryModules = [
  "LinearAlgebra", "Datasets", "NeuralNetwork", "Evaluation", "Summaries", "DomainClassifier", "ShiftDetection",
  "ShiftEstimation", "PerformanceEstimation", "ShiftWorkflow", "Reports",
]

/// A library module whose folder holds its README beside the sources.
func module(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
  .target(name: name, dependencies: dependencies, exclude: ["README.md"])
}

let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
/// swift-numerics' `isApproximatelyEqual(to:relativeTolerance:)`, for the tests' tolerances.
let realModule = Target.Dependency.product(name: "RealModule", package: "swift-numerics")

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
    .executable(name: "shift-fuzz", targets: ["shift-fuzz"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
  ],
  targets: [
    // MARK: - Public API
    module("ShiftKit", libraryModules.map { .target(name: $0) }),
    module("LinearAlgebra", ["CGSL"]),
    module(
      "Datasets", ["LinearAlgebra", "CZlib", .product(name: "OrderedCollections", package: "swift-collections")]),
    module("NeuralNetwork", ["LinearAlgebra", "Datasets"]),
    module("Evaluation", ["LinearAlgebra"]),
    module("Summaries", ["LinearAlgebra", "NeuralNetwork"]),
    module("DomainClassifier", ["LinearAlgebra", "Datasets", "Evaluation"]),
    module("ShiftDetection", ["LinearAlgebra", "Datasets", "Evaluation", "Summaries", "DomainClassifier"]),
    module(
      "ShiftEstimation", ["LinearAlgebra", "Datasets", "NeuralNetwork", "Evaluation", "Summaries", "DomainClassifier"]),
    module("PerformanceEstimation", ["LinearAlgebra", "Datasets", "Evaluation", "ShiftEstimation"]),
    module(
      "ShiftWorkflow",
      [
        "LinearAlgebra", "Datasets", "NeuralNetwork", "Evaluation", "Summaries", "DomainClassifier", "ShiftDetection",
        "ShiftEstimation", "PerformanceEstimation",
      ]),
    module(
      "Reports",
      ["Datasets", "Evaluation", "ShiftDetection", "ShiftEstimation", "PerformanceEstimation", "ShiftWorkflow"]),
    .executableTarget(name: "shiftcli", dependencies: ["ShiftKit", argumentParser], exclude: ["README.md"]),
    module("Notebooks", []),
    .executableTarget(
      name: "shift-notebook", dependencies: ["Notebooks", "LinearAlgebra", argumentParser], exclude: ["README.md"]),
    .executableTarget(name: "MLPBenchmark", dependencies: ["ShiftKit"], path: "Benchmarks/MLPBenchmark"),
    .executableTarget(
      name: "ShiftBenchmark", dependencies: ["ShiftKit", "ShiftTestFixtures", argumentParser],
      path: "Benchmarks/ShiftBenchmark"),

    // The fuzzer's targets (see Fuzz/README.md): every reader of untrusted bytes.
    .target(
      name: "FuzzTargets", dependencies: ["Datasets", "NeuralNetwork", "ShiftDetection", "ShiftWorkflow", "Notebooks"],
      path: "Fuzz/FuzzTargets"),
    .executableTarget(name: "shift-fuzz", dependencies: ["FuzzTargets", "CFuzzer"], path: "Fuzz/shift-fuzz"),
    .systemLibrary(name: "CFuzzer", path: "Fuzz/CFuzzer"),

    // MARK: - Implementation details
    .systemLibrary(name: "CGSL", providers: [.apt(["libgsl-dev", "libopenblas-dev"])]),
    .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),

    // MARK: - Unit test bundles
    .target(name: "ShiftTestFixtures", dependencies: ["ShiftEstimation"], path: "Tests/ShiftTestFixtures"),
    .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra", realModule]),
    .testTarget(name: "DatasetsTests", dependencies: ["Datasets", realModule]),
    .testTarget(name: "NeuralNetworkTests", dependencies: ["NeuralNetwork", realModule]),
    .testTarget(name: "EvaluationTests", dependencies: ["Evaluation", realModule]),
    .testTarget(name: "SummariesTests", dependencies: ["Summaries", realModule]),
    .testTarget(name: "DomainClassifierTests", dependencies: ["DomainClassifier", realModule]),
    .testTarget(
      name: "ShiftDetectionTests",
      dependencies: [
        "ShiftDetection", "DomainClassifier", "ShiftEstimation", "Datasets", "NeuralNetwork", "Summaries",
        "ShiftTestFixtures",
        realModule,
      ]),
    .testTarget(name: "ShiftEstimationTests", dependencies: ["ShiftEstimation", "ShiftTestFixtures", realModule]),
    .testTarget(
      name: "PerformanceEstimationTests", dependencies: ["PerformanceEstimation", "ShiftTestFixtures", realModule]),
    .testTarget(
      name: "ShiftWorkflowTests", dependencies: ["ShiftWorkflow", "Summaries", "ShiftTestFixtures", realModule]),
    .testTarget(name: "ReportsTests", dependencies: ["Reports", "ShiftWorkflow", "Datasets"]),
    .testTarget(name: "ShiftCLITests", dependencies: ["ShiftKit", "shiftcli", realModule]),
    .testTarget(name: "NotebooksTests", dependencies: ["Notebooks"]),
    .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets"], path: "Fuzz/Tests"),
  ]
)
