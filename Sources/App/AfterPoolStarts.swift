import PostgresSupport
import ServiceLifecycle

/// Runs a service once the pool of the database it works in runs. The services start together, and a query on a
/// pool whose `run()` has not been called yet waits for it anyway, but PostgresNIO logs a warning for it ("hasn't
/// been called yet") on every start: the worker polls the run ledger, and the reconciler reads it, at once.
struct AfterPoolStarts: Service {
    let databases: PostgresDatabases
    let database: String
    let service: any Service

    func run() async throws {
        _ = await databases.startedClient(database: database)
        try await service.run()
    }
}
