import Logging
import PostgresNIO
import PostgresSupport
import WarehouseKit

extension PostgresWarehouse {
    /// Starts `table`'s database's pool and sets up its bookkeeping, so a run that follows finds both ready. Only
    /// for a database the server has (a pool for a missing one would retry its connection for a long time); any
    /// failure is left to the run, which meets it and says what to do.
    public func warmUp(for table: TableReference) async {
        do {
            guard try await databaseExists(table.database) else { return }
            try await databases.startedClient(database: table.database).withConnection { connection in
                try await prepareBookkeeping(connection, database: table.database)
            }
        } catch {
            logger.debug(
                "database not prepared ahead of the run; the run prepares it", metadata: ["database": "\(table.database)", "error": "\(error)"])
        }
    }

    /// Creates or updates the bookkeeping tables of `database` (under a lock shared by every process), and gives the
    /// ff1 columns `ledgerColumns` of the run's relation their ledger slots: where they sit in the ledger, nil
    /// without any. A database that has this version's layout, every table still there, only gets that checked
    /// (`BookkeepingSQL.current`) when there are no ledger columns to register.
    @discardableResult
    func prepareBookkeeping(
        _ connection: PostgresConnection, database: String, registering ledgerColumns: [String] = [], of table: TableReference? = nil
    ) async throws -> FF1LedgerLayout? {
        if ledgerColumns.isEmpty, try await hasCurrentLayout(connection) { return nil }
        var attempt = 1
        while true {
            do {
                return try await setUp(connection, registering: ledgerColumns, of: table)
            } catch  where attempt < 3 && BookkeepingSQL.createdMeanwhile.contains(PostgresFailure(error).sqlState ?? "") {
                // Another transaction created the schema or a table meanwhile (the state database's migrations take
                // a lock of their own, and `STATE_DATABASE` may be this database): `IF NOT EXISTS` does not see an
                // object not committed yet, so the insert waits for it and then collides. The next attempt sees it.
                attempt += 1
            }
        }
    }

    /// The setup transaction of `prepareBookkeeping`.
    private func setUp(_ connection: PostgresConnection, registering ledgerColumns: [String], of table: TableReference?) async throws
        -> FF1LedgerLayout?
    {
        try await connection.guardedTransaction(logger: logger) { connection in
            try await connection.guardedQuery(PostgresQuery(unsafeSQL: BookkeepingSQL.setupLock), logger: logger)
            for statement in BookkeepingSQL.setup {
                try await connection.guardedQuery(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            var layoutBinds = PostgresBindings()
            layoutBinds.append(BookkeepingSQL.layout)
            try await connection.guardedQuery(PostgresQuery(unsafeSQL: BookkeepingSQL.recordLayout, binds: layoutBinds), logger: logger)
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
    }

    /// Whether the database has this version's bookkeeping layout with every table there; false where no setup has
    /// recorded a layout yet (its table is missing).
    func hasCurrentLayout(_ connection: PostgresConnection) async throws -> Bool {
        var binds = PostgresBindings()
        binds.append(BookkeepingSQL.layout)
        do {
            for try await current in try await connection.guardedQuery(PostgresQuery(unsafeSQL: BookkeepingSQL.current, binds: binds), logger: logger)
                .decode(Bool.self)
            {
                return current
            }
            return false
        } catch  where PostgresFailure(error).sqlState == "42P01" {  // undefined_table: no layout recorded yet
            return false
        }
    }
}
