import Logging
import PostgresNIO
import PostgresSupport
import TestSupport
import Testing
import Tokenization
import WarehouseKit

@testable import PostgresWarehouse

/// The statement a service-side batch writes with (`ServiceSideSQL.applyBatch` over `BatchUpdates`), on real
/// PostgreSQL: written cells take their new value byte for byte, kept cells stay as they were (NULL and empty
/// included), rows outside the batch are untouched, and the count is of rows changed.
@Suite(.enabled(if: TestEnvironment.postgresTestsEnabled)) struct BatchUpdateTests {
    static let awkward = [
        "plain", "", "back\\slash", "tab\there", "new\nline", "carriage\rreturn", "\\N", "NULL", "Zoë 😀 Łódź", "\\\t\n\r", "{a,b}", "'quoted'",
    ]

    @Test func writtenCellsChangeAndKeptCellsStay() async throws {
        try await withWarehouse { _, client, database in
            let table = uniqueTable("batch_update")
            try await execute(client, "CREATE TABLE public.\(table) (id bigint PRIMARY KEY, a text, b text)")
            defer { Task { try? await execute(client, "DROP TABLE public.\(table)") } }
            try await execute(
                client,
                "INSERT INTO public.\(table) SELECT g, CASE WHEN g % 3 = 0 THEN NULL ELSE 'a' || g END, 'b' || g FROM generate_series(1, 40) g")
            // Rows 1…24 are in the batch: column a written on even rows, b on rows divisible by 3 (where a is NULL).
            var updates = ServiceSideBatches.BatchUpdates(columns: 2)
            var expected: [Int: (String?, String?)] = [:]
            for id in 1...40 { expected[id] = (id % 3 == 0 ? nil : "a\(id)", "b\(id)") }
            for id in 1...24 {
                let newA = id % 2 == 0 ? Self.awkward[id % Self.awkward.count] : nil
                let newB = id % 3 == 0 ? "new \(Self.awkward[(id + 5) % Self.awkward.count])" : nil
                updates.append(String(id), [newA, newB])
                expected[id] = (newA ?? expected[id]!.0, newB ?? expected[id]!.1)
            }
            let columns = [ColumnPlan(name: "a", scheme: .siv), ColumnPlan(name: "b", scheme: .siv)]
            let sql = ServiceSideSQL.applyBatch(
                table: TableReference(database: database, schema: "public", table: table), keyColumn: "id", keyType: "bigint", columns: columns)
            var changed: Int64 = -1
            for try await count in try await client.query(PostgresQuery(unsafeSQL: sql, binds: updates.bindings)).decode(Int64.self) {
                changed = count
            }
            #expect(changed == 24)
            var seen = 0
            for try await (id, a, b) in try await client.query(PostgresQuery(unsafeSQL: "SELECT id, a, b FROM public.\(table)")).decode(
                (Int, String?, String?).self)
            {
                #expect(a == expected[id]!.0, "row \(id), column a")
                #expect(b == expected[id]!.1, "row \(id), column b")
                seen += 1
            }
            #expect(seen == 40)
        }
    }
}
