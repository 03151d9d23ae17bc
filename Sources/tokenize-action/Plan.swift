import ArgumentParser
import Runs

/// `tokenize-action plan`: a dry run, recorded and written to DataHub as a plan; no row changes.
struct Plan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what a run would do (columns, why, rows to change, token widths, PII found by sampling); changes no row.",
        discussion: "Prints the plan record; its report is also written to the dataset's documentation in DataHub (its own section).")

    @Option(name: .long, help: "Dataset URN.")
    var dataset: String

    @Option(name: .long, parsing: .upToNextOption, help: "Columns to plan (default: resolved like a run, with value sampling).")
    var columns: [String] = []

    func run() async throws {
        _ = try await runFromCommandLine(dataset: dataset, scope: .request(columns: columns.isEmpty ? nil : columns, kind: .plan))
    }
}
