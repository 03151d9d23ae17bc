import Logging
import PostgresNIO
import PostgresSupport
import Synchronization
import Tokenization
import WarehouseKit

/// Batches whose tokens the service computes (`siv`, `ff1`, rekey runs), one transaction each, in two phases.
///
/// - `prepare`: lock the next rows by key, read their ff1 ledger entries with a fresh statement (so rows another
///   worker tokenized and committed before the locks were granted are recognised: no token is ever encrypted
///   again), and decide every cell (spread over the cores for a large batch, `CellDecisions`).
/// - `write`: apply the new values with one `UPDATE … FROM unnest(…)` of bound arrays, record ff1 tokens in the
///   ledger; then `record` the batch in the run's progress.
///
/// `run` (ServiceSideBatches+Pipeline.swift) overlaps one batch's `prepare` with the previous one's `apply` on a
/// second connection; a batch commits only after the one before it.
struct ServiceSideBatches {
    /// Batches in flight in a run, one connection each (`run`): each takes this share of `POSTGRES_BATCH_SIZE`.
    static let batchesInFlight = 3

    /// One connection per batch in flight (two to overlap batches).
    let connections: [PostgresConnection]
    let request: TokenizationRequest
    let tokenizer: Tokenizer
    let key: String
    let keyType: String
    let batchSize: Int
    /// Where the run's ff1 columns sit in the ledger; nil when it has none.
    let ledgerLayout: FF1LedgerLayout?
    /// Values refused so far (their token would not fit the column), per column, counted as their batches commit.
    var refusals = Refusals()
    /// A rehearsal (rolled back): ff1 tokens are written without ledger entries.
    var rehearsal = false
    let logger: Logger

    var table: TableReference { request.table.table }
    private var relation: String { PostgresCatalogSQL.relationName(table) }

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
        var updates: BatchUpdates
        var newLedgerRows = LedgerRows()
        var replacedLedgerRows = LedgerRows()
        /// Per column (request order), the values left as they were because their token is longer than the column.
        var refused: [Int] = []
    }

    /// Locks and reads the batch after `lower`, reads its ledger entries and decides each cell.
    ///
    /// `locked` hears the batch's last key and row count as soon as its rows are locked, before the ledger is read
    /// and the cells decided: the next batch may lock its rows meanwhile.
    func prepare(
        _ connection: PostgresConnection, after lower: String?, locked: (_ lastKey: String?, _ rows: Int) -> Void = { _, _ in }
    ) async throws -> Prepared {
        var binds = PostgresBindings()
        if let lower { binds.append(lower) }
        binds.append(batchSize)
        let sivShape = sivShapePrefixes
        if let sivShape { binds.append(sivShape) }
        let select = ServiceSideSQL.lockBatch(
            table: table, keyColumn: key, keyType: keyType, columns: request.columns, hasLowerBound: lower != nil, sivShape: sivShape != nil,
            values: ColumnValues(request.table))
        var rows: [(key: String, values: [String?])] = []
        for try await row in try await connection.guardedQuery(PostgresQuery(unsafeSQL: select, binds: binds), logger: logger) {
            let cells = row.makeRandomAccess()
            var values: [String?] = []
            for index in request.columns.indices { values.append(try cells[1 + index].decode(String?.self)) }
            rows.append((try cells[0].decode(String.self), values))
        }
        var batch = Prepared(lastKey: rows.last?.key, rowsRead: rows.count, updates: BatchUpdates(columns: request.columns.count))
        locked(batch.lastKey, batch.rowsRead)
        guard !rows.isEmpty else { return batch }
        let ledger = try await ledgerRows(connection, keys: rows.map(\.key))

        let columns = request.columns
        let limits = columns.map { request.table.column(named: $0.name)?.characterLimit }
        batch.refused = Array(repeating: 0, count: columns.count)
        let rowKeys = rows.map(\.key)
        let slots = columns.map { $0.scheme == .ff1 ? ledgerLayout?.slots[$0.name] : nil }
        let decisions = try await CellDecisions.decide(
            rows.map(\.values), schemes: columns.map(\.scheme), normalizations: columns.map(\.normalization), tokenizer: tokenizer,
            mode: request.mode,
            ledger: { row, column in slots[column].flatMap { ledger[rowKeys[row]]?.entry(slot: $0) } })
        for (row, decided) in zip(rows, decisions) {
            var newValues: [String?] = []
            var changed = false
            var written: [(slot: Int, entry: LedgerEntry)] = []
            for (column, (slot, decision)) in zip(slots, decided).enumerated() {
                switch decision {
                case .keep:
                    newValues.append(nil)
                case .write(let token, _) where limits[column].map({ token.unicodeScalars.count > $0 }) ?? false:
                    // Refused, not written: a `varchar(n)` would reject the batch. The value stays plaintext, which
                    // the verification counts and the record explains.
                    newValues.append(nil)
                    batch.refused[column] += 1
                case .write(let token, let entry):
                    newValues.append(token)
                    changed = true
                    if let entry {
                        guard let slot else {
                            // A rehearsal keeps no ledger (it is rolled back); a run without its ledger slot must not write
                            // an ff1 token it could not recognise later.
                            guard ledgerLayout == nil && rehearsal else {
                                throw WarehouseError(
                                    .statement,
                                    "ff1 column \(request.columns[column].name) of \(table) has no slot in the ff1 ledger; nothing was written",
                                    table: table)
                            }
                            continue
                        }
                        written.append((slot, entry))
                    }
                }
            }
            if !written.isEmpty {
                if let known = ledger[row.key] {
                    batch.replacedLedgerRows.append(row.key, known.writing(written))
                } else {
                    batch.newLedgerRows.append(row.key, FF1LedgerRow().writing(written))
                }
            }
            if changed { batch.updates.append(row.key, newValues) }
        }
        return batch
    }

    /// Writes a prepared batch's values and ledger rows; the number of table rows it changed. Batches write their
    /// own rows only, so the batches in flight write at the same time; each records itself (`record`) in key order.
    func write(_ batch: Prepared, on connection: PostgresConnection) async throws -> Int64 {
        var changedRows: Int64 = 0
        if !batch.updates.keys.isEmpty {
            let apply = ServiceSideSQL.applyBatch(table: table, keyColumn: key, keyType: keyType, columns: request.columns)
            let query = PostgresQuery(unsafeSQL: apply, binds: batch.updates.bindings)
            for try await count in try await connection.guardedQuery(query, logger: logger).decode(Int64.self) {
                changedRows = count
            }
        }
        try await write(batch.newLedgerRows, FF1LedgerSQL.insert, connection)
        try await write(batch.replacedLedgerRows, FF1LedgerSQL.update, connection)
        return changedRows
    }

    /// Records a written batch in the run's progress (same transaction, before its commit): the run's totals after it.
    func record(_ batch: Prepared, changedRows: Int64, on connection: PostgresConnection) async throws -> TokenizationProgress {
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
        refusals.add(batch.refused, columns: request.columns.map(\.name))
        return progress
    }

    /// A batch's changed rows, as the arrays `ServiceSideSQL.applyBatch` unnests: per column the values and whether
    /// to write them (PostgreSQL arrays bound by PostgresNIO hold no NULL, so a kept cell is an empty string and a
    /// false flag).
    struct BatchUpdates: Sendable {
        private(set) var keys: [String] = []
        private var values: [[String]]
        private var writes: [[Bool]]

        init(columns: Int) {
            values = Array(repeating: [], count: columns)
            writes = Array(repeating: [], count: columns)
        }

        /// One row: its key and, per column, the value to write or nil to keep the cell as it is.
        mutating func append(_ key: String, _ newValues: [String?]) {
            keys.append(key)
            for (column, value) in newValues.enumerated() {
                values[column].append(value ?? "")
                writes[column].append(value != nil)
            }
        }

        var bindings: PostgresBindings {
            var binds = PostgresBindings()
            binds.append(keys)
            for column in values.indices {
                binds.append(values[column])
                binds.append(writes[column])
            }
            return binds
        }
    }

    /// ff1 ledger rows to write, as the arrays the statements unnest.
    struct LedgerRows: Sendable {
        var keys: [String] = []
        var keyIDs: [String] = []
        var digests: [ByteBuffer] = []
        var fresh: [String] = []

        /// The last row appended: most rows of a batch share their key ids and flags, and so their literals.
        private var previous: FF1LedgerRow?

        mutating func append(_ key: String, _ row: FF1LedgerRow) {
            keys.append(key)
            if let previous, let keyIDsLiteral = keyIDs.last, let freshLiteral = fresh.last,
                previous.keyIDs == row.keyIDs, previous.fresh == row.fresh
            {
                keyIDs.append(keyIDsLiteral)
                fresh.append(freshLiteral)
            } else {
                keyIDs.append(row.keyIDsLiteral)
                fresh.append(row.freshLiteral)
            }
            digests.append(ByteBuffer(bytes: row.digests))
            previous = row
        }
    }

    private func write(_ rows: LedgerRows, _ statement: String, _ connection: PostgresConnection) async throws {
        guard let ledgerLayout, !rows.keys.isEmpty else { return }
        var binds = PostgresBindings()
        binds.append(ledgerLayout.relationID)
        binds.append(rows.keys)
        binds.append(rows.keyIDs)
        binds.append(rows.digests)
        binds.append(rows.fresh)
        try await connection.guardedQuery(PostgresQuery(unsafeSQL: statement, binds: binds), logger: logger)
    }

    /// The ledger rows of the batch's rows, read by a statement issued after the row locks were taken.
    private func ledgerRows(_ connection: PostgresConnection, keys: [String]) async throws -> [String: FF1LedgerRow] {
        guard let ledgerLayout else { return [:] }
        var binds = PostgresBindings()
        binds.append(ledgerLayout.relationID)
        binds.append(keys)
        var found: [String: FF1LedgerRow] = [:]
        let rows = try await connection.guardedQuery(PostgresQuery(unsafeSQL: FF1LedgerSQL.lookup, binds: binds), logger: logger)
        for try await (key, keyIDs, digests, fresh) in rows.decode((String, [String], ByteBuffer, [Bool]).self) {
            guard let row = FF1LedgerRow(keyIDs: keyIDs, digests: Array(buffer: digests), fresh: fresh) else {
                // Which cells hold tokens cannot be told: writing on could encrypt a token again.
                throw WarehouseError(
                    .statement,
                    "the ff1 ledger row of key \(key) of \(table) is malformed (its key ids, digests and flags disagree); restore it from a "
                        + "backup of tokenize_action.ff1_rows, or delete it if the row holds no ff1 token",
                    table: table)
            }
            found[key] = row
        }
        return found
    }
}

/// Where a run's ff1 columns sit in the ledger (`FF1LedgerSQL`): the relation's id and each column's slot.
struct FF1LedgerLayout: Sendable, Equatable {
    var relationID: Int32
    var slots: [String: Int]
}

/// Values a run's batches refused, per column name: counted when a batch records itself (just before its commit; a
/// batch that then fails to commit is counted again when the run resumes it).
final class Refusals: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    func add(_ refused: [Int], columns: [String]) {
        guard refused.contains(where: { $0 > 0 }) else { return }
        counts.withLock { counts in
            for (column, count) in zip(columns, refused) where count > 0 { counts[column, default: 0] += count }
        }
    }

    var byColumn: [String: Int] { counts.withLock { $0 } }
}
