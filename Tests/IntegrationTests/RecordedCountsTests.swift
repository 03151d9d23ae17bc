import Foundation
import PostgresNIO
import PostgresWarehouse
import TestSupport
import Testing
import WarehouseKit

/// The counts a clean verification records with its row versions, and the next verification's short pass that
/// relies on them while no row was written or deleted since.
@Suite struct RecordedCountsRuleTests {
    let current = VerificationMarkSQL.recordedShape(relation: "1(a:1)", keyIDs: ["k1"])

    /// Column names may hold the separators; the counts come back exactly, and the row versions with them.
    @Test func countsRoundTripBesideTheRowVersions() throws {
        let counts = RecordedCounts(rows: 40, empty: ["email": 3, "a,b:c|counts=d": 0, "Straße": 40])
        let recorded = VerificationMarkSQL.shape(current, versions: ["812", "77"], counts: counts)
        #expect(recorded.hasPrefix(current + "|versions=77,812|counts=40,"))
        #expect(VerificationMarkSQL.recorded(recorded, current: current) == (recorded, ["77", "812"]))
        #expect(VerificationMarkSQL.recordedCounts(recorded, current: current) == counts)
        #expect(counts.empty(of: ["Straße", "email"]) == [40, 3])
        #expect(counts.empty(of: ["email", "phone"]) == nil, "a column the mark did not count")
        let withoutCounts = VerificationMarkSQL.shape(current, versions: ["5"])
        #expect(VerificationMarkSQL.recorded(withoutCounts, current: current) == (withoutCounts, ["5"]), "a mark recorded before counts were")
        #expect(VerificationMarkSQL.recordedCounts(withoutCounts, current: current) == nil)
        #expect(VerificationMarkSQL.shape(current, versions: nil, counts: counts) == current, "counts only beside row versions")
        let empty = VerificationMarkSQL.shape(current, versions: [], counts: RecordedCounts(rows: 0, empty: ["e": 0]))
        #expect(VerificationMarkSQL.recordedCounts(empty, current: current) == RecordedCounts(rows: 0, empty: ["e": 0]), "an empty table")
    }

    /// Counts that do not parse (a shape edited in the database) make the whole recorded part unusable.
    @Test func malformedCountsAreRefused() {
        for suffix in ["|counts=", "|counts=x", "|counts=5,656d61696c:6", "|counts=5,zz:1", "|counts=5,65:1,65:2", "|counts=-1"] {
            let recorded = current + "|versions=7" + suffix
            #expect(VerificationMarkSQL.recorded(recorded, current: current) == (current, nil), "\(suffix)")
            #expect(VerificationMarkSQL.recordedCounts(recorded, current: current) == nil, "\(suffix)")
        }
    }

    @Test func theShortPassCountsRowsAndRowVersionsAlone() {
        let sql = IncrementalScanSQL.unchangedRows(table: TableReference(database: "shop", schema: "public", table: "t"))
        #expect(sql == #"SELECT count(*)::bigint, count(*) FILTER (WHERE t.xmin <> ALL ($1::text[]::xid[]))::bigint FROM "public"."t" t"#)
    }
}

/// A verification mark's recorded counts stand until a row is deleted or written.
@Suite(.enabled(if: TestEnvironment.postgresTestsEnabled), .serialized) struct RecordedCountsTests {
    /// A clean verification records its counts; the next one reports them while nothing changed, and counts again
    /// once a row was deleted (a DELETE writes no row version, so only the number of rows shows it).
    @Test func theRecordedCountsStandUntilARowIsDeleted() async throws {
        try await withWarehouse(batchSize: 13) { warehouse, client, database in
            let table = uniqueTable("recorded_counts")
            try await execute(client, "CREATE TABLE public.\(table) (id integer PRIMARY KEY, email text, phone text)")
            try await execute(
                client,
                "INSERT INTO public.\(table) SELECT g, CASE WHEN g % 4 = 0 THEN '' WHEN g % 7 = 0 THEN NULL ELSE 'user' || g || "
                    + "'@example.com' END, '+1 555 ' || g FROM generate_series(1, 50) g"
            )
            let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
            let columns = [ColumnPlan(name: "email", scheme: .hmac), ColumnPlan(name: "phone", scheme: .siv)]
            _ = try await warehouse.run(description, columns)
            func verify(_ columns: [ColumnPlan], since: String?) async throws -> VerificationReport {
                try await warehouse.verify(VerificationRequest(table: description, columns: columns, sampleSize: 100, since: since))
            }
            let full = try await verify(columns, since: nil)
            // Empty emails: the 12 multiples of 4 ('') and the 6 other multiples of 7 (NULL).
            #expect(full.plaintext == 0 && full.columns.map(\.empty) == [12 + 6, 0], "\(full)")
            #expect(try await recordedShape(client, table).contains("|counts=50,"), "the clean scan's counts are recorded")
            let unchanged = try await settled(since: try #require(full.watermark)) { try await verify(columns, since: $0) }
            #expect(
                unchanged.rowsCheckedSince == 0 && unchanged.rows == 50 && unchanged.columns.map(\.empty) == full.columns.map(\.empty), "\(unchanged)"
            )
            #expect(unchanged.columns.map(\.tokens) == full.columns.map(\.tokens))
            let mark = try #require(unchanged.watermark)

            // Row 8's email is empty, row 14's NULL: deleting them leaves no new row version.
            try await execute(client, "DELETE FROM public.\(table) WHERE id IN (8, 14)")
            let afterDelete = try await verify(columns, since: mark)
            let scanned = try await verify(columns, since: nil)
            #expect(afterDelete.rowsCheckedSince == 0 && afterDelete.rows == 48, "\(afterDelete)")
            #expect(
                afterDelete.columns.map(\.empty) == scanned.columns.map(\.empty) && afterDelete.columns.map(\.empty) == [16, 0], "\(afterDelete)")
            #expect(afterDelete.columns.map(\.tokens) == scanned.columns.map(\.tokens) && afterDelete.plaintext == 0)

            try await execute(client, "DROP TABLE public.\(table)")
        }
    }
}
