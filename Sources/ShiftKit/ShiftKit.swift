// ShiftKit: one `import` for the whole library. Each layer is also importable on its own.
@_exported import Datasets
@_exported import DomainClassifier
@_exported import Evaluation
@_exported import LinearAlgebra
@_exported import NeuralNetwork
@_exported import PerformanceEstimation
@_exported import Reports
@_exported import ShiftDetection
@_exported import ShiftEstimation
@_exported import ShiftWorkflow
@_exported import Summaries
