import ArgumentParser
import Foundation
import ShiftKit

extension ShiftCLI {
  /// `shiftcli demo`: the whole workflow on bundled data, written to one report.
  struct Demo: ShiftCommand {
    static let configuration = CommandConfiguration(
      abstract: "Simulate label and covariate shift on bundled data, detect, correct, and write reports/demo.md.",
      discussion: """
        On letter-recognition (and Fashion-MNIST when its files are installed) three pairs are \
        cut with a known truth: an unshifted control, Dirichlet(α = 1) label shift and \
        selection-bias covariate shift. Each is run through the `correct` workflow (shift \
        --auto) with the target labels held back for the before/after evaluation. Every number \
        in the report is computed by this run.
        """)

    @Option(help: "The letter-recognition CSV file.")
    var letters = "Datasets/letter-recognition.csv"

    @Option(
      help:
        "Directory of the Fashion-MNIST .gz files (that pair is skipped when they are absent; damaged files are an error)."
    )
    var dataDir = FashionMNIST.defaultDirectory

    @Option(help: ArgumentHelp("The report to write; charts go beside it.", valueName: "file.md"))
    var report = "reports/demo.md"

    @OptionGroup var seedOptions: SeedOptions

    @OptionGroup var threadOptions: ThreadOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
      guard report.hasSuffix(".md") else { throw ValidationError("--report must name a .md file, got '\(report)'") }
      let directory = (report as NSString).deletingLastPathComponent
      let charts = ["control-", "label-", "covariate-", "fashion-label-"].flatMap { prefix in
        ["priors", "weights", "f1", "calibration"].map {
          (option: "--report", path: (directory as NSString).appendingPathComponent("\(prefix)\($0).svg"))
        }
      }
      try checkOutputs([("--report", report)] + charts, spare: [("--letters", letters)])
    }

    /// A simulated pair of the demo.
    struct Case {
      var name: String
      var chartPrefix: String
      var data: Dataset
      var dataName: String
      var kind: SimulatedShift.Kind
    }

    /// The simulated pairs: an unshifted control, Dirichlet label shift and selection-bias
    /// covariate shift on letter-recognition, and tweak-one label shift on Fashion-MNIST when
    /// its files are installed.
    static func cases(letters: Dataset, letterFile: String, fashion: Dataset?) -> [Case] {
      var cases = [
        Case(name: "Control: no shift", chartPrefix: "control-", data: letters, dataName: letterFile, kind: .none),
        Case(
          name: "Label shift: Dirichlet(α = 1) class proportions", chartPrefix: "label-", data: letters,
          dataName: letterFile, kind: .dirichlet(concentration: 1)),
        Case(
          name: "Covariate shift: selection on the first principal component", chartPrefix: "covariate-", data: letters,
          dataName: letterFile, kind: .selectionBias(strength: 2, intercept: -1)),
      ]
      if let fashion {
        cases.append(
          Case(
            name: "Fashion-MNIST label shift: tweak-one (ρ = 0.5)", chartPrefix: "fashion-label-", data: fashion,
            dataName: "fashion-mnist (test split)", kind: .tweakOne(classIndex: nil, share: 0.5)))
      }
      return cases
    }

    func execute() throws -> String {
      threadOptions.apply()
      let start = Date()
      var generator = seedOptions.generator
      output.progress("loading \(letters)…")
      let letterData = try Dataset(csvFile: letters, labelColumn: "lettr")
      let cases = Self.cases(
        letters: letterData, letterFile: letters,
        fashion: FashionMNIST.isPresent(.test, directory: dataDir)
          ? try FashionMNIST.load(.test, directory: dataDir) : nil)
      var pairs: [DemoReport.Pair] = []
      for entry in cases {
        output.progress("\(entry.name)…")
        let (simulated, analysis) = try naming(entry.dataName) {
          let simulated = try SimulatedShift(data: entry.data, kind: entry.kind, targetSize: 2000, using: &generator)
          let analysis = try CorrectionWorkflow().analyze(
            source: simulated.source, targetFeatures: simulated.target.features, targetLabels: simulated.target.labels,
            using: &generator
          ) { output.progress("\(entry.name): \($0)") }
          return (simulated, analysis)
        }
        pairs.append(
          DemoReport.Pair(
            name: entry.name, chartPrefix: entry.chartPrefix,
            sourceName: "\(entry.dataName), source half (\(simulated.source.count) rows)",
            targetName: "simulated target (\(simulated.target.count) rows)", analysis: analysis,
            truePrior: simulated.targetPrior))
      }
      output.endProgress()
      let seconds = Date().timeIntervalSince(start)
      let (markdown, charts) = DemoReport(
        command: reproducingCommand(seed: seedOptions.seed), pairs: pairs, seconds: seconds,
        blasKernel: BLASKernel.current.coreName, threads: BLASKernel.threadCount
      ).render()
      try writeReport(markdown, charts: charts, to: report)
      let summary = DemoSummary(
        report: report, charts: charts.count, seconds: seconds, pairs: pairs.map(DemoSummary.Pair.init))
      return try output.render(summary) {
        "report: \(report) (\(charts.count) charts beside it), \(String(format: "%.0f", seconds)) s"
      }
    }
  }
}

/// What `shiftcli demo --json` prints.
struct DemoSummary: Encodable {
  struct Pair: Encodable {
    var name: String
    var verdict: String
    var correction: String
    var accuracyBefore: Double?
    var accuracyAfter: Double?

    init(_ pair: DemoReport.Pair) {
      name = pair.name
      verdict = pair.analysis.detection.verdict.rawValue
      correction = pair.analysis.applied.rawValue
      accuracyBefore = pair.analysis.before?.accuracy
      accuracyAfter = pair.analysis.after?.accuracy
    }
  }

  var report: String
  var charts: Int
  var seconds: Double
  var pairs: [Pair]
}
