import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import PostgresWarehouse
import TestSupport
import Testing
import Tokenization
import WarehouseKit

/// Whether a dataset's database exists is read from `pg_database` through a database the process is connected to
/// already (the state database), not through a connection of its own to the maintenance database.
@Suite(.enabled(if: TestEnvironment.postgresTestsEnabled)) struct SharedCatalogTests {
    @Test func aMissingDatabaseIsFoundWithoutConnectingToTheMaintenanceDatabase() async throws {
        var settings = try stackPostgresSettings()
        settings.applicationName = "catalog-test-\(UInt32.random(in: 0...UInt32.max))"
        let known = ProcessInfo.processInfo.environment["POSTGRES_TEST_DATABASE"] ?? "shop"
        let logger = Logger(label: "test")
        let databases = try PostgresDatabases(settings: settings, knownDatabase: known, logger: logger)
        let warehouse = PostgresWarehouse(databases: databases, tokenizer: Tokenizer(keyring: oldKeys), logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await databases.run() }
            defer { group.cancelAll() }
            let client = await databases.startedClient(database: known)
            await #expect {
                try await warehouse.describe(TableReference(database: "no_such_database", schema: "public", table: "t"))
            } throws: { error in
                (error as? WarehouseError)?.code == .tableNotFound && "\(error)".contains("no_such_database")
            }
            var binds = PostgresBindings()
            binds.append(settings.applicationName)
            var sessions: [String] = []
            let query = PostgresQuery(unsafeSQL: "SELECT datname::text FROM pg_stat_activity WHERE application_name = $1 ORDER BY 1", binds: binds)
            for try await database in try await client.query(query).decode(String.self) { sessions.append(database) }
            #expect(!sessions.isEmpty && sessions.allSatisfy { $0 == known }, "sessions of this process: \(sessions)")
        }
    }
}
