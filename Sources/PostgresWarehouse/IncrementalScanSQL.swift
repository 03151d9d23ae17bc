import WarehouseKit

/// SQL for an incremental verification (`VerificationMarkSQL`): two statements that share one snapshot. Pure.
///
/// 1. `written`: one pass over the table grouped by `xmin`, which PostgreSQL runs in parallel (a per-row
///    `age(xmin)` test is parallel-restricted, and cost twice a `count` on 1M rows): the rows, each column's empty
///    values, and which row versions were written since the mark — how many, and by which transactions.
/// 2. `VerificationSQL.counts` on those row versions only, picked by their transaction ids
///    (`RowSelection.writtenBy`), or by the per-row test when more than `maximumListedTransactions` wrote them.
///
/// Every other row counts as the marked verification found it: a token, or empty as counted now (a value emptied
/// since is a write, so it is in step 2). With no row written since, step 2 does not run.
public enum IncrementalScanSQL {
    /// Above this many transactions, step 2 selects the rows written since by the per-row test, not by a list.
    public static let maximumListedTransactions = 1_000

    /// At most this many row versions (`xmin`s) are recorded with a mark (`VerificationMarkSQL`, row versions) on
    /// PostgreSQL 15 and later, where `xmin <> ALL (list)` in `unchanged` is a hash lookup per row: the pass costs a
    /// `count` whatever the list's length (10M rows against 3,000 ids: 0.48–0.51 s, a `count` 0.50–0.54 s). A run
    /// writes one transaction per batch, so 16,384 covers a table tokenized in up to 16,384 batches (about 55M rows at
    /// the default batch size); a larger one takes the grouped pass, about twice a `count`.
    public static let maximumRecordedVersions = 16_384

    /// The same before PostgreSQL 15, where the list is searched element by element for every row.
    public static let maximumRecordedVersionsBefore15 = 256

    /// Over groups `g` of rows by `xmin` (`g.x`): every row version's transaction id as text, or NULL above the
    /// server's limit (`maximumRecordedVersions`, or `maximumRecordedVersionsBefore15` on an older server).
    static let versionsColumn = """
        CASE WHEN count(*) <= CASE WHEN current_setting('server_version_num')::integer >= 150000 \
        THEN \(maximumRecordedVersions) ELSE \(maximumRecordedVersionsBefore15) END \
        THEN coalesce(array_agg(g.x::text), '{}') END::text[]
        """

    /// Step 1; `$1` is the mark's 32-bit transaction id as text. Returns one row: the rows, each column's empty
    /// values, the rows written since, the number of transactions that wrote them, (when at most
    /// `maximumListedTransactions`) their ids as text, and (when at most `maximumRecordedVersions`) every row
    /// version's transaction id, else NULL.
    public static func written(table: TableReference, columns: [ColumnPlan], values: ColumnValues = .asStored) -> String {
        let since = "age(g.x) <= age($1::text::xid)"
        var inner = ["t.xmin AS x", "count(*) AS n"]
        var outer = ["coalesce(sum(g.n), 0)::bigint"]
        for (index, column) in columns.enumerated() {
            let q = values.value(of: column.name)
            inner.append("count(*) FILTER (WHERE \(TokenShapeSQL.nothingToProtect(q))) AS e\(index)")
            outer.append("coalesce(sum(g.e\(index)), 0)::bigint")
        }
        outer.append("coalesce(sum(g.n) FILTER (WHERE \(since)), 0)::bigint")
        outer.append("count(*) FILTER (WHERE \(since))::bigint")
        outer.append("coalesce((array_agg(g.x::text) FILTER (WHERE \(since)))[1:\(maximumListedTransactions)], '{}')::text[]")
        outer.append(versionsColumn)
        return """
            SELECT \(outer.joined(separator: ", ")) \
            FROM (SELECT \(inner.joined(separator: ", ")) FROM \(PostgresCatalogSQL.qualifiedName(table)) t GROUP BY t.xmin) g
            """
    }

    /// Step 1 when the mark recorded its row versions (`$1`, text[]): one parallel pass without grouping. Returns the
    /// rows, each column's empty values, and the row versions whose transaction is not among the recorded ones
    /// (written since the mark); when that is 0, step 1's grouped pass and step 2 do not run.
    public static func unchanged(table: TableReference, columns: [ColumnPlan], values: ColumnValues = .asStored) -> String {
        var selected = ["count(*)::bigint"]
        for column in columns {
            let q = values.value(of: column.name)
            selected.append("count(*) FILTER (WHERE \(TokenShapeSQL.nothingToProtect(q)))::bigint")
        }
        selected.append(writtenOutsideList)
        return "SELECT \(selected.joined(separator: ", ")) FROM \(PostgresCatalogSQL.qualifiedName(table)) t"
    }

    /// Step 1 when the mark also recorded the scan's counts (`RecordedCounts`): the rows, and the row versions whose
    /// transaction is not among the recorded ones (`$1`, text[]); nothing per column. With none written since and as
    /// many rows as recorded, the recorded empty values stand.
    public static func unchangedRows(table: TableReference) -> String {
        "SELECT count(*)::bigint, \(writtenOutsideList) FROM \(PostgresCatalogSQL.qualifiedName(table)) t"
    }

    /// The row versions whose transaction is not in the list `$1` (a hash lookup per row on PostgreSQL 15+).
    private static let writtenOutsideList = "count(*) FILTER (WHERE t.xmin <> ALL ($1::text[]::xid[]))::bigint"

    /// Step 1's answer.
    public struct Written: Sendable, Equatable {
        public var rows: Int
        /// Per column, in the request's order.
        public var empty: [Int]
        public var rowsWrittenSince: Int
        public var transactions: Int
        /// Their ids, when at most `maximumListedTransactions`; else empty.
        public var transactionIDs: [String]
        /// Every row version's transaction id, to record with the new mark; nil when there were too many to record.
        public var versions: [String]?

        public init(rows: Int, empty: [Int], rowsWrittenSince: Int, transactions: Int, transactionIDs: [String], versions: [String]? = nil) {
            self.rows = rows
            self.empty = empty
            self.rowsWrittenSince = rowsWrittenSince
            self.transactions = transactions
            self.transactionIDs = transactionIDs
            self.versions = versions
        }

        /// How step 2 picks the rows written since.
        public var selection: VerificationSQL.RowSelection {
            transactions <= maximumListedTransactions && transactionIDs.count == transactions ? .writtenBy : .writtenSince
        }

        /// Each column's recognised tokens: the values of rows not written since, plus those step 2 recognised.
        /// `checked` is step 2's counts (rows, then empty and recognised per column), nil when it did not run.
        public func tokens(checked: [Int]?) -> [Int] {
            empty.indices.map { index in
                let emptySince = checked.map { $0[1 + 2 * index] } ?? 0
                let recognisedSince = checked.map { $0[2 + 2 * index] } ?? 0
                return (rows - rowsWrittenSince) - (empty[index] - emptySince) + recognisedSince
            }
        }
    }
}
