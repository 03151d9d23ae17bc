import ArgumentParser
import Runs

/// `tokenize-action verify`: the verification scan alone, recorded and written to DataHub like a run.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Count the plaintext left in a dataset's tokenized columns (writes nothing to the table); prints the record.",
        discussion: "Without --columns, the columns of the dataset's last tokenization run are checked. Exit status 2 when plaintext remains.")

    @Option(name: .long, help: "Dataset URN.")
    var dataset: String

    @Option(name: .long, parsing: .upToNextOption, help: "Columns to check (default: those of the last run).")
    var columns: [String] = []

    @Flag(name: .long, help: "Check every row, not only those written since the last clean verification.")
    var fullScan = false

    func run() async throws {
        let record = try await runFromCommandLine(
            dataset: dataset, scope: .request(columns: columns.isEmpty ? nil : columns, kind: .verify, fullScan: fullScan))
        if record.status == .incomplete { throw ExitCode(2) }
    }
}
