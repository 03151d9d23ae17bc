import App
import ArgumentParser
import Foundation
import Logging
import PostgresSupport
import Runs
import ServiceConfiguration

@main
struct TokenizeActionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize-action",
        abstract: "Tokenizes PII columns tagged in DataHub, in place in the source system.",
        subcommands: [Serve.self, Run.self, Verify.self, Plan.self, Audit.self, Tokenize.self, Detokenize.self, Keys.self, DeadLetters.self, RunsCommand.self, HealthCheck.self],
        defaultSubcommand: Serve.self)
}

/// Loads configuration or exits 78 with one line naming the setting.
func loadConfiguration(for purpose: AppConfiguration.Purpose) throws -> AppConfiguration {
    do {
        return try AppConfiguration.load(for: purpose)
    } catch {
        FileHandle.standardError.write(Data("tokenize-action: \(error)\n".utf8))
        throw ExitCode(78)
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Consume DataHub's MetadataChangeLog, work through the run ledger and serve the HTTP API.")

    func run() async throws {
        let configuration = try loadConfiguration(for: .serve)
        do {
            try await TokenizeActionApp.serve(configuration: configuration, logger: bootstrapLogging(configuration.logging))
        } catch let failure as PostgresFailure where !failure.isTransient {
            // Refused credentials or TLS: a setting to fix, reported like one.
            FileHandle.standardError.write(Data("tokenize-action: PostgreSQL: \(failure.message)\n".utf8))
            throw ExitCode(78)
        }
    }
}

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
        urn = try DatasetURN(dataset)
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
