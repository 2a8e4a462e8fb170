import LinearAlgebra
import RealModule
import Testing

@testable import Datasets

@Suite struct PreparationTests {
  func sample(_ n: Int, classes: Int = 3) -> Dataset {
    let features = Matrix(rows: n, columns: 2, storage: (0..<(2 * n)).map { Float($0 % 7) })
    return Dataset(
      features: features, labels: (0..<n).map { $0 % classes },
      classes: ClassIndex(orderedNames: (0..<classes).map(String.init)))
  }

  @Test func standardizerCentresAndScales() {
    let x = Matrix([[1, 5], [3, 5], [5, 5]])
    let standardizer = Standardizer(fittedTo: x)
    #expect(standardizer.mean == [3, 5])
    // Population sd of 1, 3, 5 is √(8/3); the constant column keeps scale 1.
    #expect(standardizer.scale[0].isApproximatelyEqual(to: (8.0 / 3).squareRoot(), absoluteTolerance: 1e-6))
    #expect(standardizer.scale[1] == 1)
    let z = standardizer.standardized(x)
    #expect(abs(z[0, 0] + z[2, 0]) < 1e-6 && z[1, 0] == 0 && z[0, 1] == 0)
  }

  @Test func stratifiedSplitKeepsProportionsAndIsSeeded() throws {
    let data = sample(300)
    var a = SplitMix64(seed: 9)
    var b = SplitMix64(seed: 9)
    let (train, test) = try data.split(fraction: 0.2, using: &a)
    let again = try data.split(fraction: 0.2, using: &b)
    #expect(test.count == 60 && train.count == 240)
    #expect(test.classCounts == [20, 20, 20])
    #expect(again.second.labels == test.labels && again.second.features == test.features)
  }

  @Test func splitRejectsBadFractions() {
    var generator = SplitMix64(seed: 1)
    #expect(throws: DatasetError.self) { try sample(10).split(fraction: 1.5, using: &generator) }
    #expect(throws: DatasetError.self) { try sample(10).split(fraction: 0, using: &generator) }
  }

  @Test func foldsHoldOutEveryExampleOnce() throws {
    var generator = SplitMix64(seed: 4)
    let assignment = try FoldAssignment(count: 23, folds: 5, using: &generator)
    let heldOut = assignment.folds.flatMap(\.heldOut)
    #expect(heldOut.sorted() == Array(0..<23))
    for fold in assignment.folds {
      #expect(Set(fold.train).isDisjoint(with: fold.heldOut))
      #expect(fold.train.count + fold.heldOut.count == 23)
    }
    #expect(throws: DatasetError.self) { try FoldAssignment(count: 3, folds: 5, using: &generator) }
  }
}
