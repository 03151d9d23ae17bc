import Logging
import PostgresNIO
import PostgresSupport
import TestSupport
import Testing
import Tokenization

@testable import PostgresWarehouse

/// The bookkeeping tables are set up once per database and process (`prepareBookkeeping`): later runs only check
/// they are there, and a dropped table is created again.
@Suite(.enabled(if: TestEnvironment.postgresTestsEnabled)) struct BookkeepingTests {
    @Test func setUpOncePerProcessAndAgainWhenATableWasDropped() async throws {
        try await withWarehouse { warehouse, client, _ in
            let logger = Logger(label: "test")
            try await withScratchDatabase("it_bookkeeping", admin: client) { other, database in
                func prepare() async throws {
                    try await other.withConnection { connection in
                        // A setup would wait for the lock the other session holds: here it fails instead.
                        try await connection.query("SET lock_timeout = '200ms'", logger: logger)
                        try await warehouse.prepareBookkeeping(connection, database: database)
                    }
                }
                func present() async throws -> Bool {
                    for try await present in try await other.query(PostgresQuery(unsafeSQL: BookkeepingSQL.present)).decode(Bool.self) { return present }
                    return false
                }
                #expect(try await !present())
                try await prepare()
                #expect(try await present())
                #expect(warehouse.preparedDatabases.contains(database))

                // Another process holds the setup lock: this process, which set the database up, does not wait for it.
                try await other.withConnection { holder in
                    try await holder.query("BEGIN", logger: logger)
                    try await holder.query(PostgresQuery(unsafeSQL: BookkeepingSQL.setupLock), logger: logger)
                    try await prepare()
                    try await execute(other, "DROP TABLE tokenize_action.verified_marks")
                    await #expect(throws: (any Error).self, "a dropped table must send it through the setup (and its lock) again") { try await prepare() }
                    try await holder.query("ROLLBACK", logger: logger)
                }
                try await prepare()
                #expect(try await present(), "the dropped table is created again")
            }
        }
    }
}
