import Tokenization
import WarehouseKit

/// SQL for the verification scan: one pass over the table counts, for each column, empty values, recognised
/// tokens and the rest (plaintext). Pure.
///
/// hmac and poc tokens are recognised by key id and shape; siv tokens by shape (the service decrypts a sample);
/// ff1 tokens by the ledger: the stored digest must equal the keyed digest of the value, computed here from the
/// ledger keys' pads, which sit in a session temp table filled through `COPY` like the hmac key's.
public enum VerificationSQL {
    /// The session temp table holding every key's ledger-digest pads.
    public static let ledgerKeyTable = "tokenize_action_ledger_keys"

    public static let createLedgerKeyTable =
        "CREATE TEMP TABLE IF NOT EXISTS \(ledgerKeyTable) (key_id text PRIMARY KEY, inner_pad bytea NOT NULL, outer_pad bytea NOT NULL)"
    public static let clearLedgerKeyTable = "TRUNCATE \(ledgerKeyTable)"
    public static let dropLedgerKeyTable = "DROP TABLE IF EXISTS pg_temp.\(ledgerKeyTable)"

    /// The COPY text rows of the ledger key table.
    public static func ledgerKeyRows(_ pads: [(keyID: String, inner: [UInt8], outer: [UInt8])]) -> String {
        pads.map { "\($0.keyID)\t\\\\x\(Hex.encode($0.inner))\t\\\\x\(Hex.encode($0.outer))\n" }.joined()
    }

    /// A value the scan binds.
    public enum Parameter: Sendable, Hashable {
        case pattern(TokenSchemeName)
        case lengths(TokenSchemeName)
        case prefixes(TokenSchemeName)
        case relation
        case columnName(String)
        /// The transaction id from which rows are checked (incremental verification, `VerificationMarkSQL`).
        case since
        /// The 32-bit ids (as text) of the transactions whose row versions are checked (`RowSelection.writtenBy`).
        case transactions
        /// The oldest ledger write (`written_xid`, a full transaction id as text) whose transaction id may be compared
        /// with a row's 32-bit `xmin`: 2³¹ transactions before now.
        case ledgerFloor
    }

    /// The rows a count reads.
    public enum RowSelection: Sendable, Equatable {
        case all
        /// Row versions written since the mark's transaction (`.since`), by a per-row test.
        case writtenSince
        /// Row versions written by the listed transactions (`.transactions`).
        case writtenBy
    }

    public struct Statement: Sendable {
        public var sql: String
        public var parameters: [Parameter]
    }

    /// How a ff1 column's ledger entry is reached: by a correlated lookup per row (few rows), or through the
    /// ledger row `l` and the key pads `k<index>` of a keyed `LEFT JOIN` (the whole table: a hash join, not an index
    /// probe per row).
    enum LedgerAccess {
        case lookup
        case joined(index: Int)
    }

    /// Whether a column's value (`t.<column>`) is a recognised token of its scheme.
    static func recognised(
        _ column: ColumnPlan, keyColumn: String?, ledger: LedgerAccess = .lookup, values: ColumnValues = .asStored, placeholder: (Parameter) -> String
    ) -> String {
        let q = values.value(of: column.name)
        switch column.scheme {
        case .poc:
            return "\(q) ~ \(placeholder(.pattern(.poc)))"
        case .hmac:
            return TokenShapeSQL.shaped(q, prefixes: placeholder(.prefixes(.hmac)), lengths: placeholder(.lengths(.hmac)))
        case .siv:
            return TokenShapeSQL.shaped(q, prefixes: placeholder(.prefixes(.siv)), lengths: nil)
        case .ff1:
            let sivShaped = TokenShapeSQL.shaped(q, prefixes: placeholder(.prefixes(.siv)), lengths: nil)
            guard let keyColumn else { return sivShaped }
            let slot = FF1LedgerSQL.slot(relation: placeholder(.relation), column: placeholder(.columnName(column.name)))
            let matches: String
            switch ledger {
            case .lookup:
                matches = """
                    EXISTS (SELECT 1 FROM tokenize_action.ff1_rows l JOIN pg_temp.\(ledgerKeyTable) lk ON lk.key_id = l.key_ids[\(slot)] \
                    WHERE l.relation_id = \(FF1LedgerSQL.relationID(placeholder(.relation))) \
                    AND l.row_key = (t.\(PostgresCatalogSQL.quote(keyColumn))::text COLLATE "C") \
                    AND (\(writtenTogether("l", slot: slot, placeholder)) \
                    OR \(FF1LedgerSQL.digest("l", slot: slot)) = \(ledgerDigest(q, pads: "lk"))))
                    """
            case .joined(let index):
                matches =
                    "\(writtenTogether("l", slot: slot, placeholder)) OR \(FF1LedgerSQL.digest("l", slot: slot)) = "
                    + "\(ledgerDigest(q, pads: "k\(index)"))"
            }
            // Short values get an siv token instead of ff1 (the documented fallback).
            return "((\(sivShaped)) OR \(matches))"
        }
    }

    /// Whether the row version and the ledger entry of `slot` in ledger row `ledger` were written by the same
    /// transaction: the batch that wrote the token and its entry (the entry is fresh: written by the ledger row's
    /// last writer), so the value is that token without computing its digest. Compared as 32-bit ids, so only for
    /// rows written less than 2³¹ transactions ago (`written_xid`): no other transaction can have reused the id since.
    /// Otherwise, or when the row was written again since (even with the same value), the digest decides.
    private static func writtenTogether(_ ledger: String, slot: String, _ placeholder: (Parameter) -> String) -> String {
        "(\(ledger).fresh[\(slot)] AND \(ledger).xmin = t.xmin AND \(ledger).written_xid >= \(placeholder(.ledgerFloor))::text::xid8)"
    }

    /// The ledger's digest of a value: the first 16 bytes of HMAC-SHA-256 under the pads of `pads` (an alias of the
    /// ledger key table), computed in the database so no key leaves it.
    private static func ledgerDigest(_ value: String, pads: String) -> String {
        "substr(sha256(\(pads).outer_pad || sha256(\(pads).inner_pad || convert_to(\(value), 'UTF8'))), 1, 16)"
    }

    /// Counts in one pass: `count(*)`, then per column empty and recognised (plaintext is the rest). Each ff1
    /// column's ledger entry and its key's pads are joined by the ledger's unique key (at most one ledger row per table row).
    ///
    /// `rows` other than `.all` reads only the row versions an incremental verification checks
    /// (`IncrementalScanSQL`); ff1 values then use the correlated ledger lookup, unless `joinLedger` (many rows
    /// written since, `joinsLedger`).
    ///
    /// `recordingVersions`: grouped by `xmin` (the same sums), with every row version's transaction id as one more
    /// column (`IncrementalScanSQL.versionsColumn`), which a clean scan's mark records.
    public static func counts(
        table: TableReference, columns: [ColumnPlan], keyColumn: String?, rows selection: RowSelection = .all, joinLedger: Bool = false,
        recordingVersions: Bool = false, values: ColumnValues = .asStored
    ) -> Statement {
        var parameters: [Parameter] = []
        func placeholder(_ parameter: Parameter) -> String {
            if let index = parameters.firstIndex(of: parameter) { return "$\(index + 1)" }
            parameters.append(parameter)
            return "$\(parameters.count)"
        }
        var selected = ["count(*)::bigint"]
        var joins: [String] = []
        for (index, column) in columns.enumerated() {
            let q = values.value(of: column.name)
            var ledger = LedgerAccess.lookup
            if column.scheme == .ff1, let keyColumn, selection == .all || joinLedger {
                ledger = .joined(index: index)
                if joins.isEmpty {  // one ledger row per table row, for every ff1 column
                    joins.append(
                        "LEFT JOIN tokenize_action.ff1_rows l ON l.relation_id = \(FF1LedgerSQL.relationID(placeholder(.relation))) "
                            + "AND l.row_key = (t.\(PostgresCatalogSQL.quote(keyColumn))::text COLLATE \"C\")")
                }
                let slot = FF1LedgerSQL.slot(relation: placeholder(.relation), column: placeholder(.columnName(column.name)))
                joins.append("LEFT JOIN pg_temp.\(ledgerKeyTable) k\(index) ON k\(index).key_id = l.key_ids[\(slot)]")
            }
            let recognised = recognised(column, keyColumn: keyColumn, ledger: ledger, values: values, placeholder: placeholder)
            selected.append("count(*) FILTER (WHERE \(TokenShapeSQL.nothingToProtect(q)))::bigint")
            selected.append("count(*) FILTER (WHERE \(q) <> '' AND (\(recognised)))::bigint")
        }
        let from = ([PostgresCatalogSQL.qualifiedName(table) + " t"] + joins).joined(separator: " ")
        let condition: String
        switch selection {
        case .all: condition = ""
        case .writtenSince: condition = " WHERE \(VerificationMarkSQL.writtenSince(placeholder(.since)))"
        case .writtenBy: condition = " WHERE t.xmin = ANY (\(placeholder(.transactions))::text[]::xid[])"
        }
        guard recordingVersions else {
            return Statement(sql: "SELECT \(selected.joined(separator: ", ")) FROM \(from)\(condition)", parameters: parameters)
        }
        let inner = ["t.xmin AS x"] + selected.enumerated().map { index, count in "\(count) AS c\(index)" }
        let outer = selected.indices.map { "coalesce(sum(g.c\($0)), 0)::bigint" } + [IncrementalScanSQL.versionsColumn]
        return Statement(
            sql: "SELECT \(outer.joined(separator: ", ")) FROM (SELECT \(inner.joined(separator: ", ")) FROM \(from)\(condition) GROUP BY t.xmin) g",
            parameters: parameters)
    }

    /// Whether an incremental scan joins the ff1 ledger (a hash join over the relation's entries, about 1.3 µs per
    /// row) rather than looking up the entries of the rows written since (about 5 µs per column): when more than
    /// an eighth of the rows were written since, after a reload say.
    public static func joinsLedger(rowsWrittenSince: Int, rows: Int) -> Bool {
        rowsWrittenSince * 8 > rows
    }

    /// The first `limit` row keys (primary key, else `ctid`) of a column holding plaintext; with `since`, among the
    /// rows written since the mark's transaction only.
    public static func plaintextKeys(
        table: TableReference, column: ColumnPlan, keyColumn: String?, limit: Int, since: Bool = false, values: ColumnValues = .asStored
    ) -> Statement {
        var parameters: [Parameter] = []
        func placeholder(_ parameter: Parameter) -> String {
            if let index = parameters.firstIndex(of: parameter) { return "$\(index + 1)" }
            parameters.append(parameter)
            return "$\(parameters.count)"
        }
        let q = values.value(of: column.name)
        let key = keyColumn.map { "t." + PostgresCatalogSQL.quote($0) } ?? "t.ctid"
        var predicate =
            "\(TokenShapeSQL.holdsValue(q)) AND NOT (\(recognised(column, keyColumn: keyColumn, values: values, placeholder: placeholder)))"
        if since { predicate += " AND \(VerificationMarkSQL.writtenSince(placeholder(.since)))" }
        let sql = "SELECT \(key)::text FROM \(PostgresCatalogSQL.qualifiedName(table)) t WHERE \(predicate) ORDER BY \(key) LIMIT \(max(1, limit))"
        return Statement(sql: sql, parameters: parameters)
    }

    /// A random sample of a column's siv-shaped values (`$1` the siv prefixes, `$2` the size), for decryption in
    /// the service. With `percent` below 100 (`$3`), rows are first drawn by `TABLESAMPLE BERNOULLI`: each row with
    /// that probability, so only those are tested and sorted (on a 1M-row column of tokens the full sort took most
    /// of a re-run's verification). With `since`, the next parameter is the mark's transaction id and only rows
    /// written since are drawn.
    public static func sivSample(table: TableReference, column: String, sampled: Bool, since: Bool = false, values: ColumnValues = .asStored)
        -> String
    {
        let q = values.value(of: column)
        let source = PostgresCatalogSQL.qualifiedName(table) + " t" + (sampled ? " TABLESAMPLE BERNOULLI ($3::float8)" : "")
        var predicate = TokenShapeSQL.shaped(q, prefixes: "$1", lengths: nil)
        if since { predicate += " AND \(VerificationMarkSQL.writtenSince(sampled ? "$4" : "$3"))" }
        return "SELECT \(q) FROM \(source) WHERE \(predicate) ORDER BY random() LIMIT $2"
    }

    /// The percentage of rows to draw so that about `size` of `shaped` siv-shaped values are in the draw, with a
    /// margin (1.5×); 100 (read all) for small columns.
    public static func sivSamplePercent(size: Int, shaped: Int) -> Double {
        guard shaped > 0 else { return 100 }
        return min(100, 150 * Double(size) / Double(shaped))
    }

    /// Dead and live row versions of the table, as the statistics system counts them (`$1` schema, `$2` table).
    public static let deadTuples = "SELECT n_dead_tup, n_live_tup FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = $2"
}
