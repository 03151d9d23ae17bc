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
                "INSERT INTO public.\(table) SELECT g, 'user' || g || '@example.com', '+1 555 ' || lpad(g::text, 7, '0'), CASE WHEN g % 5 = "
                    + "0 THEN NULL ELSE 'ssn-' || g END, 'n' FROM generate_series(1, 60) g"
            )
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
            #expect(
                byColumn["email"]?.plaintext == 1 && byColumn["email"]?.sampleFailures == 1,
                "a forged siv token is found by decryption: \(String(describing: byColumn["email"]))")
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
            // Entries not written by their row's last writer (moved from an older ledger, say).
            let ofTable = "relation_id = (SELECT relation_id FROM tokenize_action.ff1_columns WHERE relation = 'public.\(table)')"
            try await execute(client, "UPDATE tokenize_action.ff1_rows SET fresh = '{f}' WHERE \(ofTable) AND row_key IN ('6', '7')")
            var report = try await verify()
            #expect(report.columns.first?.tokens == 40 && report.plaintext == 0, "\(report)")
            // Row and ledger row written together, but the entry is not fresh (a later transaction's row, or below the
            // floor on a server past 2³¹ transactions, see VerificationMarkRuleTests): its wrong digest must count, not
            // the matching 32-bit ids.
            try await execute(
                client,
                "WITH row AS (UPDATE public.\(table) SET phone = phone WHERE id = 9 RETURNING 1) UPDATE tokenize_action.ff1_rows "
                    + "SET fresh = '{f}', digests = '\\x\(String(repeating: "00", count: 16))' WHERE \(ofTable) AND row_key = '9' AND "
                    + "EXISTS (SELECT 1 FROM row)"
            )
            report = try await verify()
            #expect(report.columns.first?.plaintext == 1 && report.columns.first?.plaintextKeys == ["9"], "\(report)")
            try await execute(client, "DROP TABLE public.\(table)")
        }
    }

    /// One ledger row holds every ff1 column of a table row. A later batch that writes one column's entry (and the
    /// row) must not make another column's older entry vouch for that column by transaction id: that column may have
    /// been written since, with plaintext.
    @Test func aBatchWritingOneColumnDoesNotVouchForAnother() async throws {
        try await withWarehouse { warehouse, client, database in
            let table = uniqueTable("ff1slots")
            try await execute(client, "CREATE TABLE public.\(table) (id integer PRIMARY KEY, phone text, account text)")
            try await execute(
                client,
                "INSERT INTO public.\(table) SELECT g, '+1 555 ' || lpad(g::text, 7, '0'), 'AC-' || (100000 + g) FROM generate_series(1, 12) g")
            let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
            let both = plans(.ff1, "phone", "account")
            #expect(try await warehouse.run(description, both).rowsUpdated == 12)
            // An application writes plaintext into both columns of row 5; a run on phone alone rewrites that row.
            try await execute(client, "UPDATE public.\(table) SET phone = '+1 555 0000005', account = 'AC-100005' WHERE id = 5")
            #expect(try await warehouse.run(description, plans(.ff1, "phone")).rowsUpdated == 1)
            let report = try await warehouse.verify(VerificationRequest(table: description, columns: both, sampleSize: 0))
            #expect(report.columns.map(\.plaintext) == [0, 1] && report.columns.last?.plaintextKeys == ["5"], "\(report)")
            try await execute(client, "DROP TABLE public.\(table)")
        }
    }

    /// A database whose ff1 ledger has one row per cell (as before `ff1_rows`, and before `written_xid`) has it moved
    /// at the next preparation: every entry still counts (no token is encrypted again), the old table is kept under
    /// another name and the view shows the same entries.
    @Test func aLedgerWithOneRowPerCellIsMovedAndItsEntriesStillCount() async throws {
        try await withWarehouse { warehouse, client, _ in
            let logger = Logger(label: "test")
            try await withScratchDatabase("it_ledger", admin: client) { other, database in
                try await execute(other, "CREATE SCHEMA tokenize_action")
                try await execute(
                    other,
                    """
                    CREATE TABLE tokenize_action.ff1_ledger (relation text NOT NULL, column_name text NOT NULL, row_key text NOT NULL,
                    key_id text NOT NULL, token_digest bytea NOT NULL, PRIMARY KEY (relation, column_name, row_key))
                    """)
                try await execute(other, "CREATE TABLE public.customers (id integer PRIMARY KEY, phone text, account text)")
                try await execute(
                    other,
                    "INSERT INTO public.customers SELECT g, '+1 555 ' || lpad(g::text, 7, '0'), 'AC-' || (100000 + g) FROM generate_series(1, 30) g")
                // An older version tokenized phone in rows 1–20 and account in rows 11–30, one ledger row per cell.
                let tokenizer = Tokenizer(keyring: oldKeys)
                for (column, ids) in [("phone", 1...20), ("account", 11...30)] {
                    for id in ids {
                        let original =
                            column == "phone" ? "+1 555 " + String(repeating: "0", count: 7 - "\(id)".count) + "\(id)" : "AC-\(100_000 + id)"
                        guard case .write(let token, let entry?) = try tokenizer.decide(original, scheme: .ff1, mode: .tokenize, ledger: nil) else {
                            Issue.record("no ff1 token for \(original)")
                            continue
                        }
                        var binds = PostgresBindings()
                        binds.append(token)
                        binds.append(id)
                        try await other.query(
                            PostgresQuery(unsafeSQL: "UPDATE public.customers SET \(column) = $1 WHERE id = $2", binds: binds), logger: logger)
                        var ledger = PostgresBindings()
                        ledger.append(column)
                        ledger.append("\(id)")
                        ledger.append(entry.keyID)
                        ledger.append(ByteBuffer(bytes: entry.digest))
                        try await other.query(
                            PostgresQuery(
                                unsafeSQL: "INSERT INTO tokenize_action.ff1_ledger VALUES ('public.customers', $1, $2, $3, $4)", binds: ledger),
                            logger: logger)
                    }
                }
                let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: "customers"))
                let columns = plans(.ff1, "phone", "account")
                let outcome = try await warehouse.run(description, columns)
                #expect(outcome.rowsUpdated == 20, "rows 1–10 (account) and 21–30 (phone) only")
                for try await (id, phone, account) in try await other.query(
                    PostgresQuery(unsafeSQL: "SELECT id, phone, account FROM public.customers")
                )
                .decode((Int, String, String).self) {
                    #expect(try tokenizer.detokenize(phone, scheme: .ff1) == "+1 555 " + String(repeating: "0", count: 7 - "\(id)".count) + "\(id)")
                    #expect(try tokenizer.detokenize(account, scheme: .ff1) == "AC-\(100_000 + id)")
                }
                let report = try await warehouse.verify(VerificationRequest(table: description, columns: columns, sampleSize: 0))
                #expect(report.columns.map(\.tokens) == [30, 30] && report.plaintext == 0, "\(report)")
                let counts =
                    "SELECT (SELECT count(*) FROM tokenize_action.ff1_ledger), (SELECT count(*) FROM tokenize_action.ff1_ledger_migrated), "
                    + "(SELECT count(*) FROM tokenize_action.ff1_rows), (SELECT relkind::text FROM pg_class WHERE oid = "
                    + "'tokenize_action.ff1_ledger'::regclass)"
                for try await (cells, migrated, rows, kind) in try await other.query(PostgresQuery(unsafeSQL: counts)).decode(
                    (Int64, Int64, Int64, String).self)
                {
                    #expect(cells == 60 && migrated == 40 && rows == 30 && kind == "v")
                }
                // An older version still running writes its entries as before, and fails rather than miss them.
                await #expect(throws: (any Error).self) {
                    try await execute(
                        other,
                        "INSERT INTO tokenize_action.ff1_ledger (relation, column_name, row_key, key_id, token_digest) VALUES "
                            + "('public.customers', 'phone', '31', 'k1', '\\x00')"
                    )
                }
            }
        }
    }
}
