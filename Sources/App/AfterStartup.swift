import PostgresSupport
import ServiceLifecycle

/// Runs a service once the pool of the database it works in runs and, when `probes` is set, the startup probes' first
/// round is done (`StartupProbes.firstRound`: nothing refused the service). The services start together, and a query on a pool
/// whose `run()` has not been called yet waits for it anyway, but PostgresNIO logs a warning for it ("hasn't been
/// called yet") on every start: the worker polls the run ledger, and the reconciler reads it, at once.
struct AfterStartup: Service {
    let databases: PostgresDatabases
    let database: String
    /// nil: the service starts once the pool runs.
    let probes: StartupProbes?
    let service: any Service

    func run() async throws {
        _ = await databases.startedClient(database: database)
        do {
            try await probes?.firstRound()
        } catch {
            // The probes' own service reports the refusal and shuts the group down: wait for it.
            try? await gracefulShutdown()
            return
        }
        try await service.run()
    }
}
