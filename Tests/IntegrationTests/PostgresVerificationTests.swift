import Foundation
import PostgresNIO
import PostgresWarehouse
import TestSupport
import Testing
import Tokenization
import WarehouseKit

/// The verification scan against real PostgreSQL: every scheme's tokens recognised, plaintext and forged
/// tokens counted with their row keys, and the clean-up's VACUUM.
@Suite(.enabled(if: TestEnvironment.postgresTestsEnabled), .serialized) struct PostgresVerificationTests {
    @Test func everySchemeIsVerifiedAndPlaintextIsFoundByRow() async throws {
        try await withWarehouse(batchSize: 13) { warehouse, client, database in
            let table = uniqueTable("verify")
            try await execute(client, "CREATE TABLE public.\(table) (id integer PRIMARY KEY, email text, phone text, ssn text, note text)")
            try await execute(
                client,
                "INSERT INTO public.\(table) SELECT g, 'user' || g || '@example.com', '+1 555 ' || lpad(g::text, 7, '0'), CASE WHEN g % 5 = 0 THEN NULL ELSE 'ssn-' || g END, 'n' FROM generate_series(1, 60) g")
            let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
            let columns = [ColumnPlan(name: "email", scheme: .siv), ColumnPlan(name: "phone", scheme: .ff1)]
            _ = try await warehouse.run(description, columns)
            _ = try await warehouse.run(description, plans(.hmac, "ssn"))
            let all = columns + plans(.hmac, "ssn")
            let clean = try await warehouse.verify(VerificationRequest(table: description, columns: all, sampleSize: 100))
            #expect(clean.rows == 60 && clean.plaintext == 0, "\(clean)")
            #expect(clean.columns.map(\.tokens) == [60, 60, 48] && clean.columns.last?.empty == 12)
            #expect(clean.columns.first?.sampled == 60 && clean.columns.first?.sampleFailures == 0)

            // An application writes: plaintext in each column, and an siv-shaped value that is not a genuine token.
            try await execute(client, "UPDATE public.\(table) SET email = 'tks_k1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' WHERE id = 7")
            try await execute(client, "UPDATE public.\(table) SET phone = '+1 555 0000007', ssn = 'ssn-plain' WHERE id = 9")
            let report = try await warehouse.verify(VerificationRequest(table: description, columns: all, sampleSize: 100))
            let byColumn = Dictionary(uniqueKeysWithValues: report.columns.map { ($0.column, $0) })
            #expect(byColumn["email"]?.plaintext == 1 && byColumn["email"]?.sampleFailures == 1, "a forged siv token is found by decryption: \(String(describing: byColumn["email"]))")
            #expect(byColumn["phone"]?.plaintext == 1 && byColumn["phone"]?.plaintextKeys == ["9"], "ff1: a value the ledger does not know")
            #expect(byColumn["ssn"]?.plaintext == 1 && byColumn["ssn"]?.plaintextKeys == ["9"])
            #expect(report.plaintext == 3 && report.summary.contains("3 plaintext value(s) remain in 60 rows"))
            #expect(!report.summary.contains("0000007") && !report.summary.contains("ssn-plain"), "never a value")
            try await execute(client, "DROP TABLE public.\(table)")
        }
    }

    @Test func theCleanUpVacuumsAndSaysWhatRemains() async throws {
        try await withWarehouse { warehouse, client, database in
            let table = uniqueTable("vacuum")
            try await execute(client, "CREATE TABLE public.\(table) (id integer PRIMARY KEY, email text)")
            try await execute(client, "INSERT INTO public.\(table) SELECT g, 'user' || g || '@example.com' FROM generate_series(1, 200) g")
            let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
            _ = try await warehouse.run(description, plans(.hmac, "email"))
            let residue = try await warehouse.cleanUp(description.table)
            #expect(residue.failure == nil && residue.done?.contains("VACUUM (ANALYZE) removed") == true, "\(residue)")
            #expect(residue.remaining.contains("write-ahead log"))
            let rows = try await client.query(PostgresQuery(unsafeSQL: "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = '\(table)'"))
            for try await dead in rows.decode(Int64.self) { #expect(dead == 0) }
            try await execute(client, "DROP TABLE public.\(table)")
        }
    }
}
