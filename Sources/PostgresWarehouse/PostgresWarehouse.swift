import Logging
import PostgresNIO
import Tokenization
import WarehouseKit

/// Tokenizes Postgres tables in place.
///
/// `poc` and `hmac` tokens are computed in SQL, so no row travels through the service. `siv` and `ff1` tokens
/// (and rekey runs) are computed in the service: each batch reads its rows by primary key with `FOR UPDATE`,
/// computes tokens in Swift, `COPY`s the new values into a temp table and applies them with one
/// `UPDATE … FROM`. ff1 tokens look like plaintext, so each one is recorded (key id and keyed digest) in the
/// ledger table `tokenize_action.ff1_ledger`, which is how a re-run knows to leave it alone.
///
/// Work is split into primary-key ranges (or page ranges for push-down on tables without a single-column
/// key), each its own transaction, so a large table never holds its row locks for the whole run and a crash
/// loses at most one batch (a re-run finishes the rest: tokenized values are skipped).
public struct PostgresWarehouse: Warehouse {
    private let databases: PostgresDatabases
    private let settings: PostgresSettings
    private let tokenizer: Tokenizer
    /// Rows per primary-key batch (default 20 000).
    public var batchSize: Int
    /// Pages per batch when the table has no single-column primary key (default 2 000, ≈16 MiB).
    public var pagesPerBatch: Int
    private let logger: Logger

    public init(
        databases: PostgresDatabases, settings: PostgresSettings, tokenizer: Tokenizer, batchSize: Int = 20_000, pagesPerBatch: Int = 2_000,
        logger: Logger
    ) {
        self.databases = databases
        self.settings = settings
        self.tokenizer = tokenizer
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

    public func tokenize(_ description: TableDescription, columns: [ColumnPlan], mode: TokenizationMode) async throws(WarehouseError) -> TokenizationOutcome {
        let table = description.table
        for (column, found) in try description.textColumns(for: columns) {
            if column.scheme == .hmac, let limit = Self.characterLimit(found.dataType), let keyID = try? tokenizer.newestKeyID(.hmac) {
                let length = Tokenizer.hmacPrefix.count + keyID.count + 1 + Tokenizer.hmacDigestLength
                if limit < length {
                    throw WarehouseError(
                        .columnNotText,
                        "column \(column.name) of \(table) is \(found.dataType) but hmac tokens are \(length) characters; widen the column, or tag it tokenize/scheme:ff1 for same-length tokens",
                        table: table)
                }
            }
        }
        let client = databases.client(database: table.database)
        let keys = try await Self.collect(table) {
            let rows = try await client.query(Self.catalogQuery(PostgresTokenizationSQL.primaryKeyColumns, table), logger: logger)
            var keys: [(String, String)] = []
            for try await key in rows.decode((String, String).self) { keys.append(key) }
            return keys
        }
        let pushDown = mode == .tokenize && columns.allSatisfy(\.scheme.canPushDown)
        if !pushDown, keys.count != 1 {
            throw WarehouseError(
                .unsupported,
                "\(table) has no single-column primary key, which siv and ff1 tokens (and rekey runs) need to write rows back; add one, or use the hmac scheme, which runs inside Postgres",
                table: table)
        }
        let binder = try PushDownBinder(tokenizer: tokenizer, columns: columns, table: table)
        return try await Self.collect(table) {
            if !pushDown {
                return try await tokenizeInService(client: client, table: table, columns: columns, key: keys[0].0, keyType: keys[0].1, mode: mode)
            }
            if keys.count == 1 {
                return try await tokenizeByKey(client: client, table: table, columns: columns, binder: binder, key: keys[0].0, keyType: keys[0].1)
            }
            return try await tokenizeByPages(client: client, table: table, columns: columns, binder: binder)
        }
    }

    private func tokenizeByKey(
        client: PostgresClient, table: TableReference, columns: [ColumnPlan], binder: PushDownBinder, key: String, keyType: String
    ) async throws -> TokenizationOutcome {
        var lower: String? = nil
        var outcome = TokenizationOutcome(rowsUpdated: 0, batches: 0)
        while true {
            guard let upper = try await nextUpperKey(client: client, table: table, key: key, keyType: keyType, after: lower) else {
                return outcome
            }
            let statement = PostgresTokenizationSQL.updateBatch(
                table: table, columns: columns, range: .primaryKey(column: key, castType: keyType, hasLowerBound: lower != nil))
            let query = PostgresQuery(unsafeSQL: statement.sql, binds: binder.bindings(statement.parameters, lower: lower, upper: upper))
            let changed = try await Self.single(Int64.self, client.query(query, logger: logger)) ?? 0
            outcome.rowsUpdated += Int(changed)
            outcome.batches += 1
            lower = upper
        }
    }

    /// The largest key of the next batch of at most `batchSize` rows after `lower`, or nil at the end.
    private func nextUpperKey(client: PostgresClient, table: TableReference, key: String, keyType: String, after lower: String?) async throws -> String? {
        var binds = PostgresBindings()
        if let lower { binds.append(lower) }
        binds.append(batchSize)
        let sql = PostgresTokenizationSQL.nextKeyBound(table: table, keyColumn: key, castType: keyType, hasLowerBound: lower != nil)
        return try await Self.single(String?.self, client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)) ?? nil
    }

    private func tokenizeByPages(client: PostgresClient, table: TableReference, columns: [ColumnPlan], binder: PushDownBinder) async throws -> TokenizationOutcome {
        let pages = try await Self.single(Int64.self, client.query(Self.catalogQuery(PostgresTokenizationSQL.pageCount, table), logger: logger)) ?? 0
        var outcome = TokenizationOutcome(rowsUpdated: 0, batches: 0)
        var start: Int64 = 0
        let statement = PostgresTokenizationSQL.updateBatch(table: table, columns: columns, range: .pages)
        // The last range is open-ended past the current size, so rows appended meanwhile are covered too.
        repeat {
            let end = start + Int64(pagesPerBatch) >= pages ? Int64(Int32.max) : start + Int64(pagesPerBatch)
            let query = PostgresQuery(
                unsafeSQL: statement.sql, binds: binder.bindings(statement.parameters, lower: "(\(start),0)", upper: "(\(end),0)"))
            let changed = try await Self.single(Int64.self, client.query(query, logger: logger)) ?? 0
            outcome.rowsUpdated += Int(changed)
            outcome.batches += 1
            start = end
        } while start < pages
        return outcome
    }

    /// siv, ff1 and rekey runs: keyset batches read with `FOR UPDATE`, tokens computed here, written back
    /// through COPY into a temp table and one `UPDATE … FROM`, all in one transaction per batch.
    private func tokenizeInService(
        client: PostgresClient, table: TableReference, columns: [ColumnPlan], key: String, keyType: String, mode: TokenizationMode
    ) async throws -> TokenizationOutcome {
        let ledgerColumns = columns.filter { $0.scheme == .ff1 }.map(\.name)
        let relation = "\(table.schema).\(table.table)"
        if !ledgerColumns.isEmpty {
            for statement in PostgresTokenizationSQL.createLedger {
                try await client.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
        }
        var outcome = TokenizationOutcome(rowsUpdated: 0, batches: 0, pushedDown: false)
        var lower: String? = nil
        while true {
            let batch = try await client.withConnection { connection in
                try await inTransaction(connection) {
                    try await tokenizeBatch(
                        connection: connection, table: table, relation: relation, columns: columns, ledgerColumns: ledgerColumns, key: key,
                        keyType: keyType, mode: mode, after: lower)
                }
            }
            guard let lastKey = batch.lastKey else { return outcome }
            outcome.rowsUpdated += batch.changed
            outcome.batches += 1
            lower = lastKey
            if batch.rowsRead < batchSize { return outcome }
        }
    }

    private struct BatchResult {
        var lastKey: String?
        var rowsRead: Int
        var changed: Int
    }

    private func tokenizeBatch(
        connection: PostgresConnection, table: TableReference, relation: String, columns: [ColumnPlan], ledgerColumns: [String], key: String,
        keyType: String, mode: TokenizationMode, after lower: String?
    ) async throws -> BatchResult {
        var binds = PostgresBindings()
        if !ledgerColumns.isEmpty { binds.append(relation) }
        for column in ledgerColumns { binds.append(column) }
        if let lower { binds.append(lower) }
        binds.append(batchSize)
        let select = PostgresTokenizationSQL.selectBatch(
            table: table, keyColumn: key, keyType: keyType, columns: columns, ledgerColumns: ledgerColumns, hasLowerBound: lower != nil)
        var copyText = ""
        var ledgerRows: (columns: [String], keys: [String], keyIDs: [String], digests: [String]) = ([], [], [], [])
        var result = BatchResult(lastKey: nil, rowsRead: 0, changed: 0)
        var rowsToWrite = 0
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: select, binds: binds), logger: logger) {
            let cells = row.makeRandomAccess()
            let rowKey = try cells[0].decode(String.self)
            result.lastKey = rowKey
            result.rowsRead += 1
            var newValues: [String?] = []
            var changed = false
            for (index, column) in columns.enumerated() {
                let value = try cells[1 + index].decode(String?.self)
                var ledger: LedgerEntry? = nil
                if let ledgerIndex = ledgerColumns.firstIndex(of: column.name) {
                    let base = 1 + columns.count + 2 * ledgerIndex
                    if let keyID = try cells[base].decode(String?.self), let digest = try cells[base + 1].decode(String?.self) {
                        ledger = LedgerEntry(keyID: keyID, digest: Hex.decode(digest) ?? [])
                    }
                }
                switch try tokenizer.decide(value, scheme: column.scheme, mode: mode, ledger: ledger) {
                case .keep:
                    newValues.append(nil)
                case .write(let token, let entry):
                    newValues.append(token)
                    changed = true
                    if let entry {
                        ledgerRows.columns.append(column.name)
                        ledgerRows.keys.append(rowKey)
                        ledgerRows.keyIDs.append(entry.keyID)
                        ledgerRows.digests.append(Hex.encode(entry.digest))
                    }
                }
            }
            if changed {
                copyText += PostgresTokenizationSQL.copyTextRow([rowKey] + newValues)
                rowsToWrite += 1
            }
        }
        guard rowsToWrite > 0 else { return result }
        try await connection.query(PostgresQuery(unsafeSQL: PostgresTokenizationSQL.createBatchTable(columnCount: columns.count)), logger: logger)
        try await connection.copyFrom(table: PostgresTokenizationSQL.batchTable, logger: logger) { writer in
            try await writer.write(ByteBuffer(string: copyText))
        }
        let apply = PostgresTokenizationSQL.applyBatch(table: table, keyColumn: key, keyType: keyType, columns: columns)
        result.changed = Int(try await Self.single(Int64.self, connection.query(PostgresQuery(unsafeSQL: apply), logger: logger)) ?? 0)
        if !ledgerRows.columns.isEmpty {
            var ledgerBinds = PostgresBindings()
            ledgerBinds.append(relation)
            ledgerBinds.append(ledgerRows.columns)
            ledgerBinds.append(ledgerRows.keys)
            ledgerBinds.append(ledgerRows.keyIDs)
            ledgerBinds.append(ledgerRows.digests)
            try await connection.query(PostgresQuery(unsafeSQL: PostgresTokenizationSQL.upsertLedger, binds: ledgerBinds), logger: logger)
        }
        return result
    }

    /// Runs `work` between BEGIN and COMMIT, rolling back when it throws.
    private func inTransaction<T>(_ connection: PostgresConnection, _ work: () async throws -> T) async throws -> T {
        try await connection.query("BEGIN", logger: logger)
        do {
            let value = try await work()
            try await connection.query("COMMIT", logger: logger)
            return value
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger)
            throw error
        }
    }

    /// N of `character varying(N)` or `character(N)`.
    static func characterLimit(_ dataType: String) -> Int? {
        guard dataType.hasPrefix("character"), let open = dataType.firstIndex(of: "("), let close = dataType.lastIndex(of: ")") else { return nil }
        return Int(dataType[dataType.index(after: open)..<close])
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
        } catch let error as TokenizationError {
            throw WarehouseError(.tokenization, "cannot tokenize \(table): \(error.message)", table: table)
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

/// Binds the values a push-down statement asks for. Holds the hmac pads: never log it.
struct PushDownBinder: Sendable {
    private let pocPattern = PocTokenScheme.tokenPattern
    private let hmac: (pattern: String, keyID: String, inner: [UInt8], outer: [UInt8])?

    init(tokenizer: Tokenizer, columns: [ColumnPlan], table: TableReference) throws(WarehouseError) {
        guard columns.contains(where: { $0.scheme == .hmac }) else {
            hmac = nil
            return
        }
        do {
            let pads = try tokenizer.hmacPads()
            hmac = (try tokenizer.hmacTokenPattern(), pads.keyID, pads.inner, pads.outer)
        } catch {
            throw WarehouseError(.tokenization, "cannot tokenize \(table): \(error.message)", table: table)
        }
    }

    func bindings(_ parameters: [PostgresTokenizationSQL.PushDownParameter], lower: String?, upper: String) -> PostgresBindings {
        var binds = PostgresBindings()
        for parameter in parameters {
            switch parameter {
            case .pocPattern: binds.append(pocPattern)
            case .hmacPattern: binds.append(hmac?.pattern ?? "")
            case .hmacKeyID: binds.append(hmac?.keyID ?? "")
            case .hmacInnerPad: binds.append(ByteBuffer(bytes: hmac?.inner ?? []))
            case .hmacOuterPad: binds.append(ByteBuffer(bytes: hmac?.outer ?? []))
            case .lowerBound: binds.append(lower ?? "")
            case .upperBound: binds.append(upper)
            }
        }
        return binds
    }
}
