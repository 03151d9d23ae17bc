import App
import ArgumentParser
import Catalog
import Foundation
import Runs
import ServiceConfiguration

/// `tokenize-action run`: one dataset now, without Kafka.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Tokenize one dataset now, without Kafka: recorded in the run ledger, written back to DataHub; prints the final record.")

    @Option(name: .long, help: "Dataset URN, e.g. urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers,PROD)")
    var dataset: String

    @Option(name: .long, parsing: .upToNextOption, help: "Columns to tokenize (default: PII columns found automatically).")
    var columns: [String] = []

    @Flag(name: .long, help: "Also move siv and ff1 tokens of older keys to the newest key in TOKEN_KEYS_FILE.")
    var rekey = false

    func run() async throws {
        _ = try await runFromCommandLine(dataset: dataset, scope: .request(columns: columns.isEmpty ? nil : columns, rekey: rekey))
    }
}

/// `run` and `verify`: one request for a dataset (source `cli`), worked on until final; prints the record and
/// exits 1 when it FAILED.
func runFromCommandLine(dataset: String, scope: RunScope) async throws -> RunRecord {
    let configuration = try loadConfiguration(for: .command)
    let urn: DatasetURN
    do {
        urn = try DatasetURN.requested(dataset)
        _ = try urn.tableReference()
    } catch {
        throw ValidationError(error.message)
    }
    let request = RunRequest(dataset: urn, scope: scope, source: .cli, requestedBy: "cli")
    let record = try await Commands.runOnce(configuration: configuration, request: request, logger: bootstrapLogging(configuration.logging))
    print(record.jsonString())
    if record.status == .failed { throw ExitCode(1) }
    return record
}
