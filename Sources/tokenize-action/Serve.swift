import App
import ArgumentParser
import Foundation
import PostgresSupport
import ServiceConfiguration

/// `tokenize-action serve` (the default): the service.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Consume DataHub's MetadataChangeLog, work through the run ledger and serve the HTTP API.")

    func run() async throws {
        let configuration = try loadConfiguration(for: .serve)
        try await TokenizeActionApp.serve(configuration: configuration, logger: bootstrapLogging(configuration.logging))
    }
}
