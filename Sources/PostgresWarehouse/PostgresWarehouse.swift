import Logging
import PostgresNIO
import Tokenization
import WarehouseKit

/// Tokenizes Postgres tables in place, computing tokens in SQL so no row travels through the service.
///
/// Work is split into primary-key ranges (or page ranges for tables without a single-column key), each
/// its own transaction, so a large table never holds its row locks for the whole run and a crash loses
/// at most one batch (a re-run finishes the rest: tokenized values are skipped).
public struct PostgresWarehouse: Warehouse {
    private let databases: PostgresDatabases
    private let settings: PostgresSettings
    /// Rows per primary-key batch (default 20 000).
    public var batchSize: Int
    /// Pages per batch when the table has no single-column primary key (default 2 000, ≈16 MiB).
    public var pagesPerBatch: Int
    private let logger: Logger

    public init(databases: PostgresDatabases, settings: PostgresSettings, batchSize: Int = 20_000, pagesPerBatch: Int = 2_000, logger: Logger) {
        self.databases = databases
        self.settings = settings
        self.batchSize = batchSize
        self.pagesPerBatch = pagesPerBatch
        self.logger = logger
    }

    public func ping() async -> Bool {
        do {
            let rows = try await databases.client(database: settings.maintenanceDatabase).query("SELECT 1")
            for try await _ in rows {}
            return true
        } catch {
            return false
        }
    }

    public func describe(_ table: TableReference) async throws(WarehouseError) -> TableDescription {
        // Checked through the maintenance database first: a pool for a missing database would retry
        // its connection for a long time instead of failing.
        let maintenance = databases.client(database: settings.maintenanceDatabase)
        let databaseExists = try await Self.collect(table) {
            var binds = PostgresBindings()
            binds.append(table.database)
            let rows = try await maintenance.query(PostgresQuery(unsafeSQL: PostgresTokenizationSQL.databaseExists, binds: binds), logger: logger)
            return try await Self.single(Bool.self, rows) ?? false
        }
        guard databaseExists else {
            throw WarehouseError(
                .tableNotFound,
                "database \(table.database) does not exist on the Postgres server at \(settings.host):\(settings.port); check the dataset name in DataHub matches <database>.<schema>.<table>",
                table: table)
        }
        let client = databases.client(database: table.database)
        let columns = try await Self.collect(table) {
            let rows = try await client.query(Self.catalogQuery(PostgresTokenizationSQL.describeColumns, table), logger: logger)
            var columns: [ColumnDescription] = []
            for try await (name, type, isText) in rows.decode((String, String, Bool).self) {
                columns.append(ColumnDescription(name: name, dataType: type, isText: isText))
            }
            return columns
        }
        guard !columns.isEmpty else {
            throw WarehouseError(
                .tableNotFound,
                "table \(table.schema).\(table.table) was not found in Postgres database \(table.database); check the dataset name in DataHub matches <database>.<schema>.<table>",
                table: table)
        }
        return TableDescription(table: table, columns: columns)
    }

    public func tokenize(_ description: TableDescription, columns: [String]) async throws(WarehouseError) -> TokenizationOutcome {
        let table = description.table
        for column in columns {
            guard let found = description.column(named: column) else {
                throw WarehouseError(.columnNotFound, "column \(column) does not exist in \(table)", table: table)
            }
            guard found.isText else {
                throw WarehouseError(.columnNotText, "column \(column) of \(table) has type \(found.dataType); tokens need a text column", table: table)
            }
        }
        let client = databases.client(database: table.database)
        let keys = try await Self.collect(table) {
            let rows = try await client.query(Self.catalogQuery(PostgresTokenizationSQL.primaryKeyColumns, table), logger: logger)
            var keys: [(String, String)] = []
            for try await key in rows.decode((String, String).self) { keys.append(key) }
            return keys
        }
        return try await Self.collect(table) {
            if keys.count == 1 {
                return try await tokenizeByKey(client: client, table: table, columns: columns, key: keys[0].0, keyType: keys[0].1)
            }
            return try await tokenizeByPages(client: client, table: table, columns: columns)
        }
    }

    private func tokenizeByKey(client: PostgresClient, table: TableReference, columns: [String], key: String, keyType: String) async throws -> TokenizationOutcome {
        var lower: String? = nil
        var outcome = TokenizationOutcome(rowsUpdated: 0, batches: 0)
        while true {
            var boundBinds = PostgresBindings()
            if let lower { boundBinds.append(lower) }
            boundBinds.append(batchSize)
            let boundSQL = PostgresTokenizationSQL.nextKeyBound(table: table, keyColumn: key, castType: keyType, hasLowerBound: lower != nil)
            guard let upper = try await Self.single(String?.self, client.query(PostgresQuery(unsafeSQL: boundSQL, binds: boundBinds), logger: logger)) ?? nil else {
                return outcome
            }
            var binds = PostgresBindings()
            binds.append(PocTokenScheme.tokenPattern)
            if let lower { binds.append(lower) }
            binds.append(upper)
            let sql = PostgresTokenizationSQL.updateBatch(
                table: table, columns: columns, range: .primaryKey(column: key, castType: keyType, hasLowerBound: lower != nil))
            let changed = try await Self.single(Int64.self, client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)) ?? 0
            outcome.rowsUpdated += Int(changed)
            outcome.batches += 1
            lower = upper
        }
    }

    private func tokenizeByPages(client: PostgresClient, table: TableReference, columns: [String]) async throws -> TokenizationOutcome {
        let pages = try await Self.single(Int64.self, client.query(Self.catalogQuery(PostgresTokenizationSQL.pageCount, table), logger: logger)) ?? 0
        var outcome = TokenizationOutcome(rowsUpdated: 0, batches: 0)
        var start: Int64 = 0
        let sql = PostgresTokenizationSQL.updateBatch(table: table, columns: columns, range: .pages)
        // The last range is open-ended past the current size, so rows appended meanwhile are covered too.
        repeat {
            let end = start + Int64(pagesPerBatch) >= pages ? Int64(Int32.max) : start + Int64(pagesPerBatch)
            var batchBinds = PostgresBindings()
            batchBinds.append(PocTokenScheme.tokenPattern)
            batchBinds.append("(\(start),0)")
            batchBinds.append("(\(end),0)")
            let changed = try await Self.single(Int64.self, client.query(PostgresQuery(unsafeSQL: sql, binds: batchBinds), logger: logger)) ?? 0
            outcome.rowsUpdated += Int(changed)
            outcome.batches += 1
            start = end
        } while start < pages
        return outcome
    }

    /// A catalog query taking the table's schema (`$1`) and name (`$2`).
    private static func catalogQuery(_ sql: String, _ table: TableReference) -> PostgresQuery {
        var binds = PostgresBindings()
        binds.append(table.schema)
        binds.append(table.table)
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    private static func single<T: PostgresDecodable>(_ type: T.Type, _ rows: PostgresRowSequence) async throws -> T? {
        var result: T? = nil
        for try await (value) in rows.decode(T.self) where result == nil { result = value }
        return result
    }

    /// Runs database work, turning driver errors into `WarehouseError`s that name the table.
    private static func collect<T>(_ table: TableReference, _ work: () async throws -> T) async throws(WarehouseError) -> T {
        do {
            return try await work()
        } catch let error as WarehouseError {
            throw error
        } catch let error as PSQLError {
            if let message = error.serverInfo?[.message] {
                let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                throw WarehouseError(.statement, "Postgres error on \(table): \(message)\(state)", table: table)
            }
            throw WarehouseError(.connection, "cannot reach Postgres for \(table): \(error.code); check POSTGRES_HOST/POSTGRES_PORT and credentials", table: table)
        } catch {
            throw WarehouseError(.connection, "Postgres failure on \(table): \(error)", table: table)
        }
    }
}
