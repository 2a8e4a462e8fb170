import ArgumentParser
import Foundation
import ShiftKit

extension ShiftCLI {
  /// `shiftcli demo`: the whole workflow on bundled data, written to one report.
  struct Demo: ParsableCommand {
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

    @Option(help: "Directory of the Fashion-MNIST .gz files (skipped when absent).")
    var dataDir = FashionMNIST.defaultDirectory

    @Option(help: ArgumentHelp("The report to write; charts go beside it.", valueName: "file.md"))
    var report = "reports/demo.md"

    @Option(help: "Seed of the simulations, the models and the bootstrap.")
    var seed: UInt64 = 1

    @OptionGroup var threadOptions: ThreadOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
      guard report.hasSuffix(".md") else { throw ValidationError("--report must name a .md file, got '\(report)'") }
    }

    func run() throws {
      threadOptions.apply()
      let start = Date()
      let directory = (report as NSString).deletingLastPathComponent
      if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
      var generator = SplitMix64(seed: seed)
      output.progress("loading \(letters)…")
      let letterData = try Dataset(csvFile: letters, labelColumn: "lettr")
      var cases: [(name: String, prefix: String, data: Dataset, dataName: String, kind: SimulatedShift.Kind, targetSize: Int)] = [
        ("Control: no shift", "control-", letterData, letters, .none, 2000),
        ("Label shift: Dirichlet(α = 1) class proportions", "label-", letterData, letters, .dirichlet(concentration: 1), 2000),
        ("Covariate shift: selection on the first principal component", "covariate-", letterData, letters,
         .selectionBias(strength: 2, intercept: -1), 2000),
      ]
      if let fashion = try? FashionMNIST.load(.test, directory: dataDir) {
        cases.append(("Fashion-MNIST label shift: tweak-one (ρ = 0.5)", "fashion-label-", fashion, "fashion-mnist (test split)",
          .tweakOne(classIndex: nil, share: 0.5), 2000))
      }
      var sections: [String] = []
      var summary: [String] = []
      var pairs: [DemoSummary.Pair] = []
      var allCharts: [(file: String, svg: String)] = []
      for entry in cases {
        output.progress("\(entry.name)…")
        let simulated = try SimulatedShift(data: entry.data, kind: entry.kind, targetSize: entry.targetSize, using: &generator)
        let analysis = try ShiftAnalysis(
          source: simulated.source, targetFeatures: simulated.target.features, targetLabels: simulated.target.labels,
          kind: .auto, replicates: 200, using: &generator) { output.progress("\(entry.name): \($0)") }
        let renderer = MarkdownReport(
          title: entry.name, command: "", sourceName: "\(entry.dataName), source half (\(simulated.source.count) rows)",
          targetName: "simulated target (\(simulated.target.count) rows)", chartPrefix: entry.prefix)
        // The sections share the report's reproduce line (an empty command omits theirs).
        let (markdown, charts) = renderer.render(analysis, headingLevel: 2, truePrior: simulated.targetPrior)
        sections.append(markdown)
        allCharts += charts
        var line = "| \(entry.name) | \(analysis.detection.verdict.rawValue) | \(analysis.applied.rawValue) |"
        if let before = analysis.before, let after = analysis.after {
          line += String(format: " %.4f → %.4f |", before.accuracy, after.accuracy)
        }
        summary.append(line)
        pairs.append(.init(
          name: entry.name, verdict: analysis.detection.verdict.rawValue, correction: analysis.applied.rawValue,
          accuracyBefore: analysis.before?.accuracy, accuracyAfter: analysis.after?.accuracy))
      }
      output.endProgress()
      let seconds = Date().timeIntervalSince(start)
      var header = [
        "# ShiftKit demo: detecting and correcting distribution shift", "",
        "Reproduce with:", "", "```sh", reproducingCommand(seed: seed), "```", "",
        "Each pair below is simulated from real data with a known truth (the target's labels are held back from",
        "detection and estimation and used only to score the result). Detection uses α = 0.05 overall.", "",
        "| pair | verdict | correction | target accuracy before → after |", "|---|---|---|---|",
      ]
      header += summary
      header += ["", String(format: "Run time: %.0f s (BLAS %@, %d thread%@).", seconds, BLASKernel.current.coreName, BLASKernel.threadCount, BLASKernel.threadCount == 1 ? "" : "s"), ""]
      try writeReport((header + sections).joined(separator: "\n"), charts: allCharts, to: report)
      if output.json {
        try output.printJSON(DemoSummary(report: report, charts: allCharts.count, seconds: seconds, pairs: pairs))
      } else {
        print("report: \(report) (\(allCharts.count) charts beside it), \(String(format: "%.0f", seconds)) s")
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
  }

  var report: String
  var charts: Int
  var seconds: Double
  var pairs: [Pair]
}

/// The command line that reproduces this run, as `shiftcli …` (with the seed spelled out).
func reproducingCommand(seed: UInt64) -> String {
  let arguments = Array(CommandLine.arguments.dropFirst())
  return (["shiftcli"] + arguments + (arguments.contains("--seed") ? [] : ["--seed", String(seed)])).joined(separator: " ")
}
