import Logging
import PostgresNIO
import PostgresSupport
import Tokenization
import WarehouseKit

/// Runs push-down batches (`poc`, `hmac`) on one connection: the hmac key goes into a session temp table by
/// `COPY`, then each batch is one statement that updates a key (or page) range and adds itself to the run's
/// progress, so a batch and its bookkeeping commit together.
struct PushDownBatches {
    let connection: PostgresConnection
    let request: TokenizationRequest
    let plan: PushDownPlan
    let batchSize: Int
    let pagesPerBatch: Int
    let logger: Logger

    private var table: TableReference { request.table.table }
    private var values: ColumnValues { ColumnValues(request.table) }
    private var relation: String { PostgresCatalogSQL.relationName(table) }

    /// Puts the newest hmac key's pads into the session's key table (no SQL text or parameter carries them).
    static func loadKey(_ pads: HMACPads, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.guardedQuery(PostgresQuery(unsafeSQL: PushDownSQL.createKeyTable), logger: logger)
        try await connection.guardedQuery(PostgresQuery(unsafeSQL: PushDownSQL.clearKeyTable), logger: logger)
        try await connection.guardedCopy(
            table: PushDownSQL.keyTable, columns: ["key_id", "inner_pad", "outer_pad"], data: ByteBuffer(string: PushDownSQL.keyRow(pads)),
            logger: logger)
    }

    static func dropKey(on connection: PostgresConnection, logger: Logger) async {
        guard !connection.isClosed else { return }
        _ = try? await connection.guardedQuery(PostgresQuery(unsafeSQL: PushDownSQL.dropKeyTable), logger: logger)
    }

    /// Whether any row still needs a token; false for an idempotent re-run, which then runs no batch (one read-only
    /// scan that stops at the first pending row, instead of every batch's UPDATE).
    func anyPending() async throws -> Bool {
        let statement = PushDownSQL.anyPending(table: table, plan: plan, values: values)
        let rows = try await connection.guardedQuery(
            PostgresQuery(unsafeSQL: statement.sql, binds: binds(statement, lower: nil, upper: "")), logger: logger)
        for try await pending in rows.decode(Bool.self) { return pending }
        return true
    }

    /// Batches over a single-column primary key, resuming after `start.lastKey`.
    func byKey(key: String, keyType: String, start: TokenizationProgress, sink: any ProgressSink) async throws -> TokenizationProgress {
        var current = start
        var lower = start.lastKey
        while true {
            try checkStop(current)
            guard let upper = try await nextUpperKey(key: key, keyType: keyType, after: lower) else { return current }
            let statement = PushDownSQL.batch(
                table: table, plan: plan, range: .primaryKey(column: key, castType: keyType, hasLowerBound: lower != nil), values: values)
            current = try await run(statement, lower: lower, upper: upper, planned: current.plannedBatches)
            await sink.progressed(current)
            lower = upper
        }
    }

    /// Batches over physical page ranges (tables without a single-column key). The last range is open-ended,
    /// so rows appended meanwhile are covered too.
    func byPages(pages: Int64, start: TokenizationProgress, sink: any ProgressSink) async throws -> TokenizationProgress {
        var current = start
        var first = start.lastKey.flatMap(Self.page(ofTID:)) ?? 0
        let statement = PushDownSQL.batch(table: table, plan: plan, range: .pages, values: values)
        while first < Int64(Int32.max) {
            try checkStop(current)
            let end = first + Int64(pagesPerBatch) >= pages ? Int64(Int32.max) : first + Int64(pagesPerBatch)
            current = try await run(statement, lower: "(\(first),0)", upper: "(\(end),0)", planned: current.plannedBatches)
            await sink.progressed(current)
            first = end
        }
        return current
    }

    private func checkStop(_ current: TokenizationProgress) throws {
        try connection.ensureOpen()
        if request.stop.isStopped || Task.isCancelled {
            throw WarehouseError(.interrupted, "stopped at a batch boundary after \(current.batches) batch(es); the run resumes there", table: table)
        }
    }

    private func run(_ statement: PushDownSQL.Statement, lower: String?, upper: String, planned: Int?) async throws -> TokenizationProgress {
        let query = PostgresQuery(unsafeSQL: statement.sql, binds: binds(statement, lower: lower, upper: upper))
        func batch(_ connection: PostgresConnection) async throws -> TokenizationProgress {
            for try await (batches, total, _) in try await connection.guardedQuery(query, logger: logger).decode((Int, Int64, Int64).self) {
                return TokenizationProgress(rowsUpdated: Int(total), batches: batches, lastKey: upper, plannedBatches: planned)
            }
            throw WarehouseError(.statement, "the batch statement returned no progress row", table: table)
        }
        guard !request.skip.isEmpty else { return try await batch(connection) }
        // Triggers skipped (policy): disabled and enabled again inside the batch's own transaction.
        return try await connection.guardedTransaction(logger: logger) { connection in
            for statement in TriggerSkipSQL.disable(request.skip) {
                try await connection.guardedQuery(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            let progress = try await batch(connection)
            for statement in TriggerSkipSQL.enable(request.skip) {
                try await connection.guardedQuery(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
            return progress
        }
    }

    /// Writes the tokens of up to `rows` rows drawn at random (every row of a small table) and returns how many it
    /// wrote; the caller's transaction rolls them back.
    func rehearse(rows: Int, estimatedRows: Int?) async throws -> Int {
        let statement = PushDownSQL.rehearsal(table: table, plan: plan, values: values)
        let percent = min(100, max(0.001, 300 * Double(rows) / Double(max(1, estimatedRows ?? rows))))
        let query = PostgresQuery(unsafeSQL: statement.sql, binds: binds(statement, lower: nil, upper: "", sample: (percent, rows)))
        for try await written in try await connection.guardedQuery(query, logger: logger).decode(Int64.self) { return Int(written) }
        return 0
    }

    private func binds(_ statement: PushDownSQL.Statement, lower: String?, upper: String, sample: (percent: Double, rows: Int)? = nil)
        -> PostgresBindings
    {
        var binds = PostgresBindings()
        for parameter in statement.parameters {
            switch parameter {
            case .samplePercent: binds.append(sample?.percent ?? 100)
            case .sampleRows: binds.append(sample?.rows ?? 0)
            case .runID: binds.append(request.runID)
            case .relation: binds.append(relation)
            case .lowerBound: binds.append(lower ?? "")
            case .upperBound: binds.append(upper)
            case .pattern(let scheme): binds.append(plan.shapes[scheme]?.pattern ?? "")
            case .lengths(let scheme): binds.append(plan.shapes[scheme]?.lengths ?? [])
            case .prefixes(let scheme): binds.append(plan.shapes[scheme]?.prefixes ?? [])
            }
        }
        return binds
    }

    /// The largest key of the next batch of at most `batchSize` rows after `lower`, or nil at the end.
    private func nextUpperKey(key: String, keyType: String, after lower: String?) async throws -> String? {
        var binds = PostgresBindings()
        if let lower { binds.append(lower) }
        binds.append(batchSize)
        let sql = PushDownSQL.nextKeyBound(table: table, keyColumn: key, castType: keyType, hasLowerBound: lower != nil)
        for try await value in try await connection.guardedQuery(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).decode(String?.self) {
            return value
        }
        return nil
    }

    /// N of a `(N,0)` tuple id.
    static func page(ofTID text: String) -> Int64? {
        guard text.hasPrefix("("), let comma = text.firstIndex(of: ",") else { return nil }
        return Int64(text[text.index(after: text.startIndex)..<comma])
    }
}
