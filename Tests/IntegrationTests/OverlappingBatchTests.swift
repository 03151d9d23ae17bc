import Foundation
import PostgresNIO
import PostgresWarehouse
import TestSupport
import Testing
import Tokenization
import WarehouseKit

/// The commit order of overlapping service-side batches (ServiceSideBatches+Pipeline.swift) when a batch fails: the
/// batches locked, decided and written behind it must roll back, so nothing after the failure is written and the run
/// resumes right after the last batch that committed.
@Suite(.enabled(if: TestEnvironment.postgresTestsEnabled), .serialized) struct OverlappingBatchTests {
    @Test(arguments: [TokenSchemeName.siv, .ff1])
    func aFailedBatchRollsBackTheBatchBehindItAndTheRunResumesAfterTheLastCommit(scheme: TokenSchemeName) async throws {
        // withWarehouse's batch size 7: service-side batches of 2 rows (1–2, 3–4, …, 9–10, 11–12, 13–14, 15–16, …).
        try await withWarehouse(batchSize: 7) { warehouse, client, database in
            let table = uniqueTable("overlap_fail_\(scheme.rawValue)")
            try await execute(client, "CREATE TABLE public.\(table) (id integer PRIMARY KEY, email text)")
            try await execute(client, "INSERT INTO public.\(table) SELECT g, 'user' || g || '@example.com' FROM generate_series(1, 30) g")
            // The sixth batch (11–12) fails while it is written; the two behind it (13–14, 15–16) are locked by then.
            try await execute(
                client,
                """
                CREATE FUNCTION public.\(table)_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN IF NEW.id = 12 THEN RAISE EXCEPTION 'row 12 refuses to change'; END IF; RETURN NEW; END $$
                """)
            try await execute(
                client, "CREATE TRIGGER refuse BEFORE UPDATE ON public.\(table) FOR EACH ROW EXECUTE FUNCTION public.\(table)_refuse()")
            let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
            let runID = UUID().uuidString
            await #expect(throws: WarehouseError.self) { try await warehouse.run(description, plans(scheme, "email"), runID: runID) }

            var tokenized: [Int] = []
            let rows = try await client.query(PostgresQuery(unsafeSQL: "SELECT id, email FROM public.\(table) ORDER BY id"))
            for try await (id, email) in rows.decode((Int, String).self) where email != "user\(id)@example.com" { tokenized.append(id) }
            #expect(tokenized == Array(1...10), "only the batches before the failure are written")
            let progress = try await client.query(
                PostgresQuery(unsafeSQL: "SELECT last_key, batches, rows_updated FROM tokenize_action.run_progress WHERE run_id = '\(runID)'"))
            for try await (lastKey, batches, updated) in progress.decode((String?, Int, Int64).self) {
                #expect(lastKey == "10" && batches == 5 && updated == 10)
            }
            if scheme == .ff1 {
                let ledger = try await client.query(
                    PostgresQuery(unsafeSQL: "SELECT count(*)::bigint FROM tokenize_action.ff1_ledger WHERE relation = 'public.\(table)'"))
                for try await count in ledger.decode(Int64.self) { #expect(count == 10, "no ledger entry for a rolled-back batch") }
            }

            try await execute(client, "DROP TRIGGER refuse ON public.\(table)")
            let resumed = try await warehouse.run(description, plans(scheme, "email"), runID: runID)
            #expect(resumed.rowsUpdated == 30, "the resumed attempt wrote rows 11–30, once each")
            let verified = try await warehouse.verify(VerificationRequest(table: description, columns: plans(scheme, "email"), sampleSize: 30))
            #expect(verified.plaintext == 0 && verified.columns.first?.tokens == 30)
            try await execute(client, "DROP TABLE public.\(table)")
            try await execute(client, "DROP FUNCTION public.\(table)_refuse()")
        }
    }
}
