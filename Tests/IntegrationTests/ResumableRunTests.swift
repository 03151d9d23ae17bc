import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import PostgresWarehouse
import Synchronization
import TestSupport
import Testing
import Tokenization
import WarehouseKit

/// Stops the run after `after` batches, as a shutdown deadline would; records what it saw.
private final class StopAfter: ProgressSink {
    let after: Int
    let stop: StopSignal
    let seen = Mutex<[TokenizationProgress]>([])

    init(after: Int, stop: StopSignal) {
        self.after = after
        self.stop = stop
    }

    func progressed(_ progress: TokenizationProgress) async {
        seen.withLock { $0.append(progress) }
        if progress.batches >= after { stop.stop() }
    }
}

/// Pauses after each committed batch, so the run beside it (which does not pause) catches up and their batches contend for
/// the same rows.
private struct Dawdle: ProgressSink {
    func progressed(_ progress: TokenizationProgress) async {
        try? await Task.sleep(for: .milliseconds(15))
    }
}

/// Runs stopped mid-way (every scheme) resume after their last committed batch, with exact counts.
@Suite(.enabled(if: TestEnvironment.postgresTestsEnabled), .serialized) struct ResumableRunTests {
    /// A run stopped at a batch boundary resumes after its last committed batch, and its counts add up over
    /// both attempts (the progress is committed with each batch).
    @Test(arguments: [TokenSchemeName.hmac, .siv, .ff1])
    func anInterruptedRunResumesAfterItsLastCommittedBatch(scheme: TokenSchemeName) async throws {
        try await withWarehouse(batchSize: 7) { warehouse, client, database in
            let table = uniqueTable("resume_\(scheme.rawValue)")
            try await execute(client, "CREATE TABLE public.\(table) (id integer PRIMARY KEY, email text)")
            try await execute(
                client,
                "INSERT INTO public.\(table) SELECT g, CASE WHEN g % 10 = 0 THEN NULL ELSE 'user' || g || '@example.com' END FROM "
                    + "generate_series(1, 100) g"
            )
            let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
            let runID = UUID().uuidString
            let stop = StopSignal()
            let sink = StopAfter(after: 3, stop: stop)
            await #expect {
                try await warehouse.run(description, plans(scheme, "email"), runID: runID, stop: stop, progress: sink)
            } throws: { error in
                (error as? WarehouseError)?.code == .interrupted && (error as? WarehouseError)?.isTransient == true
            }
            let interrupted = try #require(sink.seen.withLock { $0.last })
            // siv and ff1 batches take a third of the batch size (2 rows) and three overlap: the fourth and fifth were
            // locked and decided when the stop came after the third's report, so they commit (and are reported)
            // before the run stops.
            // siv batches read only rows that may need a token (the NULLs of every tenth row are skipped in SQL).
            let expected: (stoppedAfter: Int, rows: Int, lastKey: String, batches: Int) =
                switch scheme {
                case .siv: (5, 10, "11", 45)
                case .ff1: (5, 9, "10", 50)
                default: (3, 19, "21", 15)
                }
            #expect(
                interrupted.batches == expected.stoppedAfter && interrupted.rowsUpdated == expected.rows && interrupted.lastKey == expected.lastKey,
                "\(interrupted)")
            let resumedSink = StopAfter(after: .max, stop: StopSignal())
            let outcome = try await warehouse.run(description, plans(scheme, "email"), runID: runID, progress: resumedSink)
            #expect(resumedSink.seen.withLock { $0.first } == interrupted, "the second attempt starts where the first committed")
            #expect(outcome.rowsUpdated == 90 && outcome.batches >= expected.batches)
            #expect(try await warehouse.run(description, plans(scheme, "email")).rowsUpdated == 0)
            try await execute(client, "DROP TABLE public.\(table)")
        }
    }

    /// The race that once double-encrypted ff1 values, made to happen every time: another worker holds the row locks
    /// of the first batch, has already written tokens (and their ledger entries) for those rows, and commits only
    /// after this run is blocked on them. The run must see those tokens as tokens: it changes only the other rows.
    @Test(arguments: [TokenSchemeName.hmac, .siv, .ff1])
    func aRunBlockedOnAnotherWorkersRowsSeesItsTokensAfterItCommits(scheme: TokenSchemeName) async throws {
        let table = uniqueTable("blocked_\(scheme.rawValue)")
        try await withWarehouse(batchSize: 40) { warehouse, client, database in
            try await execute(client, "CREATE TABLE public.\(table) (id integer PRIMARY KEY, phone text)")
            try await execute(client, "INSERT INTO public.\(table) SELECT g, '+44 20 ' || (7000000 + g) FROM generate_series(1, 100) g")
            let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
            // A run elsewhere creates the service's bookkeeping tables (the other worker writes to its ledger).
            try await execute(client, "CREATE TABLE public.\(table)_setup (id integer PRIMARY KEY, phone text)")
            let setup = try await warehouse.describe(TableReference(database: database, schema: "public", table: "\(table)_setup"))
            _ = try await warehouse.run(setup, plans(.ff1, "phone"))
            let tokenizer = Tokenizer(keyring: oldKeys)
            let logger = Logger(label: "other-worker")
            // The other worker's ledger slot for the column, as its own run would have registered it.
            var slotBinds = PostgresBindings()
            slotBinds.append("public.\(table)")
            slotBinds.append(["phone"])
            try await client.query(PostgresQuery(unsafeSQL: FF1LedgerSQL.register, binds: slotBinds), logger: logger)
            var layout: (relationID: Int32, slot: Int) = (0, 0)
            for try await (_, relationID, slot) in try await client.query(PostgresQuery(unsafeSQL: FF1LedgerSQL.slots, binds: slotBinds)).decode(
                (String, Int32, Int).self)
            {
                layout = (relationID, slot)
            }
            let outcome = try await client.withConnection { other in
                try await other.query("BEGIN", logger: logger)
                try await other.query(
                    PostgresQuery(unsafeSQL: "SELECT id FROM public.\(table) WHERE id <= 40 ORDER BY id FOR UPDATE"), logger: logger)
                for id in 1...40 {
                    guard
                        case .write(let token, let entry) = try tokenizer.decide(
                            "+44 20 \(7_000_000 + id)", scheme: scheme, mode: .tokenize, ledger: nil)
                    else {
                        continue
                    }
                    var binds = PostgresBindings()
                    binds.append(token)
                    binds.append(id)
                    try await other.query(
                        PostgresQuery(unsafeSQL: "UPDATE public.\(table) SET phone = $1 WHERE id = $2", binds: binds), logger: logger)
                    if let entry {
                        let row = FF1LedgerRow().writing([(layout.slot, entry)])
                        var ledger = PostgresBindings()
                        ledger.append(layout.relationID)
                        ledger.append(["\(id)"])
                        ledger.append([row.keyIDsLiteral])
                        ledger.append([ByteBuffer(bytes: row.digests)])
                        ledger.append([row.freshLiteral])
                        try await other.query(PostgresQuery(unsafeSQL: FF1LedgerSQL.insert, binds: ledger), logger: logger)
                    }
                }
                async let run = warehouse.run(description, plans(scheme, "phone"))
                try await Task.sleep(for: .milliseconds(500))  // the run is now waiting for these row locks
                try await other.query("COMMIT", logger: logger)
                return try await run
            }
            #expect(outcome.rowsUpdated == 60, "the 40 rows the other worker tokenized are tokens, not plaintext")
            var wrong = 0
            for try await (id, value) in try await client.query(PostgresQuery(unsafeSQL: "SELECT id, phone FROM public.\(table)")).decode(
                (Int, String).self)
            {
                let original = "+44 20 \(7_000_000 + id)"
                switch scheme {
                case .hmac: if value != (try tokenizer.token(for: original, scheme: .hmac)) { wrong += 1 }
                default: if (try? tokenizer.detokenize(value, scheme: scheme)) != original { wrong += 1 }
                }
            }
            print("\(scheme.rawValue) run blocked on another worker's rows: \(wrong) of 100 values not the token of their original")
            #expect(wrong == 0)
            try await execute(client, "DROP TABLE public.\(table)")
            try await execute(client, "DROP TABLE public.\(table)_setup")
        }
    }

    /// Two runs forced to overlap on the same table, without any dataset lock: every value ends up the token of its
    /// original, never a token of a token (checked against the original, row by row).
    @Test(arguments: [TokenSchemeName.hmac, .siv, .ff1])
    func overlappingRunsNeverTokenizeATokenTwice(scheme: TokenSchemeName) async throws {
        let rows = 3000
        let table = uniqueTable("overlap_\(scheme.rawValue)")
        try await withWarehouse(batchSize: 40) { first, client, database in
            try await execute(client, "CREATE TABLE public.\(table) (id integer PRIMARY KEY, phone text)")
            try await execute(client, "INSERT INTO public.\(table) SELECT g, '+44 20 ' || (7000000 + g) FROM generate_series(1, \(rows)) g")
            try await withWarehouse(batchSize: 40) { second, _, _ in
                let description = try await first.describe(TableReference(database: database, schema: "public", table: table))
                async let a = first.run(description, plans(scheme, "phone"), progress: Dawdle())
                async let b = second.run(description, plans(scheme, "phone"))
                let (one, two) = try await (a, b)
                print("overlapping \(scheme.rawValue) runs changed \(one.rowsUpdated) + \(two.rowsUpdated) rows of \(rows)")
                #expect(one.rowsUpdated + two.rowsUpdated == rows)
            }
            let tokenizer = Tokenizer(keyring: oldKeys)
            var wrong = 0
            for try await (id, value) in try await client.query(PostgresQuery(unsafeSQL: "SELECT id, phone FROM public.\(table)")).decode(
                (Int, String).self)
            {
                let original = "+44 20 \(7_000_000 + id)"
                switch scheme {
                case .hmac: if value != (try tokenizer.token(for: original, scheme: .hmac)) { wrong += 1 }
                default: if (try? tokenizer.detokenize(value, scheme: scheme)) != original { wrong += 1 }
                }
            }
            print("overlapping \(scheme.rawValue) runs: \(wrong) of \(rows) values not the token of their original")
            #expect(wrong == 0)
            try await execute(client, "DROP TABLE public.\(table)")
        }
    }
}
