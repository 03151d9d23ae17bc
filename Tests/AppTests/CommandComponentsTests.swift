import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import ServiceConfiguration
import TestSupport
import Testing

@testable import App

/// A one-off command's pools start while the state database is checked; when that check finds no state database
/// (or no server), the command prepares it first and starts new pools after (`Commands.withComponents`).
@Suite(.enabled(if: TestEnvironment.postgresTestsEnabled)) struct CommandComponentsTests {
    private func configuration(stateDatabase: String) throws -> AppConfiguration {
        var values = ProcessInfo.processInfo.environment
        values["STATE_DATABASE"] = stateDatabase
        values["TOKEN_SCHEME"] = "poc"
        values["LOG_LEVEL"] = "warning"
        return try AppConfiguration.load(Environment(values), for: .command)
    }

    @Test func aStateDatabaseThatDoesNotExistYetIsCreatedBeforeThePoolsStart() async throws {
        let database = "it_command_state_\(UInt32.random(in: 0...UInt32.max))"
        let configuration = try configuration(stateDatabase: database)
        let logger = Logger(label: "command-components-test")
        // The ledger answers through the pool: its database exists and is migrated.
        let record = try await Commands.withComponents(configuration, stateConnections: 2, logger: logger) { components in
            try await components.store.record("00000000-0000-0000-0000-000000000000")
        }
        #expect(record == nil)
        let admin = try PostgresDatabases(settings: configuration.postgres, logger: logger)
        try await admin.withConnection(database: configuration.postgres.maintenanceDatabase) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "DROP DATABASE \"\(database)\""), logger: logger)  // fails if it was not created
        }
    }

    @Test func aStateDatabaseThatExistsIsCheckedWhileThePoolsStart() async throws {
        let configuration = try configuration(stateDatabase: ProcessInfo.processInfo.environment["STATE_DATABASE"] ?? "tokenize_state")
        let record = try await Commands.withComponents(configuration, logger: Logger(label: "command-components-test")) { components in
            try await components.store.record("00000000-0000-0000-0000-000000000000")
        }
        #expect(record == nil)
    }
}
