import Logging
import PostgresNIO
import PostgresSupport
import Tokenization
import WarehouseKit

/// Batches whose tokens the service computes (`siv`, `ff1`, rekey runs), one transaction each, in two phases.
///
/// - `prepare`: lock the next rows by key, read their ff1 ledger entries with a fresh statement (so rows another
///   worker tokenized and committed before the locks were granted are recognised: no token is ever encrypted
///   again), and decide every cell (spread over the cores for a large batch, `CellDecisions`).
/// - `apply`: `COPY` the new values into a temp table, apply them with one `UPDATE … FROM`, record ff1 tokens in
///   the ledger and the batch in the run's progress.
///
/// `run` (ServiceSideBatches+Pipeline.swift) overlaps one batch's `prepare` with the previous one's `apply` on a
/// second connection; a batch commits only after the one before it.
struct ServiceSideBatches {
    /// One connection per batch in flight (two to overlap batches).
    let connections: [PostgresConnection]
    let request: TokenizationRequest
    let tokenizer: Tokenizer
    let key: String
    let keyType: String
    let batchSize: Int
    let logger: Logger

    var table: TableReference { request.table.table }
    private var relation: String { PostgresCatalogSQL.relationName(table) }
    private var ledgerColumns: [String] { request.columns.filter { $0.scheme == .ff1 }.map(\.name) }

    /// The siv token prefixes that let a tokenize run skip token-shaped values in the database (a rekey run
    /// reads every value: it moves tokens of older keys).
    private var sivShapePrefixes: [String]? {
        guard request.mode == .tokenize, request.columns.contains(where: { $0.scheme == .siv }) else { return nil }
        return PushDownPlan.TokenShape.of(.siv, keyIDs: tokenizer.keyIDs)?.prefixes
    }

    /// A batch whose rows are locked and whose cells are decided, waiting to be written in the same transaction.
    struct Prepared: Sendable {
        var lastKey: String?
        var rowsRead = 0
        var copy = ByteBuffer()
        var newEntries = LedgerEntries()
        var replacedEntries = LedgerEntries()
    }

    /// Locks and reads the batch after `lower`, reads its ledger entries and decides each cell.
    func prepare(_ connection: PostgresConnection, after lower: String?) async throws -> Prepared {
        var binds = PostgresBindings()
        if let lower { binds.append(lower) }
        binds.append(batchSize)
        let sivShape = sivShapePrefixes
        if let sivShape { binds.append(sivShape) }
        let select = ServiceSideSQL.lockBatch(
            table: table, keyColumn: key, keyType: keyType, columns: request.columns, hasLowerBound: lower != nil, sivShape: sivShape != nil)
        var rows: [(key: String, values: [String?])] = []
        for try await row in try await connection.guardedQuery(PostgresQuery(unsafeSQL: select, binds: binds), logger: logger) {
            let cells = row.makeRandomAccess()
            var values: [String?] = []
            for index in request.columns.indices { values.append(try cells[1 + index].decode(String?.self)) }
            rows.append((try cells[0].decode(String.self), values))
        }
        var batch = Prepared(lastKey: rows.last?.key, rowsRead: rows.count)
        guard !rows.isEmpty else { return batch }
        let ledger = try await ledgerEntries(connection, keys: rows.map(\.key))

        let columns = request.columns
        let rowKeys = rows.map(\.key)
        let decisions = try await CellDecisions.decide(
            rows.map(\.values), schemes: columns.map(\.scheme), tokenizer: tokenizer, mode: request.mode,
            ledger: { row, column in ledger[LedgerKey(column: columns[column].name, row: rowKeys[row])] })
        for (row, decided) in zip(rows, decisions) {
            var newValues: [String?] = []
            var changed = false
            for (column, decision) in zip(columns, decided) {
                switch decision {
                case .keep:
                    newValues.append(nil)
                case .write(let token, let written):
                    newValues.append(token)
                    changed = true
                    if let written {
                        if ledger[LedgerKey(column: column.name, row: row.key)] == nil {
                            batch.newEntries.append(column: column.name, row: row.key, written)
                        } else {
                            batch.replacedEntries.append(column: column.name, row: row.key, written)
                        }
                    }
                }
            }
            if changed { ServiceSideSQL.appendCopyTextRow([row.key] + newValues, to: &batch.copy) }
        }
        return batch
    }

    /// Writes a prepared batch and records it in the run's progress (same transaction): the run's totals after it.
    func apply(_ batch: Prepared, on connection: PostgresConnection) async throws -> TokenizationProgress {
        var changedRows: Int64 = 0
        if batch.copy.readableBytes > 0 {
            try await connection.guardedQuery(PostgresQuery(unsafeSQL: ServiceSideSQL.createBatchTable(columnCount: request.columns.count)), logger: logger)
            try await connection.guardedCopy(table: ServiceSideSQL.batchTable, data: batch.copy, logger: logger)
            let apply = ServiceSideSQL.applyBatch(table: table, keyColumn: key, keyType: keyType, columns: request.columns)
            for try await count in try await connection.guardedQuery(PostgresQuery(unsafeSQL: apply), logger: logger).decode(Int64.self) {
                changedRows = count
            }
        }
        try await write(batch.newEntries, ServiceSideSQL.insertLedger, connection)
        try await write(batch.replacedEntries, ServiceSideSQL.updateLedger, connection)
        var progressBinds = PostgresBindings()
        progressBinds.append(request.runID)
        progressBinds.append(relation)
        progressBinds.append(batch.lastKey)
        progressBinds.append(changedRows)
        let recorded = try await connection.guardedQuery(PostgresQuery(unsafeSQL: BookkeepingSQL.recordBatch, binds: progressBinds), logger: logger)
        var progress = TokenizationProgress()
        for try await (batches, total) in recorded.decode((Int, Int64).self) {
            progress = TokenizationProgress(rowsUpdated: Int(total), batches: batches)
        }
        progress.lastKey = batch.lastKey
        return progress
    }

    private struct LedgerKey: Hashable {
        var column: String
        var row: String
    }

    /// ff1 ledger entries to write, as the arrays the statements unnest.
    struct LedgerEntries: Sendable {
        var columns: [String] = []
        var keys: [String] = []
        var keyIDs: [String] = []
        var digests: [ByteBuffer] = []

        mutating func append(column: String, row: String, _ written: LedgerEntry) {
            columns.append(column)
            keys.append(row)
            keyIDs.append(written.keyID)
            digests.append(ByteBuffer(bytes: written.digest))
        }
    }

    private func write(_ entries: LedgerEntries, _ statement: String, _ connection: PostgresConnection) async throws {
        guard !entries.columns.isEmpty else { return }
        var binds = PostgresBindings()
        binds.append(relation)
        binds.append(entries.columns)
        binds.append(entries.keys)
        binds.append(entries.keyIDs)
        binds.append(entries.digests)
        try await connection.guardedQuery(PostgresQuery(unsafeSQL: statement, binds: binds), logger: logger)
    }

    /// The ledger entries of the batch's rows, read by a statement issued after the row locks were taken.
    private func ledgerEntries(_ connection: PostgresConnection, keys: [String]) async throws -> [LedgerKey: LedgerEntry] {
        guard !ledgerColumns.isEmpty else { return [:] }
        var binds = PostgresBindings()
        binds.append(relation)
        binds.append(ledgerColumns)
        binds.append(keys)
        var entries: [LedgerKey: LedgerEntry] = [:]
        let rows = try await connection.guardedQuery(PostgresQuery(unsafeSQL: ServiceSideSQL.ledgerEntries, binds: binds), logger: logger)
        for try await (column, row, keyID, digest) in rows.decode((String, String, String, ByteBuffer).self) {
            entries[LedgerKey(column: column, row: row)] = LedgerEntry(keyID: keyID, digest: Array(buffer: digest))
        }
        return entries
    }
}
