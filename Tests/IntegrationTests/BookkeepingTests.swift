import Logging
import PostgresNIO
import PostgresSupport
import TestSupport
import Testing
import Tokenization
import WarehouseKit

@testable import PostgresWarehouse

/// The bookkeeping tables are set up once per database and layout (`prepareBookkeeping`): later runs, of any process,
/// only check that the layout is recorded and every table there; a dropped table, or a database set up by another
/// version, goes through the setup again.
@Suite(.enabled(if: TestEnvironment.postgresTestsEnabled)) struct BookkeepingTests {
    @Test func setUpOncePerLayoutAndAgainWhenATableWasDroppedOrTheLayoutDiffers() async throws {
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
                    try await other.withConnection { try await warehouse.hasCurrentLayout($0) }
                }
                #expect(try await !present())
                try await prepare()
                #expect(try await present())

                // Another process holds the setup lock: a process that finds this version's layout does not wait for it.
                try await other.withConnection { holder in
                    try await holder.query("BEGIN", logger: logger)
                    try await holder.query(PostgresQuery(unsafeSQL: BookkeepingSQL.setupLock), logger: logger)
                    try await prepare()
                    try await execute(other, "DROP TABLE tokenize_action.verified_marks")
                    await #expect(throws: (any Error).self, "a dropped table must send it through the setup (and its lock) again") {
                        try await prepare()
                    }
                    try await holder.query("ROLLBACK", logger: logger)
                }
                try await prepare()
                #expect(try await present(), "the dropped table is created again")

                // A database another version set up (its layout recorded, not this one's) is set up again.
                try await execute(other, "UPDATE tokenize_action.bookkeeping_layouts SET layout = 'sha256:another-version'")
                #expect(try await !present())
                try await other.withConnection { holder in
                    try await holder.query("BEGIN", logger: logger)
                    try await holder.query(PostgresQuery(unsafeSQL: BookkeepingSQL.setupLock), logger: logger)
                    await #expect(throws: (any Error).self, "another version's layout must send it through the setup") { try await prepare() }
                    try await holder.query("ROLLBACK", logger: logger)
                }
                try await prepare()
                #expect(try await present())
            }
        }
    }

    /// A one-off command warms the dataset's database up ahead of its run: the bookkeeping is then current, and
    /// the run only checks it.
    @Test func warmingUpSetsTheBookkeepingUp() async throws {
        try await withWarehouse { warehouse, client, _ in
            try await withScratchDatabase("it_warm_up", admin: client) { other, database in
                await warehouse.warmUp(for: TableReference(database: database, schema: "public", table: "customers"))
                let current = try await other.withConnection { try await warehouse.hasCurrentLayout($0) }
                #expect(current)
            }
        }
    }

    /// A setup that collides with another creator of the schema succeeds. The state database's migrations also
    /// create `tokenize_action`, under a lock of their own, and `STATE_DATABASE` may name a dataset's database (its
    /// default, `postgres`, often does); a CI run also saw two setups collide in a new database. `IF NOT EXISTS`
    /// does not see a schema another transaction has not committed yet: the insert waits for that transaction and
    /// then fails on `pg_namespace`'s unique index. The setup runs again after its rollback and finds the schema.
    @Test func aSetupThatCollidesWithAnotherCreatorOfTheSchemaRunsAgain() async throws {
        try await withWarehouse { warehouse, client, _ in
            try await withScratchDatabase("it_setup_race", admin: client) { other, database in
                let logger = Logger(label: "test")
                try await other.withConnection { creator in
                    try await creator.query("BEGIN", logger: logger)
                    try await creator.query("CREATE SCHEMA IF NOT EXISTS tokenize_action", logger: logger)  // no setup lock
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            _ = try await other.withConnection { connection in try await warehouse.prepareBookkeeping(connection, database: database)
                            }
                        }
                        // The setup's own CREATE SCHEMA now waits for this transaction, then collides with its schema.
                        try await Task.sleep(for: .milliseconds(300))
                        try await creator.query("COMMIT", logger: logger)
                        try await group.waitForAll()
                    }
                }
                let current = try await other.withConnection { try await warehouse.hasCurrentLayout($0) }
                #expect(current)
            }
        }
    }
}
