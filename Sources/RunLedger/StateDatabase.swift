import Catalog
import Logging
import PostgresNIO
import PostgresSupport
import Resilience

/// The service's own state: schema `tokenize_action` in the database named by `STATE_DATABASE`.
public enum StateDatabase {
    /// Creates the state database if it is missing, then applies every migration not applied yet. Waits (with
    /// backoff) while PostgreSQL is unreachable, up to `waitAtMost`; a permanent failure (credentials, TLS, a missing
    /// privilege, a broken migration) throws at once. One connection, to the state database itself (its errors are
    /// precise: TLS, credentials); the maintenance database is connected to only when the state database does not
    /// exist yet.
    /// - Throws: `PostgresFailure` whose message names what to set or grant; `.unavailable` once the wait is over.
    public static func prepare(settings: PostgresSettings, database: String, waitAtMost: Duration = .seconds(60), logger: Logger) async throws {
        let databases = try PostgresDatabases(settings: settings, logger: logger)
        let policy = RetryPolicy(backoff: Backoff(initial: .seconds(1), maximum: .seconds(15)), maxAttempts: nil)
        let deadline = ContinuousClock.now + waitAtMost
        do {
            try await withRetry(
                policy, isTransient: { PostgresFailure($0).isTransient && ContinuousClock.now < deadline },
                onRetry: { event in
                    logger.warning("state database unavailable; retrying", metadata: ["error": "\(PostgresFailure(event.error).message)"])
                }
            ) {
                do {
                    try await databases.withConnection(database: database) { try await migrate($0, logger: logger) }
                } catch let failure as PostgresFailure where failure.sqlState == "3D000" {  // invalid_catalog_name: not created yet
                    try await databases.withConnection(database: settings.maintenanceDatabase) {
                        try await create(database, role: settings.username, on: $0, logger: logger)
                    }
                    try await databases.withConnection(database: database) { try await migrate($0, logger: logger) }
                }
            }
        } catch {
            throw explained(PostgresFailure(error), settings: settings, database: database, waited: waitAtMost)
        }
    }

    /// A failure of `prepare` as the operator must read it: the wait that ran out, or the privilege that is missing.
    public static func explained(_ failure: PostgresFailure, settings: PostgresSettings, database: String, waited: Duration) -> PostgresFailure {
        if failure.isTransient {
            return PostgresFailure(
                .unavailable,
                "PostgreSQL at \(settings.host):\(settings.port) did not answer within \(Int(waited.seconds)) s (\(failure.message)); "
                    + "check POSTGRES_HOST and POSTGRES_PORT and that the server accepts connections from here, or raise STARTUP_WAIT_SECONDS")
        }
        if failure.sqlState == "42501" {  // insufficient_privilege as the session starts: no CONNECT on the database
            let role = StatePrivileges.quoted(settings.username)
            let quoted = StatePrivileges.quoted(database)
            return PostgresFailure(
                .configuration,
                "role \(role) may not connect to database \(quoted) (it lacks CONNECT; \(failure.message)): "
                    + "GRANT CONNECT ON DATABASE \(quoted) TO \(role), or set STATE_DATABASE to a database it may connect to")
        }
        return failure
    }

    /// Applies every migration not applied yet, over one connection to the state database: one attempt, no wait
    /// and no creation (`prepare` does both).
    /// - Throws: `PostgresFailure`: transient when the server cannot be reached, SQLSTATE 3D000 when the database
    ///   does not exist.
    public static func migrate(settings: PostgresSettings, database: String, logger: Logger) async throws {
        do {
            try await PostgresDatabases(settings: settings, logger: logger).withConnection(database: database) {
                try await migrate($0, logger: logger)
            }
        } catch {
            throw PostgresFailure(error)
        }
    }

    private static func create(_ database: String, role: String, on maintenance: PostgresConnection, logger: Logger) async throws {
        logger.notice("creating the state database", metadata: ["database": "\(database)"])
        let quoted = StatePrivileges.quoted(database)
        do {
            try await maintenance.guardedQuery(PostgresQuery(unsafeSQL: "CREATE DATABASE \(quoted)"), logger: logger)
        } catch {
            let failure = PostgresFailure(error)
            if failure.sqlState == "42P04" { return }  // created meanwhile by another process
            if failure.sqlState == "42501" {
                throw PostgresFailure(
                    .configuration,
                    "the state database \(quoted) does not exist and role \(StatePrivileges.quoted(role)) may not create it (it lacks CREATEDB): "
                        + "create it (CREATE DATABASE \(quoted) OWNER \(StatePrivileges.quoted(role))), or set STATE_DATABASE to an existing database"
                )
            }
            throw PostgresFailure(
                failure.isTransient ? .unavailable : .configuration,
                "cannot create the state database \(quoted): \(failure.message); create it, or set STATE_DATABASE to an existing one")
        }
    }

    /// Applies the pending migrations in one transaction, under a lock other processes wait on.
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws {
        do {
            try await applyMigrations(connection, logger: logger)
        } catch {
            // A privilege the role lacks is explained by name (role, database, privilege, the GRANT); the catalog is read
            // only on this path, so a process that may migrate pays nothing for it.
            guard PostgresFailure(error).sqlState == "42501", let problem = try? await StatePrivileges.read(connection, logger: logger).problem
            else { throw error }
            throw PostgresFailure(.configuration, problem)
        }
    }

    private static func applyMigrations(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.guardedTransaction(logger: logger) { connection in
            try await connection.guardedQuery(PostgresQuery(unsafeSQL: Migrations.lock), logger: logger)
            for statement in Migrations.bootstrap { try await connection.guardedQuery(PostgresQuery(unsafeSQL: statement), logger: logger) }
            var applied: Set<Int> = []
            for try await version in try await connection.guardedQuery(PostgresQuery(unsafeSQL: Migrations.applied), logger: logger).decode(Int.self)
            {
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
                        let advice =
                            failure.sqlState == "42501"
                            ? "; run the service once as the owner of schema tokenize_action, or set POSTGRES_USER to it" : ""
                        throw PostgresFailure(
                            .configuration,
                            "state migration \(migration.version) (\(migration.description)) failed: \(failure.message); nothing was "
                                + "changed (it runs in one transaction)\(advice)"
                        )
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
