import Catalog
import Logging
import PostgresNIO
import PostgresSupport
import Runs

/// One worker per dataset across processes: a session advisory lock in the state database, keyed by the
/// dataset URN, held on a dedicated connection for as long as the worker works on the dataset. A process that
/// dies (even by `kill -9`) loses its connection and with it the lock, so another replica takes over at once.
/// Replicas must share the state database for this.
public struct PostgresDatasetLocks: DatasetLocking {
    private let client: PostgresClient
    private let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func withLock<T: Sendable>(dataset: DatasetURN, _ body: (any DatasetLease) async throws -> T) async throws -> T? {
        try await client.guardedConnection { connection in
            var binds = PostgresBindings()
            binds.append(dataset.description)
            var acquired = false
            for try await granted in try await connection.guardedQuery(
                PostgresQuery(unsafeSQL: LedgerSQL.tryLockDataset, binds: binds), logger: logger
            ).decode(Bool.self) {
                acquired = granted
            }
            guard acquired else { return nil }
            let result: Result<T, any Error>
            do {
                result = .success(try await body(Lease(connection: connection, logger: logger)))
            } catch {
                result = .failure(error)
            }
            // A closed session released it.
            _ = try? await connection.guardedQuery(PostgresQuery(unsafeSQL: LedgerSQL.unlockDataset, binds: binds), logger: logger)
            return try result.get()
        }
    }

    struct Lease: DatasetLease {
        let connection: PostgresConnection
        let logger: Logger

        /// The lock lives as long as its session: a query on it proves the session is alive.
        func check() async throws {
            try await connection.guardedQuery("SELECT 1", logger: logger)
        }
    }
}
