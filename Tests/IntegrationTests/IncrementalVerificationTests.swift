import Foundation
import PostgresNIO
import PostgresWarehouse
import TestSupport
import Testing
import Tokenization
import WarehouseKit

/// Incremental verification against real PostgreSQL: after a clean verification, only rows written since are
/// checked, with the same counts as a full scan; every way the mark can stop standing makes the scan full again.
@Suite(.enabled(if: TestEnvironment.postgresTestsEnabled), .serialized) struct IncrementalVerificationTests {
    @Test func onlyRowsWrittenSinceTheMarkAreCheckedWithTheSameCountsAsAFullScan() async throws {
        try await withWarehouse(batchSize: 13) { warehouse, client, database in
            let table = uniqueTable("incremental")
            try await execute(client, "CREATE TABLE public.\(table) (id integer PRIMARY KEY, email text, phone text, ssn text)")
            try await execute(
                client,
                "INSERT INTO public.\(table) SELECT g, 'user' || g || '@example.com', '+1 555 ' || lpad(g::text, 7, '0'), CASE WHEN g % 5 = "
                    + "0 THEN NULL ELSE 'ssn-' || g END FROM generate_series(1, 60) g"
            )
            let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
            let columns = [ColumnPlan(name: "email", scheme: .siv), ColumnPlan(name: "phone", scheme: .ff1), ColumnPlan(name: "ssn", scheme: .hmac)]
            _ = try await warehouse.run(description, columns)
            func verify(since: String?) async throws -> VerificationReport {
                try await warehouse.verify(VerificationRequest(table: description, columns: columns, sampleSize: 100, since: since))
            }
            let full = try await verify(since: nil)
            let first = try #require(full.watermark, "a clean verification records a mark")
            #expect(full.plaintext == 0 && full.rowsCheckedSince == nil)
            #expect(try await recordedShape(client, table).contains("|versions="), "a full scan records the row versions it saw")

            let unchanged = try await settled(since: first, verify)
            #expect(unchanged.rowsCheckedSince == 0 && unchanged.plaintext == 0, "\(unchanged)")
            #expect(unchanged.columns.map(\.tokens) == full.columns.map(\.tokens) && unchanged.columns.map(\.empty) == full.columns.map(\.empty))
            #expect(unchanged.columns.first?.sampled == 0, "no siv token written since, none to decrypt")
            let grouped = try #require(unchanged.watermark)
            #expect(grouped != first)
            #expect(try await recordedShape(client, table).contains("|versions="))
            // The row versions recorded: one pass without grouping finds every row among them; the list carries over.
            let fast = try await verify(since: grouped)
            #expect(fast.rowsCheckedSince == 0 && fast.plaintext == 0, "\(fast)")
            #expect(fast.columns.map(\.tokens) == full.columns.map(\.tokens) && fast.columns.map(\.empty) == full.columns.map(\.empty))
            let second = try #require(fast.watermark)
            #expect(try await recordedShape(client, table).contains("|versions="))
            let counted = try await warehouse.verify(VerificationRequest(table: description, columns: columns, sampleSize: 0, recordsMark: false))
            #expect(
                counted.watermark == nil && counted.rowsCheckedSince == nil, "a plan's count records no mark (the next scan proves it kept the last)")

            // An application writes: a forged siv token, plaintext phone and ssn, a new row, a row emptied.
            try await execute(client, "UPDATE public.\(table) SET email = 'tks_k1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' WHERE id = 7")
            try await execute(client, "UPDATE public.\(table) SET phone = '+1 555 0000009', ssn = 'ssn-plain' WHERE id = 9")
            try await execute(client, "INSERT INTO public.\(table) VALUES (61, 'new@example.com', NULL, NULL)")
            try await execute(client, "UPDATE public.\(table) SET ssn = NULL WHERE id = 11")
            let incremental = try await verify(since: second)
            // The pass over row versions finds the 4 written since; the grouped pass then checks the rows written since
            // the mark's transaction: those 4, and the run's own rows too while another test's transaction, open when
            // the mark was taken, held that transaction back (the mark was recorded with no wait for it to settle).
            #expect((incremental.rowsCheckedSince ?? 0) >= 4, "\(incremental)")
            let scanned = try await verify(since: nil)
            #expect(incremental.rows == 61 && incremental.plaintext == 4 && incremental.watermark == nil && scanned.watermark == nil)
            for (part, whole) in zip(incremental.columns, scanned.columns) {
                #expect(part.empty == whole.empty && part.tokens == whole.tokens && part.plaintext == whole.plaintext, "\(part) vs \(whole)")
                #expect(part.plaintextKeys == whole.plaintextKeys)
            }
            #expect(incremental.columns.map(\.plaintextKeys) == [["61"], ["9"], ["9"]], "a forged siv token has the shape: only decryption finds it")
            #expect(incremental.columns[0].sampleFailures == 1, "the forged token written since is decrypted and fails")

            // Most rows written since (a reload): the ledger is joined, not looked up row by row; the same counts.
            _ = try await warehouse.run(description, columns)
            let clean = try #require(try await verify(since: nil).watermark)
            try await execute(client, "UPDATE public.\(table) SET phone = phone, ssn = ssn")
            try await execute(client, "UPDATE public.\(table) SET phone = '+1 555 0000033' WHERE id = 33")
            let reloaded = try await verify(since: clean)
            let reloadedFull = try await verify(since: nil)
            #expect(reloaded.rowsCheckedSince == 61 && reloaded.plaintext == 1 && reloaded.columns[1].plaintextKeys == ["33"], "\(reloaded)")
            #expect(
                reloaded.columns.map(\.tokens) == reloadedFull.columns.map(\.tokens)
                    && reloaded.columns.map(\.empty) == reloadedFull.columns.map(\.empty))
            try await execute(client, "DROP TABLE public.\(table)")
        }
    }

    /// More transactions wrote since the mark than are listed (`IncrementalScanSQL.maximumListedTransactions`): the
    /// rows written since are picked by the per-row test instead, with the same counts.
    @Test func rowsWrittenByManyTransactionsSinceAreAllChecked() async throws {
        try await withWarehouse(batchSize: 500) { warehouse, client, database in
            let table = uniqueTable("many_writers")
            let writers = IncrementalScanSQL.maximumListedTransactions + 5
            try await execute(client, "CREATE TABLE public.\(table) (id integer PRIMARY KEY, email text)")
            try await execute(
                client, "INSERT INTO public.\(table) SELECT g, 'user' || g || '@example.com' FROM generate_series(1, \(writers + 100)) g")
            let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
            let columns = [ColumnPlan(name: "email", scheme: .hmac)]
            _ = try await warehouse.run(description, columns)
            func verify(since: String?) async throws -> VerificationReport {
                try await warehouse.verify(VerificationRequest(table: description, columns: columns, sampleSize: 0, since: since))
            }
            let mark = try #require(try await verify(since: nil).watermark)
            for id in 1...writers {  // one transaction each; every 100th writes plaintext
                try await execute(
                    client,
                    id % 100 == 0
                        ? "UPDATE public.\(table) SET email = 'p\(id)@example.com' WHERE id = \(id)"
                        : "UPDATE public.\(table) SET email = email WHERE id = \(id)")
            }
            let incremental = try await verify(since: mark)
            let full = try await verify(since: nil)
            #expect(incremental.rowsCheckedSince.map { $0 >= writers } == true, "\(incremental)")
            #expect(incremental.plaintext == writers / 100 && incremental.columns[0].tokens == full.columns[0].tokens, "\(incremental) vs \(full)")
            #expect(incremental.columns[0].plaintextKeys == full.columns[0].plaintextKeys)
            try await execute(client, "DROP TABLE public.\(table)")
        }
    }

    /// A table written by more transactions than the 256 row versions recorded before (a run writes one per batch:
    /// 10M rows took 3,000): on PostgreSQL 15+ the mark still records every row version, so the next verification
    /// is the one pass that costs a `count` and finds no row written since.
    @Test func rowVersionsOfMoreThan256TransactionsAreRecorded() async throws {
        try await withWarehouse(batchSize: 500) { warehouse, client, database in
            let table = uniqueTable("many_versions")
            let writers = IncrementalScanSQL.maximumRecordedVersionsBefore15 + 44
            try await execute(client, "CREATE TABLE public.\(table) (id integer PRIMARY KEY, email text)")
            for id in 1...writers {  // one transaction each; empty values are clean, so the verification records a mark
                try await execute(client, "INSERT INTO public.\(table) VALUES (\(id), NULL)")
            }
            let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
            let columns = [ColumnPlan(name: "email", scheme: .hmac)]
            func verify(since: String?) async throws -> VerificationReport {
                try await warehouse.verify(VerificationRequest(table: description, columns: columns, sampleSize: 0, since: since))
            }
            let mark = try #require(try await verify(since: nil).watermark)
            var version = 0
            for try await number in try await client.query("SELECT current_setting('server_version_num')::integer").decode(Int.self) {
                version = number
            }
            let recorded = try await recordedShape(client, table).components(separatedBy: "|versions=").dropFirst().first?
                .components(separatedBy: "|counts=").first
            if version >= 150000 {
                #expect(recorded?.split(separator: ",").count == writers, "every row version is recorded")
                let next = try await settled(since: mark, verify)
                #expect(next.rowsCheckedSince == 0 && next.rows == writers && next.columns[0].empty == writers, "\(next)")
            } else {
                #expect(recorded == nil, "more row versions than an older server can search per row are not recorded")
            }
            try await execute(client, "DROP TABLE public.\(table)")
        }
    }

    /// A mark superseded, lost with a restore, a column dropped and added again with a default, other keys: the
    /// scan checks every row, and finds what only a full scan can.
    @Test func aMarkThatNoLongerStandsMeansEveryRowIsChecked() async throws {
        try await withWarehouse { warehouse, client, database in
            let (table, description) = try await tokenizedEmails(warehouse, client, database, stem: "marks")
            let columns = plans(.hmac, "email")
            func verify(since: String?, on warehouse: PostgresWarehouse = warehouse) async throws -> VerificationReport {
                try await warehouse.verify(VerificationRequest(table: description, columns: columns, since: since))
            }
            let first = try #require(try await verify(since: nil).watermark)
            #expect(try await verify(since: "a mark never recorded").rowsCheckedSince == nil)
            let second = try #require(try await verify(since: first).watermark)
            #expect(try await verify(since: first).rowsCheckedSince == nil, "superseded by a later clean verification")
            #expect(try await verify(since: second).rowsCheckedSince == nil, "superseded by the full one just above")
            let latest = try #require(try await verify(since: nil).watermark)

            // A restore to before the verification takes its mark with it.
            try await execute(client, "DELETE FROM tokenize_action.verified_marks WHERE relation = 'public.\(table)'")
            #expect(try await verify(since: latest).rowsCheckedSince == nil)

            // Someone who can write the dataset's database moves the mark forward to hide rows written since: the
            // run ledger's copy decides, so every row is checked.
            let beforeEdit = try #require(try await verify(since: nil).watermark)
            try await execute(client, "UPDATE public.\(table) SET email = 'plain@example.com' WHERE id = 3")
            try await execute(
                client,
                "UPDATE tokenize_action.verified_marks SET since_xid = pg_snapshot_xmax(pg_current_snapshot()) WHERE relation = 'public.\(table)'")
            let edited = try await verify(since: beforeEdit)
            #expect(edited.rowsCheckedSince == nil && edited.plaintext == 1, "\(edited)")
            _ = try await warehouse.run(description, columns)

            // Other token keys configured.
            let beforeKeys = try #require(try await verify(since: nil).watermark)
            try await withWarehouse(keys: rotatedKeys) { rotated, _, _ in
                let report = try await verify(since: beforeKeys, on: rotated)
                #expect(report.rowsCheckedSince == nil)
            }

            // Old rows show a re-added column's default without a new row version.
            let beforeDDL = try #require(try await verify(since: nil).watermark)
            try await execute(client, "ALTER TABLE public.\(table) DROP COLUMN email")
            try await execute(client, "ALTER TABLE public.\(table) ADD COLUMN email text DEFAULT 'someone@example.com'")
            let report = try await verify(since: beforeDDL)
            #expect(report.rowsCheckedSince == nil && report.plaintext == 20, "\(report)")
            try await execute(client, "DROP TABLE public.\(table)")
        }
    }

    /// The row versions a mark recorded are covered by the watermark's digest: a transaction id added to the list in
    /// the database (to hide a plaintext write) makes the mark not stand, and every row is checked.
    @Test func aRowVersionListEditedInTheDatabaseMeansEveryRowIsChecked() async throws {
        try await withWarehouse { warehouse, client, database in
            let (table, description) = try await tokenizedEmails(warehouse, client, database, stem: "versions")
            let columns = plans(.hmac, "email")
            func verify(since: String?) async throws -> VerificationReport {
                try await warehouse.verify(VerificationRequest(table: description, columns: columns, since: since))
            }
            let full = try #require(try await verify(since: nil).watermark)
            let grouped = try #require(try await settled(since: full, verify).watermark)
            #expect(try await recordedShape(client, table).contains("|versions="))

            // A plaintext write after a mark with versions: found by the first pass, then checked.
            try await execute(client, "UPDATE public.\(table) SET email = 'plain@example.com' WHERE id = 3")
            let found = try await verify(since: grouped)
            #expect(found.plaintext == 1 && (found.rowsCheckedSince ?? 0) >= 1 && found.columns[0].plaintextKeys == ["3"], "\(found)")
            _ = try await warehouse.run(description, columns)
            let clean = try #require(try await verify(since: nil).watermark)
            let marked = try #require(try await settled(since: clean, verify).watermark)

            // The plaintext write's transaction id added to the recorded list.
            try await execute(client, "UPDATE public.\(table) SET email = 'plain@example.com' WHERE id = 4")
            var writer = ""
            for try await xid in try await client.query(PostgresQuery(unsafeSQL: "SELECT xmin::text FROM public.\(table) WHERE id = 4")).decode(
                String.self)
            {
                writer = xid
            }
            try await execute(
                client,
                "UPDATE tokenize_action.verified_marks SET shape = replace(shape, '|versions=', '|versions=\(writer),') WHERE relation = "
                    + "'public.\(table)'"
            )
            let edited = try await verify(since: marked)
            #expect(edited.rowsCheckedSince == nil && edited.plaintext == 1 && edited.columns[0].plaintextKeys == ["4"], "\(edited)")
            try await execute(client, "DROP TABLE public.\(table)")
        }
    }

    /// A partition attached after the verification holds rows older than its mark: they are checked.
    @Test func aPartitionAttachedWithOldRowsIsChecked() async throws {
        try await withWarehouse { warehouse, client, database in
            let table = uniqueTable("parted")
            try await execute(client, "CREATE TABLE public.\(table)_old (id integer PRIMARY KEY, email text)")
            try await execute(client, "INSERT INTO public.\(table)_old SELECT g, 'old' || g || '@example.com' FROM generate_series(100, 109) g")
            try await execute(client, "CREATE TABLE public.\(table) (id integer PRIMARY KEY, email text) PARTITION BY RANGE (id)")
            try await execute(client, "CREATE TABLE public.\(table)_p1 PARTITION OF public.\(table) FOR VALUES FROM (0) TO (100)")
            try await execute(client, "INSERT INTO public.\(table) SELECT g, 'user' || g || '@example.com' FROM generate_series(1, 20) g")
            let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
            let columns = plans(.hmac, "email")
            _ = try await warehouse.run(description, columns)
            let clean = try await warehouse.verify(VerificationRequest(table: description, columns: columns))
            let mark = try #require(clean.watermark)
            let unchanged = try await settled(since: mark) { since in
                try await warehouse.verify(VerificationRequest(table: description, columns: columns, since: since))
            }
            #expect(unchanged.rowsCheckedSince == 0)
            let latest = try #require(try await warehouse.verify(VerificationRequest(table: description, columns: columns)).watermark)
            try await execute(client, "ALTER TABLE public.\(table) ATTACH PARTITION public.\(table)_old FOR VALUES FROM (100) TO (200)")
            let report = try await warehouse.verify(VerificationRequest(table: description, columns: columns, since: latest))
            #expect(report.rowsCheckedSince == nil && report.plaintext == 10 && report.rows == 30, "\(report)")
            try await execute(client, "DROP TABLE public.\(table)")
        }
    }
}

/// A new table of 20 rows `(id, email)`, its emails tokenized with hmac: its name and description.
func tokenizedEmails(_ warehouse: PostgresWarehouse, _ client: PostgresClient, _ database: String, stem: String) async throws -> (
    String, TableDescription
) {
    let table = uniqueTable(stem)
    try await execute(client, "CREATE TABLE public.\(table) (id integer PRIMARY KEY, email text)")
    try await execute(client, "INSERT INTO public.\(table) SELECT g, 'user' || g || '@example.com' FROM generate_series(1, 20) g")
    let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
    _ = try await warehouse.run(description, plans(.hmac, "email"))
    return (table, description)
}

/// The shape recorded with the relation's latest mark (with its row versions, when recorded).
func recordedShape(_ client: PostgresClient, _ table: String) async throws -> String {
    var shape = ""
    let rows = try await client.query(PostgresQuery(unsafeSQL: "SELECT shape FROM tokenize_action.verified_marks WHERE relation = 'public.\(table)'"))
    for try await text in rows.decode(String.self) { shape = text }
    return shape
}

/// Verifies from `mark` until no row counts as written since. A mark is the oldest transaction running anywhere on
/// the server when its scan began, so while other tests hold transactions open, rows this test wrote before the
/// mark may still count as written since (checked again: never skipped wrongly). Each clean verification records
/// a later mark; once those transactions end, the rows are older than it.
func settled(since mark: String, _ verify: (String?) async throws -> VerificationReport) async throws -> VerificationReport {
    var mark = mark
    for _ in 0..<100 {
        let report = try await verify(mark)
        guard report.rowsCheckedSince != 0, let next = report.watermark else { return report }
        mark = next
        try await Task.sleep(for: .milliseconds(100))
    }
    return try await verify(mark)
}

/// When a watermark may be used: its mark still the database's latest with the same transaction id, the same
/// shape, a transaction counter not behind it, at most 2³⁰ transactions old.
@Suite struct VerificationMarkRuleTests {
    typealias Watermark = VerificationMarkSQL.Watermark
    let digest = String(repeating: "ab", count: 32)

    @Test func aMarkStandsOnlyWithItsShapeAndWithinTheComparableRange() {
        let xid: UInt64 = 5_000_000_000
        let watermark = Watermark(mark: "m", xid: xid, shapeDigest: digest)
        func since(_ watermark: Watermark?, database: UInt64? = xid, current: UInt64 = xid + 100, digest: String? = nil) -> UInt32? {
            VerificationMarkSQL.checkSince(watermark, databaseXID: database, current: current, shapeDigest: digest ?? self.digest)
        }
        #expect(since(watermark, current: xid) == UInt32(xid - (1 << 32)))
        #expect(since(watermark, current: xid + (1 << 30)) != nil)
        #expect(since(watermark, current: xid + (1 << 30) + 1) == nil, "too old")
        #expect(since(watermark, current: xid - 1) == nil, "the counter went back")
        #expect(since(watermark, digest: String(repeating: "cd", count: 32)) == nil, "another shape")
        #expect(since(watermark, database: nil) == nil, "not the database's latest mark, or gone")
        #expect(since(watermark, database: xid - 1000) == nil, "the database's copy says otherwise: edited")
        #expect(since(nil) == nil)
        #expect(VerificationMarkSQL.recordedShape(relation: "1(a:1)", keyIDs: ["k2", "k1"]) == "1(a:1)|keys=k1,k2")
    }

    /// The row versions recorded with a mark are read only from a shape that is the current one plus the list; the
    /// digest the watermark must carry is then the recorded shape's, list included.
    @Test func rowVersionsAreReadOnlyFromTheCurrentShape() {
        let current = VerificationMarkSQL.recordedShape(relation: "1(a:1)", keyIDs: ["k1"])
        let recorded = VerificationMarkSQL.recordedShape(relation: "1(a:1)", keyIDs: ["k1"], versions: ["812", "77"])
        #expect(recorded == "1(a:1)|keys=k1|versions=77,812")
        #expect(VerificationMarkSQL.recorded(recorded, current: current) == (recorded, ["77", "812"]))
        #expect(VerificationMarkSQL.recorded(current, current: current) == (current, nil), "a mark without versions")
        #expect(VerificationMarkSQL.recorded(nil, current: current) == (current, nil))
        #expect(VerificationMarkSQL.recorded(current + "|versions=", current: current) == (current + "|versions=", []), "an empty table")
        let otherShape = VerificationMarkSQL.recordedShape(relation: "2(a:1)", keyIDs: ["k1"], versions: ["5"])
        #expect(VerificationMarkSQL.recorded(otherShape, current: current) == (current, nil), "another shape: the digest refuses it")
        #expect(VerificationMarkSQL.recorded(current + "|versions=5,x", current: current) == (current, nil))
        let sql = IncrementalScanSQL.unchanged(
            table: TableReference(database: "shop", schema: "public", table: "t"), columns: [ColumnPlan(name: "e", scheme: .hmac)])
        #expect(sql.contains("t.xmin <> ALL ($1::text[]::xid[])") && !sql.contains("GROUP BY") && !sql.contains("age("), "parallel-safe, no grouping")
    }

    /// ff1 ledger entries vouch for a row by transaction id only when written less than 2³¹ transactions ago.
    @Test func theLedgerFloorIs2To31TransactionsBack() {
        #expect(VerificationMarkSQL.ledgerFloor(now: 5_000_000_000) == 5_000_000_000 - (1 << 31))
        #expect(VerificationMarkSQL.ledgerFloor(now: 1_000) == 0, "a server younger than 2³¹ transactions never reused an id")
        #expect(VerificationMarkSQL.ledgerFloor(now: nil) == UInt64.max)
    }

    @Test func anIncrementalScanCountsRowsNotWrittenSinceAsTheMarkedScanFoundThem() {
        typealias Written = IncrementalScanSQL.Written
        let untouched = Written(rows: 100, empty: [10, 0], rowsWrittenSince: 0, transactions: 0, transactionIDs: [])
        #expect(untouched.tokens(checked: nil) == [90, 100])
        // 7 rows written since by 2 transactions: in column 0, 1 of them emptied and 4 recognised (2 plaintext).
        let written = Written(rows: 100, empty: [10, 0], rowsWrittenSince: 7, transactions: 2, transactionIDs: ["5", "6"])
        #expect(written.tokens(checked: [7, 1, 4, 0, 7]) == [(93 - 9) + 4, 93 + 7])
        #expect(written.selection == .writtenBy)
        let many = Written(
            rows: 5000, empty: [0], rowsWrittenSince: 2000, transactions: IncrementalScanSQL.maximumListedTransactions + 1, transactionIDs: [])
        #expect(many.selection == .writtenSince, "more transactions than are listed: the per-row test")
        let sql = IncrementalScanSQL.written(
            table: TableReference(database: "shop", schema: "public", table: "t"), columns: [ColumnPlan(name: "e", scheme: .hmac)])
        #expect(sql.contains("GROUP BY t.xmin") && !sql.contains("age(t.xmin)"), "the per-row test keeps a scan in one process: not in step 1")
    }

    @Test func anIncrementalScanJoinsTheLedgerWhenMoreThanAnEighthOfTheRowsWereWrittenSince() {
        #expect(!VerificationSQL.joinsLedger(rowsWrittenSince: 4, rows: 61))
        #expect(VerificationSQL.joinsLedger(rowsWrittenSince: 61, rows: 61))
        #expect(!VerificationSQL.joinsLedger(rowsWrittenSince: 125_000, rows: 1_000_000))
        #expect(VerificationSQL.joinsLedger(rowsWrittenSince: 125_001, rows: 1_000_000))
    }

    @Test func watermarksRoundTripAndAnythingElseIsRefused() {
        let watermark = Watermark(mark: "3f2c", xid: 812, shapeDigest: digest)
        #expect(Watermark(watermark.text) == watermark && watermark.text == "pg1:3f2c:812:\(digest)")
        for text in ["", "pg1:3f2c:812", "pg2:3f2c:812:\(digest)", "pg1::812:\(digest)", "pg1:3f2c:x:\(digest)", "pg1:3f2c:812:abc"] {
            #expect(Watermark(text) == nil, "\(text)")
        }
    }
}
