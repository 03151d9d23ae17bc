import Logging
import PostgresNIO
import PostgresSupport
import Synchronization
import Tokenization
import WarehouseKit

/// Tokenizes PostgreSQL tables in place, resumably.
///
/// `poc` and `hmac` tokens are computed in SQL (`PushDownBatches`), so no row travels through the service;
/// `siv` and `ff1` tokens and rekey runs are computed in the service (`ServiceSideBatches`). Either way the work
/// is split into primary-key (or page) ranges, one transaction each, and each batch records the run's progress
/// in `tokenize_action.run_progress` in that same transaction: an attempt interrupted by a crash, a deploy, a
/// lost connection or a shutdown deadline resumes after its last committed batch, and the run's row count
/// stays exact. A run holds one connection throughout (the hmac key lives in its session).
public struct PostgresWarehouse: Warehouse {
    let databases: PostgresDatabases
    let tokenizer: Tokenizer
    /// Rows per primary-key batch (default 20 000); service-side runs overlap two batches of half as many rows.
    public var batchSize: Int
    /// Pages per batch when the table has no single-column primary key (default 2 000, ≈16 MiB).
    public var pagesPerBatch: Int
    /// What runs after a run changed rows (`POSTGRES_VACUUM_AFTER`, default `plain`).
    public var vacuumAfter: VacuumMode
    let logger: Logger

    public init(
        databases: PostgresDatabases, tokenizer: Tokenizer, batchSize: Int = 20_000, pagesPerBatch: Int = 2_000, vacuumAfter: VacuumMode = .plain,
        logger: Logger
    ) {
        self.vacuumAfter = vacuumAfter
        self.databases = databases
        self.tokenizer = tokenizer
        self.batchSize = batchSize
        self.pagesPerBatch = pagesPerBatch
        self.logger = logger
    }

    public func ping() async -> Bool {
        do {
            try await databases.sharedCatalogClient().guardedRows("SELECT 1", logger: logger)
            return true
        } catch {
            return false
        }
    }

    public func describe(_ table: TableReference) async throws(WarehouseError) -> TableDescription {
        // Checked first through a database known to exist (`pg_database` is shared by all): a pool for a missing
        // database would retry its connection for a long time instead of failing.
        let settings = databases.settings
        guard try await Self.mapping(table, { try await databaseExists(table.database) }) else {
            throw WarehouseError(
                .tableNotFound,
                "database \(table.database) does not exist on the Postgres server at \(settings.host):\(settings.port); check the dataset "
                    + "name in DataHub matches <database>.<schema>.<table>",
                table: table)
        }
        let columns = try await Self.mapping(table) {
            let rows = try await databases.startedClient(database: table.database).guardedRows(
                Self.catalogQuery(PostgresCatalogSQL.describeColumns, table), logger: logger)
            return try rows.map { row in
                let (name, type, isText, baseType, isDomain, padded, caseInsensitive, generated) =
                    try row.decode((String, String, Bool, String, Bool, Bool, Bool, Bool).self)
                return ColumnDescription(
                    name: name, dataType: type, isText: isText, baseType: baseType, isDomain: isDomain,
                    semantics: padded ? .blankPadded : caseInsensitive ? .caseInsensitive : .exact, isGenerated: generated)
            }
        }
        guard !columns.isEmpty else {
            throw WarehouseError(
                .tableNotFound,
                "table \(table.schema).\(table.table) was not found in Postgres database \(table.database); check the dataset name in "
                    + "DataHub matches <database>.<schema>.<table>",
                table: table)
        }
        return TableDescription(table: table, columns: columns)
    }

    /// Whether the server has `database`, read through a database known to exist.
    func databaseExists(_ database: String) async throws -> Bool {
        var binds = PostgresBindings()
        binds.append(database)
        let rows = try await databases.sharedCatalogClient().guardedRows(
            PostgresQuery(unsafeSQL: PostgresCatalogSQL.databaseExists, binds: binds), logger: logger)
        return try rows.first?.decode(Bool.self) ?? false
    }

    public func tokenize(_ request: TokenizationRequest, progress sink: any ProgressSink) async throws(WarehouseError) -> TokenizationOutcome {
        let table = request.table.table
        try checkWidths(request)
        let pushDown = PushDownPlan.canPushDown(request.columns, mode: request.mode)
        let plan = pushDown ? try PushDownPlan(columns: request.columns, tokenizer: tokenizer, table: table) : nil
        let pads = plan?.hmacKeyID != nil ? try HMACPads(tokenizer: tokenizer) : nil
        let refusals = Refusals()
        let final = try await Self.mapping(table) {
            try await databases.startedClient(database: table.database).withConnection { connection in
                let progress = try await tokenize(request, plan: plan, pads: pads, on: connection, sink: sink, refusals: refusals)
                await Self.flushStatistics(connection, logger: logger)
                return progress
            }
        }
        return TokenizationOutcome(rowsUpdated: final.rowsUpdated, batches: final.batches, pushedDown: pushDown, refused: refusals.byColumn)
    }

    /// The batches of a run on one connection (the hmac key lives in its session).
    private func tokenize(
        _ request: TokenizationRequest, plan: PushDownPlan?, pads: HMACPads?, on connection: PostgresConnection, sink: any ProgressSink,
        refusals: Refusals
    ) async throws -> TokenizationProgress {
        let table = request.table.table
        let ledgerColumns = request.columns.filter { $0.scheme == .ff1 }.map(\.name)
        let ledgerLayout = try await prepareBookkeeping(
            connection, database: table.database, registering: plan == nil ? ledgerColumns : [], of: table)
        let keys = try await primaryKey(connection, table)
        var start = try await savedProgress(connection, request)
        let estimatedRows = try await rowEstimate(connection, table)
        let sink = EstimatingSink(inner: sink, estimatedRows: estimatedRows)
        // Batches by key take `batchSize` rows each; without a single-column key, push-down batches take pages.
        let pages = keys.count == 1 ? nil : try await single(Int64.self, connection, PostgresCatalogSQL.pageCount, table) ?? 1
        // Service-side runs overlap `batchesInFlight` batches (ServiceSideBatches+Pipeline.swift) of that share of the
        // batch size each, so a run never holds more than `batchSize` rows in the service.
        let rowsPerBatch = plan == nil ? max(1, batchSize / ServiceSideBatches.batchesInFlight) : batchSize
        start.plannedBatches =
            pages.map { Int(($0 + Int64(pagesPerBatch) - 1) / Int64(pagesPerBatch)) } ?? plannedBatches(estimatedRows, rowsPerBatch: rowsPerBatch)
        if start.batches > 0 {
            logger.info("resuming after the last committed batch", metadata: ["batches": "\(start.batches)", "rows_updated": "\(start.rowsUpdated)"])
            await sink.progressed(start)
        }
        guard let plan else {
            guard keys.count == 1 else {
                throw WarehouseError(
                    .unsupported,
                    "\(table) has no single-column primary key, which siv and ff1 tokens (and rekey runs) need to write rows back; add one, "
                        + "or use the hmac scheme, which runs inside Postgres",
                    table: table)
            }
            var resumeAt = start
            if request.careful {
                // After a stopped attempt (`CrashGuard`): the rows after the last committed batch one per batch, so a
                // value that stops the process again leaves the run's last key just before it.
                let careful = ServiceSideBatches(
                    connections: [connection], request: request, tokenizer: tokenizer, key: keys[0].name, keyType: keys[0].type, batchSize: 1,
                    ledgerLayout: ledgerLayout, refusals: refusals, logger: logger)
                logger.notice("working carefully after stopped attempts: one row per batch", metadata: ["rows": "\(rowsPerBatch)"])
                let (progress, ended) = try await careful.runOneByOne(start: resumeAt, sink: sink, batches: rowsPerBatch)
                resumeAt = progress
                if ended { return resumeAt }
                await sink.carefulRowsPassed()
            }
            // A connection per batch in flight: the next batches are locked, decided and written while this one works.
            let client = await databases.startedClient(database: table.database)
            let start = resumeAt
            return try await Self.withConnections(ServiceSideBatches.batchesInFlight - 1, of: client) { others in
                let batches = ServiceSideBatches(
                    connections: [connection] + others, request: request, tokenizer: tokenizer, key: keys[0].name, keyType: keys[0].type,
                    batchSize: rowsPerBatch, ledgerLayout: ledgerLayout, refusals: refusals, logger: logger)
                return try await batches.run(start: start, sink: sink)
            }
        }
        if let pads { try await PushDownBatches.loadKey(pads, on: connection, logger: logger) }
        // Tokens computed in the database: no value reaches the service, and a careful attempt's rows pass with its
        // first committed batch.
        let reporter: any ProgressSink = request.careful ? CarefulPushDownSink(inner: sink) : sink
        let batches = PushDownBatches(
            connection: connection, request: request, plan: plan, batchSize: batchSize, pagesPerBatch: pagesPerBatch, logger: logger)
        do {
            let result: TokenizationProgress
            if try await !batches.anyPending() {
                logger.info("every value is already a token or empty; no batch needed")
                result = start
            } else if let pages {
                result = try await batches.byPages(pages: pages, start: start, sink: reporter)
            } else {
                result = try await batches.byKey(key: keys[0].name, keyType: keys[0].type, start: start, sink: reporter)
            }
            await PushDownBatches.dropKey(on: connection, logger: logger)
            return result
        } catch {
            await PushDownBatches.dropKey(on: connection, logger: logger)
            throw error
        }
    }

    /// Connections a run may hold to its database at once: one per service-side batch in flight.
    public static let connectionsPerRun = ServiceSideBatches.batchesInFlight

    /// Leases `count` connections of `client` for the duration of `body`.
    private static func withConnections<Result: Sendable>(
        _ count: Int, of client: PostgresClient, _ body: @Sendable ([PostgresConnection]) async throws -> Result
    ) async throws -> Result {
        guard count > 0 else { return try await body([]) }
        return try await client.withConnection { first in
            try await withConnections(count - 1, of: client) { rest in try await body([first] + rest) }
        }
    }

    /// Publishes this session's table statistics now (PostgreSQL 15+): the dead row versions the run's UPDATEs
    /// left are counted before the VACUUM that follows reports them gone, so `n_dead_tup` tells the truth.
    static func flushStatistics(_ connection: PostgresConnection, logger: Logger) async {
        _ = try? await connection.guardedQuery("SELECT pg_stat_force_next_flush()", logger: logger)
    }

    /// A `varchar(n)` too narrow for hmac tokens fails before any write.
    func checkWidths(_ request: TokenizationRequest) throws(WarehouseError) {
        let table = request.table.table
        for (column, found) in try request.table.textColumns(for: request.columns) where column.scheme == .hmac {
            guard let limit = found.characterLimit, let keyID = try? tokenizer.newestKeyID(.hmac) else { continue }
            let length = Tokenizer.hmacTokenLength(keyID: keyID)
            if limit < length {
                throw WarehouseError(
                    .columnTooNarrow,
                    "column \(column.name) of \(table) is \(found.dataType) but hmac tokens are \(length) characters; widen the column, or "
                        + "tag it tokenize/scheme:ff1 for same-length tokens",
                    table: table)
            }
        }
    }

    private func savedProgress(_ connection: PostgresConnection, _ request: TokenizationRequest) async throws -> TokenizationProgress {
        var binds = PostgresBindings()
        binds.append(request.runID)
        binds.append(PostgresCatalogSQL.relationName(request.table.table))
        let rows = try await connection.guardedQuery(PostgresQuery(unsafeSQL: BookkeepingSQL.readProgress, binds: binds), logger: logger)
        for try await (lastKey, batches, rows) in rows.decode((String?, Int, Int64).self) {
            return TokenizationProgress(rowsUpdated: Int(rows), batches: batches, lastKey: lastKey)
        }
        return TokenizationProgress()
    }

    func primaryKey(_ connection: PostgresConnection, _ table: TableReference) async throws -> [(name: String, type: String)] {
        var keys: [(name: String, type: String)] = []
        let rows = try await connection.guardedQuery(Self.catalogQuery(PostgresCatalogSQL.primaryKeyColumns, table), logger: logger)
        for try await (name, type) in rows.decode((String, String).self) { keys.append((name, type)) }
        return keys
    }

    /// The catalog's row estimate (`pg_class.reltuples`), or, for a table never analyzed, its rows counted once.
    func rowEstimate(_ connection: PostgresConnection, _ table: TableReference) async throws -> Int? {
        var rows = try await single(Int64.self, connection, PostgresCatalogSQL.estimatedRows, table) ?? 0
        if rows < 0 {
            let count = PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(PostgresCatalogSQL.qualifiedName(table))")
            for try await value in try await connection.guardedQuery(count, logger: logger).decode(Int64.self) { rows = value }
        }
        return rows > 0 ? Int(rows) : nil
    }

    private func plannedBatches(_ estimatedRows: Int?, rowsPerBatch: Int) -> Int? {
        estimatedRows.map { ($0 + rowsPerBatch - 1) / rowsPerBatch }
    }

    private func single<T: PostgresDecodable>(_ type: T.Type, _ connection: PostgresConnection, _ sql: String, _ table: TableReference) async throws
        -> T?
    {
        for try await value in try await connection.guardedQuery(Self.catalogQuery(sql, table), logger: logger).decode(T.self) { return value }
        return nil
    }

    /// A catalog query taking the table's schema (`$1`) and name (`$2`).
    private static func catalogQuery(_ sql: String, _ table: TableReference) -> PostgresQuery {
        var binds = PostgresBindings()
        binds.append(table.schema)
        binds.append(table.table)
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    /// Runs database work, turning every failure into a `WarehouseError` naming the table: lost connections
    /// and server restarts are `.unavailable` (the run resumes), cancellation is `.interrupted`.
    static func mapping<T>(_ table: TableReference, _ work: () async throws -> T) async throws(WarehouseError) -> T {
        do {
            return try await work()
        } catch let error as WarehouseError {
            throw error
        } catch let error as TokenizationError {
            throw WarehouseError(.tokenization, "cannot tokenize \(table): \(error.message)", table: table)
        } catch is CancellationError {
            throw WarehouseError(.interrupted, "the run on \(table) was cancelled; it resumes after its last committed batch", table: table)
        } catch {
            let failure = PostgresFailure(error)
            switch failure.code {
            case .unavailable:
                throw WarehouseError(
                    .unavailable, "PostgreSQL is unavailable for \(table): \(failure.message); the run resumes when it is back", table: table)
            case .authentication:
                throw WarehouseError(.unauthorized, "PostgreSQL refused the connection for \(table): \(failure.message)", table: table)
            case .statement, .configuration, .refusedValue:
                throw WarehouseError(.statement, "Postgres error on \(table): \(failure.message)", table: table)
            }
        }
    }
}

/// Adds the catalog's row estimate to every progress report.
private struct EstimatingSink: ProgressSink {
    let inner: any ProgressSink
    let estimatedRows: Int?

    func progressed(_ progress: TokenizationProgress) async {
        var progress = progress
        progress.estimatedRows = estimatedRows
        await inner.progressed(progress)
    }
}

/// Reports a careful attempt's rows passed at its first committed batch (push-down: no value reaches the service).
private final class CarefulPushDownSink: ProgressSink {
    let inner: any ProgressSink
    private let passed = Atomic(false)

    init(inner: any ProgressSink) {
        self.inner = inner
    }

    func progressed(_ progress: TokenizationProgress) async {
        await inner.progressed(progress)
        if !passed.exchange(true, ordering: .sequentiallyConsistent) { await inner.carefulRowsPassed() }
    }

    func carefulRowsPassed() async {}
}
