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
        subcommands: [
            Serve.self, Run.self, Verify.self, Plan.self, Audit.self, Tokenize.self, Detokenize.self, Keys.self, DeadLetters.self, RunsCommand.self,
            ErasuresCommand.self, ReceiptCommand.self,
            HealthCheck.self,
        ],
        defaultSubcommand: Serve.self)

    /// Runs the command; a startup failure (the state database, a refused credential) is one line and exit 78, like a
    /// bad setting.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch let failure as StartupFailure {
            FileHandle.standardError.write(Data("tokenize-action: \(failure.message)\n".utf8))
            exit(withError: ExitCode(78))
        } catch {
            exit(withError: error)
        }
    }
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
