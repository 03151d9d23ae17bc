import Foundation
import PostgresNIO
import PostgresWarehouse
import TestSupport
import Testing
import Tokenization
import WarehouseKit

/// What keeps service-side runs cheap at scale: siv re-runs skip token-shaped values in the database, and ff1
/// ledger lookups stay index-driven on a ledger of a million entries.
@Suite(.enabled(if: TestEnvironment.postgresTestsEnabled), .serialized) struct ServiceSideScaleTests {
    /// The guarantee that remains: a value shaped like an siv token of a configured key is not decrypted by a
    /// tokenize run (it is left as is); the verification after the run authenticates a sample of them and
    /// reports a forged one as plaintext.
    @Test func sivRunsSkipTokenShapedValuesAndVerificationCatchesForgedOnes() async throws {
        try await withWarehouse(batchSize: 5) { warehouse, client, database in
            let table = uniqueTable("sivshape")
            try await execute(client, "CREATE TABLE public.\(table) (id integer PRIMARY KEY, email text)")
            try await execute(client, "INSERT INTO public.\(table) SELECT g, 'user' || g || '@example.com' FROM generate_series(1, 23) g")
            let forged = "tks_k1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
            try await execute(client, "UPDATE public.\(table) SET email = '\(forged)' WHERE id = 4")
            try await execute(client, "UPDATE public.\(table) SET email = 'tks_other' WHERE id = 5")  // not the shape: tokenized
            let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
            let first = try await warehouse.run(description, plans(.siv, "email"))
            #expect(first.rowsUpdated == 22)
            #expect(try await warehouse.run(description, plans(.siv, "email")).rowsUpdated == 0)
            let tokenizer = Tokenizer(keyring: oldKeys)
            let rows = try await client.query(PostgresQuery(unsafeSQL: "SELECT id, email FROM public.\(table) ORDER BY id"))
            for try await (id, email) in rows.decode((Int, String).self) {
                if id == 4 {
                    #expect(email == forged)
                } else {
                    #expect(try tokenizer.detokenize(email) == (id == 5 ? "tks_other" : "user\(id)@example.com"))
                }
            }
            let report = try await warehouse.verify(VerificationRequest(table: description, columns: plans(.siv, "email"), sampleSize: 100))
            #expect(report.plaintext == 1 && report.columns.first?.sampleFailures == 1, "\(report)")
            try await execute(client, "DROP TABLE public.\(table)")
        }
    }

    /// On a column of many tokens the verification draws its siv sample by `TABLESAMPLE BERNOULLI` (about 1.5× the
    /// sample size of rows), not by sorting the whole column: the sample is still full-size and authenticates.
    @Test func largeSivColumnsAreSampledByTablesample() async throws {
        #expect(VerificationSQL.sivSamplePercent(size: 100, shaped: 3_000) == 5)
        #expect(VerificationSQL.sivSamplePercent(size: 100, shaped: 120) == 100)
        #expect(
            VerificationSQL.sivSample(table: TableReference(database: "d", schema: "s", table: "t"), column: "c", sampled: true)
                .contains("TABLESAMPLE BERNOULLI ($3::float8)"))
        try await withWarehouse { warehouse, client, database in
            let table = uniqueTable("sivsample")
            try await execute(client, "CREATE TABLE public.\(table) (id integer PRIMARY KEY, email text)")
            try await execute(client, "INSERT INTO public.\(table) SELECT g, 'user' || g || '@example.com' FROM generate_series(1, 3000) g")
            let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
            #expect(try await warehouse.run(description, plans(.siv, "email")).rowsUpdated == 3_000)
            let report = try await warehouse.verify(VerificationRequest(table: description, columns: plans(.siv, "email"), sampleSize: 100))
            let column = try #require(report.columns.first)
            #expect(report.plaintext == 0 && column.tokens == 3_000 && column.sampleFailures == 0, "\(report)")
            #expect((50...100).contains(column.sampled ?? 0), "a 5 % draw of 3,000 rows holds about 150 (\(column.sampled ?? 0) sampled)")
            try await execute(client, "DROP TABLE public.\(table)")
        }
    }

    /// The batch's ledger lookup on a ledger of 1,000,000 rows (2,000,000 entries), before and after ANALYZE: an index
    /// scan on the ledger's primary key, never a sequential scan or a nested loop over the materialised ledger.
    @Test func ff1LedgerLookupsAreIndexDrivenOnAMillionEntries() async throws {
        try await withWarehouse { warehouse, client, database in
            // A tiny ff1 run creates the bookkeeping schema (and the ledger, and the relation's slot) as every run does.
            let table = uniqueTable("ledgerscale")
            try await execute(client, "CREATE TABLE public.\(table) (id integer PRIMARY KEY, phone text)")
            try await execute(client, "INSERT INTO public.\(table) VALUES (1, '+44 20 7946 0958')")
            let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
            _ = try await warehouse.run(description, plans(.ff1, "phone"))
            let relation = "public.\(table)"
            var relationID: Int32 = 0
            for try await id in try await client.query(
                PostgresQuery(unsafeSQL: "SELECT relation_id FROM tokenize_action.ff1_columns WHERE relation = '\(relation)'")
            ).decode(Int32.self) { relationID = id }
            try await execute(
                client,
                """
                INSERT INTO tokenize_action.ff1_rows (relation_id, row_key, key_ids, digests, fresh, written_xid)
                SELECT \(relationID), g::text, '{k1,k1}', substr(sha256(g::text::bytea), 1, 16) || substr(sha256(g::text::bytea), 1, 16),
                    '{f,f}', pg_current_xact_id() FROM generate_series(2, 1000001) g
                """)
            // A batch's worth of keys (10,000: two batches of half `POSTGRES_BATCH_SIZE` are in flight) on a relation
            // holding the whole ledger: as `row_key = ANY(…)` this was planned as a sequential scan once analyzed.
            let keys = (0..<10_000).map { String(100_000 + $0 * 7) }
            // The service's sessions never JIT-compile, whatever the estimates (they vary with autovacuum's timing).
            for try await jit in try await client.query("SHOW jit").decode(String.self) { #expect(jit == "off") }
            for analyzed in [false, true] {
                if analyzed { try await execute(client, "ANALYZE tokenize_action.ff1_rows") }
                var binds = PostgresBindings()
                binds.append(relationID)
                binds.append(keys)
                let explain = try await client.query(PostgresQuery(unsafeSQL: "EXPLAIN (FORMAT TEXT) " + FF1LedgerSQL.lookup, binds: binds))
                var plan = ""
                for try await line in explain.decode(String.self) { plan += line + "\n" }
                // The ledger is reached by its primary key only: no scan of it, no hash of it.
                #expect(plan.contains("Index Scan using ff1_rows_pkey"), "analyzed: \(analyzed)\n\(plan)")
                #expect(!plan.contains("Seq Scan") && !plan.contains("Hash") && !plan.contains("Bitmap"), "analyzed: \(analyzed)\n\(plan)")
                // Nor compiled for the batch (about 100 ms each).
                #expect(!plan.contains("JIT"), "analyzed: \(analyzed)\n\(plan)")
                var found = 0
                for try await _ in try await client.query(PostgresQuery(unsafeSQL: FF1LedgerSQL.lookup, binds: binds)) { found += 1 }
                #expect(found == 10_000)
            }
            try await execute(client, "DELETE FROM tokenize_action.ff1_rows WHERE relation_id = \(relationID)")
            try await execute(client, "DROP TABLE public.\(table)")
        }
    }
}

/// A plan's sample in PostgreSQL: every row of a small table, `TABLESAMPLE SYSTEM` on a big one, read only.
@Suite(.enabled(if: TestEnvironment.postgresTestsEnabled), .serialized) struct PostgresSampleTests {
    @Test func smallTablesAreReadWholeAndBigOnesSampled() async throws {
        try await withWarehouse { warehouse, client, database in
            let table = uniqueTable("sample")
            try await execute(client, "CREATE TABLE public.\(table) (id integer PRIMARY KEY, email text, n integer)")
            try await execute(
                client,
                "INSERT INTO public.\(table) SELECT g, CASE WHEN g % 7 = 0 THEN NULL ELSE 'p' || g || '@example.com' END, g FROM "
                    + "generate_series(1, 50) g"
            )
            let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
            let small = try await warehouse.sample(description, columns: ["email"], rows: 1000)
            #expect(small.rows == 50 && small.isWholeTable && small.values["email"]?.filter { $0 == nil }.count == 7)
            try await execute(client, "INSERT INTO public.\(table) SELECT g, 'q' || g || '@example.com', g FROM generate_series(51, 200000) g")
            try await execute(client, "ANALYZE public.\(table)")
            let big = try await warehouse.sample(description, columns: ["email"], rows: 1000)
            #expect(big.rows == 1000 && !big.isWholeTable && big.method.hasPrefix("TABLESAMPLE SYSTEM"), "\(big.method)")
            #expect(big.estimatedRows.map { $0 > 150_000 } == true)
            try await execute(client, "DROP TABLE public.\(table)")
        }
    }
}
