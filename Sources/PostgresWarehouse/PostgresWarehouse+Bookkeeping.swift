import Logging
import PostgresNIO
import PostgresSupport
import Synchronization
import WarehouseKit

extension PostgresWarehouse {
    /// Creates or updates the bookkeeping tables of `database` (under a lock shared by every process), and gives the
    /// ff1 columns `ledgerColumns` of the run's relation their ledger slots: where they sit in the ledger, nil
    /// without any. Once this process has set a database up, a call without ledger columns only checks that the
    /// tables are still there.
    @discardableResult
    func prepareBookkeeping(
        _ connection: PostgresConnection, database: String, registering ledgerColumns: [String] = [], of table: TableReference? = nil
    ) async throws -> FF1LedgerLayout? {
        if ledgerColumns.isEmpty, preparedDatabases.contains(database) {
            for try await present in try await connection.guardedQuery(PostgresQuery(unsafeSQL: BookkeepingSQL.present), logger: logger).decode(Bool.self)
            where present {
                return nil
            }
        }
        let layout: FF1LedgerLayout? = try await connection.guardedTransaction(logger: logger) { connection in
            try await connection.guardedQuery(PostgresQuery(unsafeSQL: BookkeepingSQL.setupLock), logger: logger)
            for statement in BookkeepingSQL.setup {
                try await connection.guardedQuery(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            guard let table, !ledgerColumns.isEmpty else { return nil }
            var binds = PostgresBindings()
            binds.append(PostgresCatalogSQL.relationName(table))
            binds.append(ledgerColumns)
            try await connection.guardedQuery(PostgresQuery(unsafeSQL: FF1LedgerSQL.register, binds: binds), logger: logger)
            var layout = FF1LedgerLayout(relationID: 0, slots: [:])
            for try await (column, relationID, slot) in try await connection.guardedQuery(
                PostgresQuery(unsafeSQL: FF1LedgerSQL.slots, binds: binds), logger: logger
            ).decode((String, Int32, Int).self) {
                layout.relationID = relationID
                layout.slots[column] = slot
            }
            return layout
        }
        preparedDatabases.insert(database)
        return layout
    }
}

/// Databases whose bookkeeping tables this process has created or updated.
final class PreparedDatabases: Sendable {
    private let names = Mutex<Set<String>>([])

    func contains(_ database: String) -> Bool { names.withLock { $0.contains(database) } }
    func insert(_ database: String) { _ = names.withLock { $0.insert(database) } }
}
