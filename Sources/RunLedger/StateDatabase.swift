import Logging
import PostgresNIO
import PostgresSupport
import Resilience

/// The service's own state: schema `tokenize_action` in the database named by `STATE_DATABASE`.
public enum StateDatabase {
    /// Creates the state database if it is missing, then applies every migration not applied yet. Waits (with
    /// backoff) while PostgreSQL is unreachable; a permanent failure (no privilege, a broken migration) throws.
    public static func prepare(settings: PostgresSettings, database: String, logger: Logger) async throws {
        let databases = try PostgresDatabases(settings: settings, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await databases.run() }
            defer { group.cancelAll() }
            let policy = RetryPolicy(backoff: Backoff(initial: .seconds(1), maximum: .seconds(15)), maxAttempts: nil)
            try await withRetry(
                policy, isTransient: { PostgresFailure($0).isTransient },
                onRetry: { event in
                    logger.warning("state database unavailable; retrying", metadata: ["error": "\(PostgresFailure(event.error).message)"])
                }
            ) {
                try await databases.probe(database: databases.settings.maintenanceDatabase)  // a precise error for TLS and credentials
                try await createDatabaseIfMissing(database, databases: databases, logger: logger)
                try await migrate(await databases.startedClient(database: database), logger: logger)
            }
        }
    }

    private static func createDatabaseIfMissing(_ database: String, databases: PostgresDatabases, logger: Logger) async throws {
        let maintenance = await databases.startedClient(database: databases.settings.maintenanceDatabase)
        var binds = PostgresBindings()
        binds.append(database)
        let rows = try await maintenance.query(PostgresQuery(unsafeSQL: "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", binds: binds), logger: logger)
        for try await exists in rows.decode(Bool.self) where !exists {
            logger.notice("creating the state database", metadata: ["database": "\(database)"])
            let quoted = "\"" + database.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            do {
                try await maintenance.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(quoted)"), logger: logger)
            } catch {
                let failure = PostgresFailure(error)
                guard failure.sqlState == "42P04" else {  // created meanwhile by another process
                    throw PostgresFailure(
                        failure.isTransient ? .unavailable : .configuration,
                        "cannot create the state database \(database): \(failure.message); create it, or set STATE_DATABASE to an existing one")
                }
            }
        }
    }

    /// Applies the pending migrations in one transaction, under a lock other processes wait on.
    static func migrate(_ client: PostgresClient, logger: Logger) async throws {
        try await client.guardedTransaction(logger: logger) { connection in
            try await connection.guardedQuery(PostgresQuery(unsafeSQL: Migrations.lock), logger: logger)
            for statement in Migrations.bootstrap { try await connection.guardedQuery(PostgresQuery(unsafeSQL: statement), logger: logger) }
            var applied: Set<Int> = []
            for try await version in try await connection.guardedQuery(PostgresQuery(unsafeSQL: Migrations.applied), logger: logger).decode(Int.self) {
                applied.insert(version)
            }
            for migration in Migrations.all where !applied.contains(migration.version) {
                logger.notice("applying state migration", metadata: ["version": "\(migration.version)", "description": "\(migration.description)"])
                for statement in migration.statements {
                    do {
                        try await connection.guardedQuery(PostgresQuery(unsafeSQL: statement), logger: logger)
                    } catch {
                        let failure = PostgresFailure(error)
                        guard !failure.isTransient else { throw failure }
                        throw PostgresFailure(
                            .configuration,
                            "state migration \(migration.version) (\(migration.description)) failed: \(failure.message); nothing was changed (it runs in one transaction)")
                    }
                }
                var binds = PostgresBindings()
                binds.append(migration.version)
                binds.append(migration.description)
                try await connection.guardedQuery(PostgresQuery(unsafeSQL: Migrations.record, binds: binds), logger: logger)
            }
        }
    }
}
