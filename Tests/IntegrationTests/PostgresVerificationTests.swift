import Foundation
import Logging
import PostgresNIO
import PostgresSupport
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

    /// An ff1 value written by the batch that wrote its ledger entry is recognised by the transaction id; rewritten
    /// since (even unchanged), or with an entry older than `written_xid`, by its digest; an entry whose transaction id
    /// that does not qualify never vouches for a row, even one with the same 32-bit id.
    @Test func ff1TokensAreProvenByTheirBatchOrElseByTheirDigest() async throws {
        try await withWarehouse(batchSize: 13) { warehouse, client, database in
            let table = uniqueTable("ff1proof")
            try await execute(client, "CREATE TABLE public.\(table) (id integer PRIMARY KEY, phone text)")
            try await execute(client, "INSERT INTO public.\(table) SELECT g, '+1 555 ' || lpad(g::text, 7, '0') FROM generate_series(1, 40) g")
            let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
            let columns = plans(.ff1, "phone")
            _ = try await warehouse.run(description, columns)
            func verify() async throws -> VerificationReport {
                try await warehouse.verify(VerificationRequest(table: description, columns: columns, sampleSize: 0))
            }
            #expect(try await verify().columns.first?.tokens == 40)
            // Rewritten with the same value: another transaction, so the digest decides (a token still).
            try await execute(client, "UPDATE public.\(table) SET phone = phone WHERE id <= 5")
            // Entries from before the column existed.
            try await execute(client, "UPDATE tokenize_action.ff1_ledger SET written_xid = NULL WHERE relation = 'public.\(table)' AND row_key IN ('6', '7')")
            var report = try await verify()
            #expect(report.columns.first?.tokens == 40 && report.plaintext == 0, "\(report)")
            // Row and entry written together, but the entry's `written_xid` does not qualify (NULL here; below the floor
            // on a server past 2³¹ transactions, see VerificationMarkRuleTests): its wrong digest must count, not the
            // matching 32-bit ids.
            try await execute(
                client,
                "WITH row AS (UPDATE public.\(table) SET phone = phone WHERE id = 9 RETURNING 1) UPDATE tokenize_action.ff1_ledger "
                    + "SET written_xid = NULL, token_digest = '\\x00' WHERE relation = 'public.\(table)' AND row_key = '9' AND EXISTS (SELECT 1 FROM row)")
            report = try await verify()
            #expect(report.columns.first?.plaintext == 1 && report.columns.first?.plaintextKeys == ["9"], "\(report)")
            try await execute(client, "DROP TABLE public.\(table)")
        }
    }

    /// A database whose ff1 ledger predates `written_xid` gets the column at the next preparation; its old entries
    /// (NULL) are checked by digest, new ones by transaction id.
    @Test func aLedgerFromBeforeWrittenXIDIsCompletedAndStillVerifies() async throws {
        try await withWarehouse { warehouse, client, _ in
            let database = "it_ledger_\(UInt32.random(in: 0...UInt32.max))"
            try await execute(client, "CREATE DATABASE \(database)")
            let logger = Logger(label: "test")
            let databases = try PostgresDatabases(settings: try stackPostgresSettings(), logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await databases.run() }
                defer { group.cancelAll() }
                let other = databases.client(database: database)
                try await execute(other, "CREATE SCHEMA tokenize_action")
                try await execute(other, """
                    CREATE TABLE tokenize_action.ff1_ledger (relation text NOT NULL, column_name text NOT NULL, row_key text NOT NULL,
                    key_id text NOT NULL, token_digest bytea NOT NULL, PRIMARY KEY (relation, column_name, row_key))
                    """)
                try await execute(other, "CREATE TABLE public.customers (id integer PRIMARY KEY, phone text)")
                try await execute(other, "INSERT INTO public.customers SELECT g, '+1 555 ' || lpad(g::text, 7, '0') FROM generate_series(1, 30) g")
                let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: "customers"))
                _ = try await warehouse.run(description, plans(.ff1, "phone"))
                let report = try await warehouse.verify(VerificationRequest(table: description, columns: plans(.ff1, "phone"), sampleSize: 0))
                #expect(report.columns.first?.tokens == 30 && report.plaintext == 0, "\(report)")
                let rows = try await other.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM tokenize_action.ff1_ledger WHERE written_xid IS NOT NULL"))
                for try await count in rows.decode(Int64.self) { #expect(count == 30) }
            }
            try await execute(client, "DROP DATABASE \(database) WITH (FORCE)")
        }
    }
}
