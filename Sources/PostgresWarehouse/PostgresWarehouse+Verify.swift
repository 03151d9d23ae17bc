import Foundation
import Logging
import NIOCore
import PostgresNIO
import PostgresSupport
import Tokenization
import WarehouseKit

extension PostgresWarehouse {
    /// Verifies the request's columns. With `request.since` still standing (`VerificationMarkSQL`), only rows
    /// written since the last clean verification are checked; a clean verification records a new mark.
    public func verify(_ request: VerificationRequest) async throws(WarehouseError) -> VerificationReport {
        let table = request.table.table
        _ = try request.table.textColumns(for: request.columns)
        let ledgerPads = request.columns.contains { $0.scheme == .ff1 } ? LedgerPads(tokenizer: tokenizer) : nil
        return try await Self.mapping(table) {
            try await databases.startedClient(database: table.database).withConnection { connection in
                let keys = try await primaryKey(connection, table)
                let keyColumn = keys.count == 1 ? keys[0].name : nil
                // 1. Where the last clean verification stands (its mark), if this one may record a new one.
                let marks = request.recordsMark ? await markState(connection, request) : nil
                // 2. The mark's row versions: one pass may show that no row was written since; nothing else is read then.
                let unchanged = try await unchangedCounts(connection, request, marks: marks)
                // 3. ff1 tokens are recognised through the ledger, whose digest keys go into a session temp table.
                let readsLedger = unchanged == nil && ledgerPads != nil && keyColumn != nil
                if readsLedger, let ledgerPads {
                    if marks == nil { try await prepareBookkeeping(connection, database: table.database) }
                    try await loadLedgerKeys(ledgerPads, on: connection)
                }
                defer { if readsLedger { dropLedgerKeys(on: connection) } }
                // 4. The scan: every row, or the rows written since the mark.
                let floor = readsLedger ? try await ledgerFloor(connection, current: marks?.current) : "0"
                var (report, versions) = try await scan(
                    connection, request, keyColumn: keyColumn, marks: marks, unchanged: unchanged, ledgerFloor: floor)
                // 5. A clean verification records its mark.
                if report.plaintext == 0, let marks { report.watermark = await recordMark(report, versions: versions, marks: marks, on: connection) }
                return report
            }
        }
    }

    /// Puts every key's ledger-digest pads into the session's temp table through `COPY` (no SQL text or parameter
    /// carries them).
    private func loadLedgerKeys(_ pads: LedgerPads, on connection: PostgresConnection) async throws {
        try await connection.guardedQuery(PostgresQuery(unsafeSQL: VerificationSQL.createLedgerKeyTable), logger: logger)
        try await connection.guardedQuery(PostgresQuery(unsafeSQL: VerificationSQL.clearLedgerKeyTable), logger: logger)
        try await connection.guardedCopy(
            table: VerificationSQL.ledgerKeyTable, columns: ["key_id", "inner_pad", "outer_pad"],
            data: ByteBuffer(string: VerificationSQL.ledgerKeyRows(pads.pads)), logger: logger)
    }

    /// Drops the ledger key table (best effort; it goes with the session anyway).
    private func dropLedgerKeys(on connection: PostgresConnection) {
        Task { try? await connection.guardedQuery(PostgresQuery(unsafeSQL: VerificationSQL.dropLedgerKeyTable), logger: logger) }
    }

    /// Records a clean verification's mark: the row versions it saw and its counts (the same statement, or the same
    /// snapshot), so the next verification can check only what was written since.
    private func recordMark(
        _ report: VerificationReport, versions: [String]?, marks: MarkState, on connection: PostgresConnection
    ) async -> String? {
        let counts = RecordedCounts(
            rows: report.rows, empty: Dictionary(report.columns.map { ($0.column, $0.empty) }, uniquingKeysWith: { first, _ in first }))
        return await saveMark(connection, marks, versions: versions, counts: counts)
    }

    /// The verification's report, and the row versions its new mark records (nil: unknown or too many).
    private func scan(
        _ connection: PostgresConnection, _ request: VerificationRequest, keyColumn: String?, marks: MarkState?,
        unchanged: IncrementalScanSQL.Written?,
        ledgerFloor: String
    ) async throws -> (VerificationReport, [String]?) {
        let table = request.table.table
        let since = marks?.since
        let (rows, empties, tokensPerColumn, checked): (Int, [Int], [Int], Int?)
        var versions: [String]? = nil
        if let unchanged {
            (rows, empties, tokensPerColumn, checked) = (unchanged.rows, unchanged.empty, unchanged.tokens(checked: nil), 0)
            versions = unchanged.versions
        } else if let since {
            let (written, counted) = try await incrementalCounts(connection, request, keyColumn: keyColumn, since: since, ledgerFloor: ledgerFloor)
            (rows, empties, tokensPerColumn, checked) = (written.rows, written.empty, written.tokens(checked: counted), written.rowsWrittenSince)
            versions = written.versions
        } else {
            // A full scan that may record a mark also records the row versions it saw.
            let statement = VerificationSQL.counts(
                table: table, columns: request.columns, keyColumn: keyColumn, recordingVersions: marks != nil, values: ColumnValues(request.table))
            var totals: [Int] = []
            for try await row in try await connection.guardedQuery(query(statement, table, since: nil, ledgerFloor: ledgerFloor), logger: logger) {
                let cells = row.makeRandomAccess()
                let width = 1 + 2 * request.columns.count
                totals = try (0..<width).map { Int(try cells[$0].decode(Int64.self)) }
                if marks != nil { versions = try cells[width].decode([String]?.self) }
            }
            rows = totals.first ?? 0
            empties = request.columns.indices.map { totals[1 + 2 * $0] }
            tokensPerColumn = request.columns.indices.map { totals[2 + 2 * $0] }
            checked = nil
        }
        var columns: [ColumnVerification] = []
        for (index, column) in request.columns.enumerated() {
            let empty = empties[index]
            var tokens = tokensPerColumn[index]
            var verification = ColumnVerification(
                column: column.name, scheme: column.scheme, empty: empty, tokens: tokens, plaintext: rows - empty - tokens)
            if column.scheme == .siv || column.scheme == .ff1 {
                // ff1 columns hold few siv-shaped values (short ones) among many tokens: read them all. Incremental:
                // only values written since are drawn, and none when no row was.
                let percent = column.scheme == .siv ? VerificationSQL.sivSamplePercent(size: request.sampleSize, shaped: checked ?? tokens) : 100
                let (sampled, failures) =
                    checked == 0
                    ? (0, 0)
                    : try await sampleSIV(
                        connection, table, column.name, size: request.sampleSize, percent: percent, since: since, values: ColumnValues(request.table))
                verification.sampled = sampled
                verification.sampleFailures = failures
                tokens -= failures
                verification.tokens = tokens
                verification.plaintext += failures
            }
            if verification.plaintext > 0 {
                let statement = VerificationSQL.plaintextKeys(
                    table: table, column: column, keyColumn: keyColumn, limit: 5, since: since != nil, values: ColumnValues(request.table))
                for try await key in try await connection.guardedQuery(
                    query(statement, table, since: since, ledgerFloor: ledgerFloor), logger: logger
                ).decode(String.self) {
                    verification.plaintextKeys.append(key)
                }
            }
            columns.append(verification)
        }
        return (VerificationReport(rows: rows, columns: columns, rowsCheckedSince: checked), versions)
    }

    /// With a standing mark that recorded its row versions, one statement: the rows and empty values when no row
    /// version is outside the list (no row written since), else nil. It counts only rows and row versions
    /// (`IncrementalScanSQL.unchangedRows`) when the mark's counts cover the columns, and each column's empty values
    /// too (`IncrementalScanSQL.unchanged`) otherwise or when rows were deleted since.
    private func unchangedCounts(_ connection: PostgresConnection, _ request: VerificationRequest, marks: MarkState?) async throws
        -> IncrementalScanSQL.Written?
    {
        guard let marks, marks.since != nil, let versions = marks.versions else { return nil }
        let width = request.columns.count
        var binds = PostgresBindings()
        binds.append(versions)
        if let recorded = marks.counts, let empty = recorded.empty(of: request.columns.map(\.name)) {
            // The mark's counts cover these columns: rows and row versions alone (`RecordedCounts`).
            let totals = try await counts(
                connection, PostgresQuery(unsafeSQL: IncrementalScanSQL.unchangedRows(table: request.table.table), binds: binds))
            guard totals.count == 2, totals[1] == 0 else { return nil }  // written since: the grouped pass
            if totals[0] == recorded.rows {
                return IncrementalScanSQL.Written(
                    rows: totals[0], empty: empty, rowsWrittenSince: 0, transactions: 0, transactionIDs: [], versions: versions)
            }
            // Fewer rows (some deleted since): their empty values are counted again below.
        }
        let totals = try await counts(
            connection,
            PostgresQuery(
                unsafeSQL: IncrementalScanSQL.unchanged(table: request.table.table, columns: request.columns, values: ColumnValues(request.table)),
                binds: binds))
        guard totals.count == width + 2, totals[width + 1] == 0 else { return nil }
        return IncrementalScanSQL.Written(
            rows: totals[0], empty: Array(totals[1...width]), rowsWrittenSince: 0, transactions: 0, transactionIDs: [], versions: versions)
    }

    /// An incremental scan's counts (`IncrementalScanSQL`), both statements in one read-only snapshot: a row written
    /// between them is in neither, and the next verification checks it. Step 2's counts are nil when no row was
    /// written since the mark.
    private func incrementalCounts(
        _ connection: PostgresConnection, _ request: VerificationRequest, keyColumn: String?, since: UInt32, ledgerFloor: String
    ) async throws -> (IncrementalScanSQL.Written, [Int]?) {
        let table = request.table.table
        let width = request.columns.count
        return try await connection.guardedTransaction(logger: logger) { connection in
            try await connection.guardedQuery("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            var binds = PostgresBindings()
            binds.append(String(since))
            var written = IncrementalScanSQL.Written(
                rows: 0, empty: Array(repeating: 0, count: width), rowsWrittenSince: 0, transactions: 0, transactionIDs: [])
            let sql = IncrementalScanSQL.written(table: table, columns: request.columns, values: ColumnValues(request.table))
            for try await row in try await connection.guardedQuery(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger) {
                let cells = row.makeRandomAccess()
                written = IncrementalScanSQL.Written(
                    rows: Int(try cells[0].decode(Int64.self)), empty: try (1...width).map { Int(try cells[$0].decode(Int64.self)) },
                    rowsWrittenSince: Int(try cells[width + 1].decode(Int64.self)), transactions: Int(try cells[width + 2].decode(Int64.self)),
                    transactionIDs: try cells[width + 3].decode([String].self), versions: try cells[width + 4].decode([String]?.self))
            }
            guard written.rowsWrittenSince > 0 else { return (written, nil) }
            let joinLedger = VerificationSQL.joinsLedger(rowsWrittenSince: written.rowsWrittenSince, rows: written.rows)
            let statement = VerificationSQL.counts(
                table: table, columns: request.columns, keyColumn: keyColumn, rows: written.selection, joinLedger: joinLedger,
                values: ColumnValues(request.table))
            let checked = try await counts(
                connection, query(statement, table, since: since, ledgerFloor: ledgerFloor, transactions: written.transactionIDs))
            return (written, checked)
        }
    }

    /// The one row of `count(*)` figures a counting statement returns.
    private func counts(_ connection: PostgresConnection, _ query: PostgresQuery) async throws -> [Int] {
        var totals: [Int] = []
        for try await row in try await connection.guardedQuery(query, logger: logger) {
            let cells = row.makeRandomAccess()
            totals = try (0..<cells.count).map { Int(try cells[$0].decode(Int64.self)) }
        }
        return totals
    }

    /// The `.ledgerFloor` of a scan: 2³¹ transactions before the oldest one running now (`current`, if read already).
    private func ledgerFloor(_ connection: PostgresConnection, current: UInt64?) async throws -> String {
        var now = current
        if now == nil {
            let rows = try await connection.guardedQuery(PostgresQuery(unsafeSQL: VerificationMarkSQL.oldestRunning), logger: logger)
            for try await text in rows.decode(String.self) { now = UInt64(text) }
        }
        return String(VerificationMarkSQL.ledgerFloor(now: now))
    }

    /// Decrypts a random sample of the column's siv-shaped values: (sampled, failed authentication).
    /// With `since`, only values written since that transaction are drawn.
    private func sampleSIV(
        _ connection: PostgresConnection, _ table: TableReference, _ column: String, size: Int, percent: Double, since: UInt32?, values: ColumnValues
    ) async throws -> (Int, Int) {
        guard size > 0, let shape = PushDownPlan.TokenShape.of(.siv, keyIDs: tokenizer.keyIDs) else { return (0, 0) }
        var binds = PostgresBindings()
        binds.append(shape.prefixes)
        binds.append(size)
        let drawn = percent < 100
        if drawn { binds.append(percent) }
        if let since { binds.append(String(since)) }
        var sampled = 0
        var failures = 0
        let sample = VerificationSQL.sivSample(table: table, column: column, sampled: drawn, since: since != nil, values: values)
        let rows = try await connection.guardedQuery(PostgresQuery(unsafeSQL: sample, binds: binds), logger: logger)
        for try await value in rows.decode(String.self) {
            sampled += 1
            if case .plaintext = tokenizer.recognize(value, scheme: .siv) { failures += 1 }
        }
        return (sampled, failures)
    }

    private func query(
        _ statement: VerificationSQL.Statement, _ table: TableReference, since: UInt32?, ledgerFloor: String, transactions: [String] = []
    ) -> PostgresQuery {
        var binds = PostgresBindings()
        for parameter in statement.parameters {
            switch parameter {
            case .pattern(let scheme): binds.append(PushDownPlan.TokenShape.of(scheme, keyIDs: tokenizer.keyIDs)?.pattern ?? "^$")
            case .lengths(let scheme): binds.append(PushDownPlan.TokenShape.of(scheme, keyIDs: tokenizer.keyIDs)?.lengths ?? [])
            case .prefixes(let scheme): binds.append(PushDownPlan.TokenShape.of(scheme, keyIDs: tokenizer.keyIDs)?.prefixes ?? [])
            case .relation: binds.append(PostgresCatalogSQL.relationName(table))
            case .columnName(let name): binds.append(name)
            case .since: binds.append(since.map { String($0) } ?? "0")
            case .ledgerFloor: binds.append(ledgerFloor)
            case .transactions: binds.append(transactions)
            }
        }
        return PostgresQuery(unsafeSQL: statement.sql, binds: binds)
    }
}
