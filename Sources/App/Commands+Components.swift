import Logging
import PostgresSupport
import RunLedger
import ServiceConfiguration

extension Commands {
    /// Runs `body` with the components, their PostgreSQL pools running, once the state database is up to date.
    /// `beforeState` starts at once and runs beside the preparation and `body` (cancelled when `body` ends): work
    /// that needs neither PostgreSQL nor the state, done ahead so `body` does not wait for it.
    ///
    /// The pools connect while the state database is checked, as a one-off command is usually run against a
    /// server that answers and a state database that exists. When the first check cannot reach it (the server is
    /// down, the database not created yet), those pools are closed, since theirs back off for longer and longer
    /// before each attempt: the state database is then prepared first (waiting for the server, creating the
    /// database), and new pools start after it.
    static func withComponents<T: Sendable>(
        _ configuration: AppConfiguration, stateConnections: Int = 1, logger: Logger, beforeState: (@Sendable (Components) async -> Void)? = nil,
        _ body: @Sendable (Components) async throws -> T
    ) async throws -> T {
        let settings = ComponentSettings(configuration: configuration, stateConnections: stateConnections, logger: logger, beforeState: beforeState)
        if case .done(let result) = try await withComponents(settings, poolsFirst: true, body) { return result }
        logger.debug("state database not reachable at the first check; preparing it before the pools start")
        guard case .done(let result) = try await withComponents(settings, poolsFirst: false, body) else {
            throw PostgresFailure(.unavailable, "the state database could not be prepared")  // not reached: `prepare` waits or throws
        }
        return result
    }

    private struct ComponentSettings: Sendable {
        var configuration: AppConfiguration
        var stateConnections: Int
        var logger: Logger
        var beforeState: (@Sendable (Components) async -> Void)?
    }

    private enum Attempt<T: Sendable>: Sendable {
        case done(T)
        /// The state database did not answer the check made while the pools started.
        case stateUnreachable
    }

    /// `poolsFirst`: the pools start with one check of the state database (`.stateUnreachable` when it cannot be
    /// reached); otherwise they start after `StateDatabase.prepare`.
    private static func withComponents<T: Sendable>(
        _ settings: ComponentSettings, poolsFirst: Bool, _ body: @Sendable (Components) async throws -> T
    ) async throws -> Attempt<T> {
        let configuration = settings.configuration
        let state = configuration.runs.stateDatabase
        let components = try Components(configuration: configuration, stateConnections: settings.stateConnections, logger: settings.logger)
        return try await withThrowingTaskGroup(of: Void.self, returning: Attempt<T>.self) { group in
            defer { group.cancelAll() }
            if poolsFirst {
                // The state database's connections first: they are on the way to every step after.
                async let migrated: Void = StateDatabase.migrate(settings: configuration.postgres, database: state, logger: settings.logger)
                group.addTask { try await components.databases.run() }
                if let beforeState = settings.beforeState { group.addTask { await beforeState(components) } }
                do {
                    try await migrated
                } catch let failure as PostgresFailure where failure.isTransient || failure.sqlState == "3D000" {  // 3D000: no such database
                    return .stateUnreachable
                } catch {
                    let failure = StateDatabase.explained(PostgresFailure(error), settings: configuration.postgres, database: state, waited: .zero)
                    throw StartupFailure(.postgres, "PostgreSQL: \(failure.message)")
                }
            } else {
                if let beforeState = settings.beforeState { group.addTask { await beforeState(components) } }
                do {
                    try await StateDatabase.prepare(
                        settings: configuration.postgres, database: state, waitAtMost: configuration.startupWait, logger: settings.logger)
                } catch {
                    throw StartupFailure(.postgres, "PostgreSQL: \(PostgresFailure(error).message)")
                }
                group.addTask { try await components.databases.run() }
            }
            // The store's client exists already; its first query waits for the pool to run.
            _ = await components.databases.startedClient(database: state)
            return .done(try await body(components))
        }
    }
}
