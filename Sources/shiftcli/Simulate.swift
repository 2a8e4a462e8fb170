import ArgumentParser
import Foundation
import ShiftKit

extension ShiftCLI {
  /// `shiftcli simulate`: a shifted source/target pair with its ground truth, from real data.
  struct Simulate: ShiftCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write a source/target pair with a known, simulated shift, and the truth as JSON.",
      discussion: """
        The data's rows are split (seeded; stratified for label shifts) into a source half and a \
        pool, and the target is drawn from the pool:
          none: a random sample of the pool (a no-shift control)
          dirichlet: class shares q ~ Dirichlet(α·1)
          tweak-one: --class gets share ρ, the others 1 − ρ equally
          selection-bias: rows kept with probability σ(γ·s(x) + b)

        Label shifts draw rows by class (with replacement once a class's pool is used up; q from \
        GSL's gsl_ran_dirichlet). Selection bias is covariate shift: s is the standardised \
        first-principal-component score, p(y|x) is unchanged, and the oracle weight of every \
        source row is written to oracle-weights.csv.

        Files in --out-dir: source.csv, target.csv (with the label column unless \
        --hide-target-labels, which writes it to target-labels.csv instead), truth.json \
        (shift, parameters, classes, source and target priors, label-shift weights q/p, the \
        oracle ESS for selection bias, the command) and, for selection bias, oracle-weights.csv.

        Example:
          shiftcli simulate --data Datasets/letter-recognition.csv \\
            --label lettr --shift dirichlet --alpha 1 \\
            --target-size 2000 --seed 7 --out-dir shifted
        """)

    enum Kind: String, ExpressibleByArgument, CaseIterable {
      case none, dirichlet
      case tweakOne = "tweak-one"
      case selectionBias = "selection-bias"
    }

    @OptionGroup var dataOptions: DataOptions

    @Option(help: "The simulated shift: \(Kind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var shift: Kind

    @Option(parsing: .unconditional, help: "Dirichlet concentration α > 0 (smaller: stronger shift).")
    var alpha = 1.0

    @Option(parsing: .unconditional, help: "Tweak-one: the share ρ of the tweaked class, in [0, 1].")
    var rho = 0.9

    @Option(name: .customLong("class"), help: "Tweak-one: the tweaked class (default: drawn at random).")
    var tweakedClass: String?

    @Option(parsing: .unconditional, help: "Selection bias: strength γ.")
    var strength = 2.0

    @Option(
      parsing: .unconditional, help: "Selection bias: intercept b (negative: rarer selection, heavier-tailed weights).")
    var intercept = 0.0

    @Option(parsing: .unconditional, help: "Source rows, at least 2 (default: the whole source half).")
    var sourceSize: Int?

    @Option(
      parsing: .unconditional,
      help:
        "Target rows, 1…\(ResourceLimits.simulatedRows) without --force (default: 2000; for selection bias at most that many of the selected rows)."
    )
    var targetSize = 2000

    @OptionGroup var seedOptions: SeedOptions

    @Flag(help: "Write the target's labels to target-labels.csv instead of into target.csv.")
    var hideTargetLabels = false

    @Option(help: ArgumentHelp("Directory for the files (created if missing).", valueName: "dir"))
    var outDir: String

    @OptionGroup var limits: LimitOptions
    @OptionGroup var output: OutputOptions

    /// The files written into `--out-dir`.
    static let outputFiles = ["source.csv", "target.csv", "target-labels.csv", "oracle-weights.csv", "truth.json"]

    func validate() throws {
      guard alpha > 0, alpha.isFinite else { throw ValidationError("--alpha must be positive, got \(alpha)") }
      guard rho >= 0, rho <= 1 else { throw ValidationError("--rho must be in [0, 1], got \(rho)") }
      guard strength.isFinite, intercept.isFinite else {
        throw ValidationError("--strength and --intercept must be finite")
      }
      guard targetSize >= 1 else { throw ValidationError("--target-size must be at least 1") }
      try limits.check(targetSize, atMost: ResourceLimits.simulatedRows, option: "--target-size")
      guard targetSize <= LabelShiftSimulation.maximumCount else {
        throw ValidationError("--target-size must be at most \(LabelShiftSimulation.maximumCount), got \(targetSize)")
      }
      if let sourceSize, sourceSize < 2 { throw ValidationError("--source-size must be at least 2") }
      try checkOutputs(
        Self.outputFiles.map { ("--out-dir", (outDir as NSString).appendingPathComponent($0)) },
        spare: [("--data", dataOptions.data)])
    }

    func execute() throws -> String {
      var generator = seedOptions.generator
      output.progress("loading \(dataOptions.data)…")
      let data = try dataOptions.load(fashionMNIST: .train, force: limits.force)
      // The target's rows twice (drawn, then written as text), four bytes a feature.
      try ResourceLimits.checkMemory(
        8 * Double(targetSize) * Double(data.featureCount), for: "a target of \(targetSize) rows", force: limits.force,
        output: output)
      let kind = try kind(classes: data.classes)
      let simulated = try naming(dataOptions.data) {
        try SimulatedShift(data: data, kind: kind, targetSize: targetSize, sourceSize: sourceSize, using: &generator)
      }
      let truth = SimulationTruth(
        simulation: simulated, data: dataOptions.data, seed: seedOptions.seed,
        command: ShiftCLI.commandLine.joined(separator: " "))
      output.progress("writing \(outDir)…")
      let labelColumn = dataOptions.labelColumn
      let target = simulated.target
      var files: [(name: String, text: String)] = [
        ("source.csv", simulated.source.csvText(labelColumn: labelColumn)),
        ("target.csv", target.csvText(labelColumn: labelColumn, includeLabels: !hideTargetLabels)),
      ]
      if hideTargetLabels {
        files.append(
          (
            "target-labels.csv",
            csvEscaped(labelColumn) + "\n" + target.labels.map { csvEscaped(target.classes.names[$0]) + "\n" }.joined()
          ))
      }
      if let oracleWeights = simulated.oracleWeights {
        files.append(("oracle-weights.csv", csvColumn("weight", oracleWeights)))
      }
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
      let written = files.map { ((outDir as NSString).appendingPathComponent($0.name), Data($0.text.utf8)) }
      try AtomicFile.write(
        written + [((outDir as NSString).appendingPathComponent("truth.json"), try encoder.encode(truth))],
        creatingDirectory: outDir, removing: Self.outputFiles.map { (outDir as NSString).appendingPathComponent($0) })
      output.endProgress()
      return try output.render(truth) {
        "\(shift.rawValue): \(simulated.source.count) source rows, \(target.count) target rows → \(outDir)/{source,target}.csv, truth.json"
      }
    }

    /// The simulated shift the options describe; `--class` must name one of `classes`.
    private func kind(classes: ClassIndex) throws -> SimulatedShift.Kind {
      switch shift {
      case .none: return .none
      case .dirichlet: return .dirichlet(concentration: alpha)
      case .tweakOne:
        guard let tweakedClass else { return .tweakOne(classIndex: nil, share: rho) }
        guard let index = classes.index(of: tweakedClass) else {
          throw CLIFailure(
            message:
              "--class \(tweakedClass) is not a class of \(dataOptions.data) (classes: \(classes.names.joined(separator: ", ")))"
          )
        }
        return .tweakOne(classIndex: index, share: rho)
      case .selectionBias: return .selectionBias(strength: strength, intercept: intercept)
      }
    }
  }
}
