/// Incremental verification in PostgreSQL: which rows are unchanged since the last clean verification. Pure.
///
/// Every row version carries the id of the transaction that wrote it (`xmin`; VACUUM's freezing keeps it). A
/// clean verification records `X`, the oldest transaction still running when its scan's snapshot was taken
/// (taken just before the scan: snapshots' `xmin` never goes back). Every transaction before `X` had ended by
/// then, so each row version it wrote was seen by that scan and found empty or a token. Any write since (INSERT,
/// UPDATE, COPY, a rewrite by ALTER TABLE) makes a row version with a later `xmin`, which is checked again.
///
/// Row versions are compared as `age(t.xmin) > age(X)`: both ages are counted from the same transaction, so the
/// comparison holds while `X` is less than 2³¹ transactions old (a mark older than 2³⁰ is not used). Row
/// versions frozen so long ago that their age wraps count as written since: checked, never skipped.
///
/// Row versions: a clean scan that grouped the rows by `xmin` also records the transaction ids of every row version
/// it saw (at most `IncrementalScanSQL.maximumRecordedVersions`). Each of those transactions had committed before that scan's snapshot, so
/// every row version it wrote that is visible later was visible then, and checked. The next verification first
/// counts the row versions whose `xmin` is *not* in that list (`IncrementalScanSQL.unchanged`, a parallel pass
/// about a `count` costs, where `age()` is parallel-restricted and grouping costs twice a `count`). When there are
/// none, no row was written since and the list carries over to the new mark; otherwise the grouped pass runs. After
/// the list the mark records what its scan counted (`RecordedCounts`): with as many rows as then, the pass need not
/// count each column's empty values (`IncrementalScanSQL.unchangedRows`). The
/// list is part of the recorded shape, so the watermark's digest covers it: a list edited in the database makes
/// the mark not stand.
///
/// What the transaction ids cannot show, and how each is caught (then every row is checked):
/// - A restore (point-in-time, a disk snapshot, a dump) to before the verification: the mark lives in this
///   database, in `tokenize_action.verified_marks`, so it goes back with the data and no longer matches the one
///   the run ledger holds. A transaction counter behind the mark is refused too.
/// - A partition attached or a child table added with old rows; a column dropped and added again with a default
///   (old rows then show the default without a new row version): the mark records the relation's shape, the
///   `oid` of the table and of each partition or child with the `attnum` of each verified column, and it must
///   be the same.
/// - A change of the configured token keys: their ids are part of the recorded shape.
///
/// The transaction id and the shape's digest that decide are the ones in the run ledger's copy of the mark (the
/// watermark, `pg1:<mark>:<transaction id>:<shape digest>`), not the database's: a row of
/// `tokenize_action.verified_marks` edited by someone who can write the dataset's database can only make the
/// next verification check every row.
public enum VerificationMarkSQL {
    /// A clean verification's mark as the run ledger keeps it.
    public struct Watermark: Sendable, Equatable {
        public var mark: String
        public var xid: UInt64
        public var shapeDigest: String

        public init(mark: String, xid: UInt64, shapeDigest: String) {
            self.mark = mark
            self.xid = xid
            self.shapeDigest = shapeDigest
        }

        /// Parses `pg1:<mark>:<transaction id>:<shape digest>`; nil for anything else.
        public init?(_ text: String) {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 4, parts[0] == "pg1", !parts[1].isEmpty, let xid = UInt64(parts[2]), parts[3].count == 64 else { return nil }
            self.init(mark: String(parts[1]), xid: xid, shapeDigest: String(parts[3]))
        }

        public var text: String { "pg1:\(mark):\(xid):\(shapeDigest)" }
    }

    /// The mark of each relation's last clean verification.
    static let createTable = """
        CREATE TABLE IF NOT EXISTS tokenize_action.verified_marks (
            relation text PRIMARY KEY, mark text NOT NULL, since_xid xid8 NOT NULL, shape text NOT NULL,
            verified_at timestamptz NOT NULL DEFAULT now())
        """

    /// The relation's shape (`$1` schema, `$2` table, `$3` the verified columns): for the table and every
    /// partition or inheriting table below it, its `oid` and the `attnum` of each of those columns.
    public static let shape = """
        WITH RECURSIVE tree(oid) AS (
            SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2
            UNION SELECT i.inhrelid FROM pg_inherits i JOIN tree ON i.inhparent = tree.oid)
        SELECT string_agg(tree.oid::text || '(' || coalesce((
            SELECT string_agg(a.attname::text || ':' || a.attnum, ',' ORDER BY a.attname::text) FROM pg_attribute a
            WHERE a.attrelid = tree.oid AND a.attname::text = ANY($3::text[]) AND NOT a.attisdropped), '') || ')', ';' ORDER BY tree.oid)
        FROM tree
        """

    /// The oldest transaction running now, and the transaction id and shape recorded with mark `$2` of relation `$1`
    /// if that mark is still the relation's latest (NULLs when it is not).
    public static let read = """
        SELECT pg_snapshot_xmin(pg_current_snapshot())::text, m.since_xid::text, m.shape
        FROM (SELECT 1) AS one LEFT JOIN tokenize_action.verified_marks m ON m.relation = $1 AND m.mark = $2
        """

    /// The `ledgerFloor` of a verification (`VerificationSQL.Parameter.ledgerFloor`): 2³¹ transactions before `now`,
    /// the oldest transaction running; when it is unknown, a floor no entry reaches (every value checked by digest).
    public static func ledgerFloor(now: UInt64?) -> UInt64 {
        guard let now else { return UInt64.max }
        let window: UInt64 = 1 << 31
        return now > window ? now - window : 0
    }

    /// The oldest transaction running now (a full transaction id, as text).
    static let oldestRunning = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text"

    /// Records a clean verification: `$1` relation, `$2` mark, `$3` transaction id (text), `$4` shape.
    public static let save = """
        INSERT INTO tokenize_action.verified_marks (relation, mark, since_xid, shape) VALUES ($1, $2, $3::text::xid8, $4)
        ON CONFLICT (relation) DO UPDATE SET mark = EXCLUDED.mark, since_xid = EXCLUDED.since_xid, shape = EXCLUDED.shape, verified_at = now()
        """

    /// The test for a row version written since transaction `xid` (a placeholder bound to the 32-bit id as text).
    static func writtenSince(_ xid: String) -> String {
        "age(t.xmin) <= age(\(xid)::text::xid)"
    }

    /// The 32-bit transaction id from which rows must be checked, or nil when every row must be: no watermark, a
    /// database whose latest mark is another (or records another transaction id), another shape, a transaction
    /// counter behind the mark, or a mark too old for 32-bit comparisons.
    public static func checkSince(_ watermark: Watermark?, databaseXID: UInt64?, current: UInt64, shapeDigest: String) -> UInt32? {
        guard let watermark, databaseXID == watermark.xid, watermark.shapeDigest == shapeDigest,
            current >= watermark.xid, current - watermark.xid <= maximumAge
        else { return nil }
        return UInt32(truncatingIfNeeded: watermark.xid)
    }

    /// How many transactions old a mark may be (2³⁰, half of the 32-bit comparison's range).
    public static let maximumAge: UInt64 = 1 << 30

    /// The shape recorded with a mark: the relation's (`shape`), then the configured key ids, then (when known) the
    /// row versions the marked scan saw.
    public static func recordedShape(relation: String, keyIDs: [String], versions: [String]? = nil) -> String {
        shape(relation + "|keys=" + keyIDs.sorted().joined(separator: ","), versions: versions)
    }

    /// A recorded shape without versions (`recordedShape`), with `versions` appended when known, and after them the
    /// scan's `counts` (`RecordedCounts`, recorded only with versions).
    public static func shape(_ shape: String, versions: [String]?, counts: RecordedCounts? = nil) -> String {
        guard let versions else { return shape }
        return shape + versionsSeparator + versions.sorted().joined(separator: ",") + (counts.map { RecordedCounts.separator + $0.text } ?? "")
    }

    static let versionsSeparator = "|versions="

    /// What a mark recorded beyond the relation's shape now (`current`, from `recordedShape` without versions): the
    /// shape whose digest the watermark must carry, and the row versions it lists. A recorded shape that is not the
    /// current one (with or without versions) gives the current shape, which the watermark's digest then refuses.
    public static func recorded(_ recorded: String?, current: String) -> (shape: String, versions: [String]?) {
        let mark = recordedMark(recorded, current: current)
        return (mark.shape, mark.versions)
    }

    /// The counts recorded with the row versions (`recorded`), if any.
    public static func recordedCounts(_ recorded: String?, current: String) -> RecordedCounts? {
        recordedMark(recorded, current: current).counts
    }

    /// `recorded` and `recordedCounts` from one reading of the recorded shape (its list may hold 16,384 ids).
    public static func recordedMark(_ recorded: String?, current: String) -> (shape: String, versions: [String]?, counts: RecordedCounts?) {
        guard let parts = recordedParts(recorded, current: current), let recorded else { return (current, nil, nil) }
        return (recorded, parts.versions, parts.counts)
    }

    /// The row versions and counts of a recorded shape that is the current one plus them; nil when it is not, or
    /// when either part does not parse.
    private static func recordedParts(_ recorded: String?, current: String) -> (versions: [String], counts: RecordedCounts?)? {
        guard let recorded, recorded.hasPrefix(current + versionsSeparator) else { return nil }
        var list = recorded.dropFirst(current.count + versionsSeparator.count)
        var counts: RecordedCounts?
        if let range = list.range(of: RecordedCounts.separator) {
            guard let parsed = RecordedCounts(text: list[range.upperBound...]) else { return nil }
            counts = parsed
            list = list[..<range.lowerBound]
        }
        let versions = list.isEmpty ? [] : list.split(separator: ",").map(String.init)
        guard versions.allSatisfy({ UInt32($0) != nil }) else { return nil }
        return (versions, counts)
    }
}
