import App
import ArgumentParser
import Foundation
import PostgresSupport
import ServiceConfiguration

/// `tokenize-action serve` (the default): the service.
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
