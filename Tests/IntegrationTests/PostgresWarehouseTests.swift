import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import PostgresWarehouse
import TestSupport
import Testing
import Tokenization
import WarehouseKit

/// Runs `body` with a warehouse on the local stack's PostgreSQL (POSTGRES_HOST/PORT/USER from `.stack/env`).
/// Keys for the tests: `k1` alone, or `k1` then the newer `k2`.
let oldKeys = try! TokenKeyring.parse("k1=\(Data(repeating: 1, count: 32).base64EncodedString())")
let rotatedKeys = try! TokenKeyring.parse(
    "k1=\(Data(repeating: 1, count: 32).base64EncodedString())\nk2=\(Data(repeating: 2, count: 64).base64EncodedString())")

func plans(_ scheme: TokenSchemeName, _ names: String...) -> [ColumnPlan] {
    names.map { ColumnPlan(name: $0, scheme: scheme) }
}

/// The local stack's PostgreSQL (POSTGRES_HOST/PORT/USER from `.stack/env`).
func stackPostgresSettings() throws -> PostgresSettings {
    let env = ProcessInfo.processInfo.environment
    let port = try #require(env["POSTGRES_PORT"].flatMap(Int.init), "POSTGRES_PORT is not set: start the stack (make stack-up) and source .stack/env")
    return PostgresSettings(
        host: env["POSTGRES_HOST"] ?? "127.0.0.1", port: port, username: env["POSTGRES_USER"] ?? "postgres",
        password: env["POSTGRES_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 },
        sslMode: env["POSTGRES_SSLMODE"].flatMap(PostgresSSLMode.init(rawValue:)) ?? .disable, sslRootCertificate: env["POSTGRES_SSLROOTCERT"])
}

/// Ignores progress.
struct NoProgress: ProgressSink {
    func progressed(_ progress: TokenizationProgress) async {}
}

extension Warehouse {
    /// One run (a fresh run id unless given) over `columns`.
    func run(
        _ table: TableDescription, _ columns: [ColumnPlan], mode: TokenizationMode = .tokenize, runID: String = UUID().uuidString,
        stop: StopSignal = StopSignal(), progress: any ProgressSink = NoProgress()
    ) async throws -> TokenizationOutcome {
        try await tokenize(TokenizationRequest(runID: runID, table: table, columns: columns, mode: mode, stop: stop), progress: progress)
    }
}

func withWarehouse(
    batchSize: Int = 7, keys: TokenKeyring = oldKeys, _ body: (PostgresWarehouse, PostgresClient, String) async throws -> Void
) async throws {
    let logger = Logger(label: "test")
    let databases = try PostgresDatabases(settings: try stackPostgresSettings(), logger: logger)
    let warehouse = PostgresWarehouse(
        databases: databases, tokenizer: Tokenizer(keyring: keys), batchSize: batchSize, pagesPerBatch: 1, logger: logger)
    let database = ProcessInfo.processInfo.environment["POSTGRES_TEST_DATABASE"] ?? "shop"
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await databases.run() }
        defer { group.cancelAll() }
        try await body(warehouse, databases.client(database: database), database)
    }
}

/// A database of its own on the stack's server (named `prefix` and a random number), created through `admin`: `body`
/// gets a pooled client for it and its name. It is dropped afterwards, also when `body` throws.
func withScratchDatabase(_ prefix: String, admin: PostgresClient, _ body: (PostgresClient, String) async throws -> Void) async throws {
    let database = "\(prefix)_\(UInt32.random(in: 0...UInt32.max))"
    try await execute(admin, "CREATE DATABASE \(database)")
    let databases = try PostgresDatabases(settings: try stackPostgresSettings(), logger: Logger(label: "test"))
    let result: Result<Void, any Error> = await withTaskGroup(of: Void.self) { group in
        group.addTask { try? await databases.run() }
        defer { group.cancelAll() }
        do {
            try await body(databases.client(database: database), database)
            return .success(())
        } catch {
            return .failure(error)
        }
    }
    try await execute(admin, "DROP DATABASE \(database) WITH (FORCE)")
    try result.get()
}

func execute(_ client: PostgresClient, _ sql: String) async throws {
    try await client.query(PostgresQuery(unsafeSQL: sql))
}

func uniqueTable(_ stem: String) -> String {
    "it_\(stem)_\(UInt32.random(in: 0...UInt32.max))"
}

/// PostgreSQL tokenization: SQL tokens byte-identical to Swift, key and page batches, quoted identifiers, re-runs change 0.
@Suite(.enabled(if: TestEnvironment.postgresTestsEnabled), .serialized) struct PostgresWarehouseTests {
    static let samples = [
        "ada@example.com", "Zoë Müller-Łukasiewicz", "日本語のテキスト", "emoji 🚀🔥", "a", "ab", "abc",
        String(repeating: "x", count: 57), String(repeating: "y", count: 58), String(repeating: "ü", count: 200),
        "quote ' and \" and \\ backslash", "tok_not+quite_po", "tab\tnew\nline",
    ]

    @Test func sqlTokensAreByteIdenticalToSwift() async throws {
        try await withWarehouse { _, client, _ in
            var binds = PostgresBindings()
            binds.append(Self.samples)
            let sql = "SELECT v, \(PushDownSQL.pocToken("v")) FROM unnest($1::text[]) AS t(v)"
            let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds))
            var checked = 0
            for try await (value, token) in rows.decode((String, String).self) {
                #expect(token == PocTokenScheme().token(for: value), "\(value)")
                checked += 1
            }
            #expect(checked == Self.samples.count)
        }
    }

    @Test func tokenizesInKeyBatchesAndReRunsUpdateNothing() async throws {
        try await withWarehouse(batchSize: 7) { warehouse, client, database in
            let table = uniqueTable("batches")
            try await execute(client, "CREATE TABLE public.\(table) (id integer PRIMARY KEY, email text, note text, n integer)")
            try await execute(
                client,
                "INSERT INTO public.\(table) SELECT g, CASE WHEN g % 10 = 0 THEN NULL WHEN g % 10 = 1 THEN '' ELSE 'user' || g || "
                    + "'@exämple.com' END, 'keep' || g, g FROM generate_series(1, 100) g"
            )
            let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
            #expect(description.columns.map(\.name) == ["id", "email", "note", "n"])
            #expect(description.column(named: "n")?.isText == false)

            let first = try await warehouse.run(description, plans(.poc, "email"), mode: .tokenize)
            #expect(first.rowsUpdated == 80)  // NULLs and empty strings are left alone
            #expect(first.batches == 15)  // ceil(100 / 7)
            let again = try await warehouse.run(description, plans(.poc, "email"), mode: .tokenize)
            #expect(again.rowsUpdated == 0)
            #expect(again.batches == 0, "an idempotent re-run finds nothing pending and runs no batch")
            try await execute(client, "INSERT INTO public.\(table) VALUES (102, 'user102@exämple.com', 'keep102', 102)")
            let appended = try await warehouse.run(description, plans(.poc, "email"), mode: .tokenize)
            #expect(appended.rowsUpdated == 1 && appended.batches == 15, "one pending row: the batches run")

            let rows = try await client.query(PostgresQuery(unsafeSQL: "SELECT id, email, note FROM public.\(table) ORDER BY id"))
            for try await (id, email, note) in rows.decode((Int, String?, String).self) {
                #expect(note == "keep\(id)")
                switch id % 10 {
                case 0: #expect(email == nil)
                case 1: #expect(email == "")
                default: #expect(email == PocTokenScheme().token(for: "user\(id)@exämple.com"))
                }
            }
            try await execute(client, "DROP TABLE public.\(table)")
        }
    }

    @Test func tablesWithoutAKeyAreTokenizedByPageRanges() async throws {
        try await withWarehouse { warehouse, client, database in
            let table = uniqueTable("nokey")
            try await execute(client, "CREATE TABLE public.\(table) (ssn text, padding text)")
            try await execute(client, "INSERT INTO public.\(table) SELECT 'ssn-' || g, repeat('p', 500) FROM generate_series(1, 300) g")
            let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
            let outcome = try await warehouse.run(description, plans(.poc, "ssn"), mode: .tokenize)
            #expect(outcome.rowsUpdated == 300)
            #expect(outcome.batches > 1)
            #expect(try await warehouse.run(description, plans(.poc, "ssn"), mode: .tokenize).rowsUpdated == 0)
            try await execute(client, "DROP TABLE public.\(table)")
        }
    }

    @Test func oddIdentifiersAreQuoted() async throws {
        try await withWarehouse { warehouse, client, database in
            let table = uniqueTable("Mixed Case\"Quote")
            let quoted = PostgresCatalogSQL.quote(table)
            try await execute(client, "CREATE TABLE public.\(quoted) (\"Key\" text PRIMARY KEY, \"E-Mail; DROP\" text)")
            try await execute(client, "INSERT INTO public.\(quoted) VALUES ('b', 'x@y'), ('a', 'z@y')")
            let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
            #expect(try await warehouse.run(description, plans(.hmac, "E-Mail; DROP"), mode: .tokenize).rowsUpdated == 2)
            try await execute(client, "DROP TABLE public.\(quoted)")
        }
    }

    @Test func catalogErrorsNameTheProblem() async throws {
        try await withWarehouse { warehouse, client, database in
            await #expect {
                try await warehouse.describe(TableReference(database: database, schema: "public", table: "no_such_table"))
            } throws: { error in
                (error as? WarehouseError)?.code == .tableNotFound && "\(error)".contains("no_such_table")
            }
            await #expect {
                try await warehouse.describe(TableReference(database: "no_such_database", schema: "public", table: "t"))
            } throws: { error in
                "\(error)".contains("no_such_database")
            }
            let table = uniqueTable("types")
            try await execute(client, "CREATE TABLE public.\(table) (id int PRIMARY KEY, n int)")
            let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
            await #expect {
                try await warehouse.run(description, plans(.poc, "n"), mode: .tokenize)
            } throws: { error in
                (error as? WarehouseError)?.code == .columnNotText
            }
            try await execute(client, "DROP TABLE public.\(table)")
        }
    }

    /// The hmac key reaches PostgreSQL through COPY into a session temp table; the tokens it computes are the
    /// Swift tokens, byte for byte.
    @Test func sqlHMACTokensAreByteIdenticalToSwift() async throws {
        try await withWarehouse { warehouse, client, database in
            let table = uniqueTable("hmac_samples")
            try await execute(client, "CREATE TABLE public.\(table) (id int PRIMARY KEY, v text)")
            var binds = PostgresBindings()
            binds.append(Self.samples)
            try await client.query(
                PostgresQuery(unsafeSQL: "INSERT INTO public.\(table) SELECT i, v FROM unnest($1::text[]) WITH ORDINALITY AS u(v, i)", binds: binds))
            let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
            #expect(try await warehouse.run(description, plans(.hmac, "v")).rowsUpdated == Self.samples.count)
            let tokenizer = Tokenizer(keyring: oldKeys)
            var checked = 0
            for try await (id, token) in try await client.query(PostgresQuery(unsafeSQL: "SELECT id, v FROM public.\(table) ORDER BY id")).decode(
                (Int, String).self)
            {
                #expect(token == (try tokenizer.token(for: Self.samples[id - 1], scheme: .hmac)), "\(Self.samples[id - 1])")
                checked += 1
            }
            #expect(checked == Self.samples.count)
            try await execute(client, "DROP TABLE public.\(table)")
        }
    }

    @Test func hmacIsPushedDownAndReRunsUpdateNothing() async throws {
        try await withWarehouse(batchSize: 7) { warehouse, client, database in
            let table = uniqueTable("hmac")
            try await execute(client, "CREATE TABLE public.\(table) (id bigint PRIMARY KEY, email text, phone varchar(50), short varchar(40))")
            try await execute(
                client,
                "INSERT INTO public.\(table) SELECT g, CASE WHEN g % 5 = 0 THEN NULL ELSE 'u' || g || '@x.org' END, '+1 555 ' || g FROM "
                    + "generate_series(1, 50) g"
            )
            let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
            await #expect {
                try await warehouse.run(description, plans(.hmac, "short"), mode: .tokenize)
            } throws: { error in
                "\(error)".contains("character varying(40) but hmac tokens are 50 characters")
            }
            let first = try await warehouse.run(description, plans(.hmac, "email", "phone"), mode: .tokenize)
            #expect(first.rowsUpdated == 50 && first.pushedDown)
            #expect(try await warehouse.run(description, plans(.hmac, "email", "phone"), mode: .tokenize).rowsUpdated == 0)
            let tokenizer = Tokenizer(keyring: oldKeys)
            let rows = try await client.query(PostgresQuery(unsafeSQL: "SELECT id, email, phone FROM public.\(table) ORDER BY id"))
            for try await (id, email, phone) in rows.decode((Int, String?, String).self) {
                #expect(email == (id % 5 == 0 ? nil : try tokenizer.token(for: "u\(id)@x.org", scheme: .hmac)))
                #expect(phone == (try tokenizer.token(for: "+1 555 \(id)", scheme: .hmac)))
            }
            try await execute(client, "DROP TABLE public.\(table)")
        }
    }

    /// siv and ff1 run in the service: COPY into a temp table, UPDATE … FROM, and the ff1 ledger.
    @Test func sivAndFF1AreComputedInTheServiceAndReRunsUpdateNothing() async throws {
        try await withWarehouse(batchSize: 4) { warehouse, client, database in
            let table = uniqueTable("fpe")
            try await execute(client, "CREATE TABLE public.\(table) (id text PRIMARY KEY, email text, phone varchar(20), code text)")
            try await execute(
                client,
                """
                INSERT INTO public.\(table) VALUES
                ('a', 'ada@example.com', '+44 20 7946 0958', '12'), ('b', E'tab\\tnew\\nline\\\\', '555-0199-123', 'ABCD-1234'),
                ('c', NULL, '', NULL), ('d', 'zoë@exämple.de', '0800 123 456', 'x'), ('e', '', '1234567', 'Z9'),
                ('f', 'f@example.com', '+1 212 555 0199', 'long-id-9000'), ('g', 'g@example.com', NULL, 'abcdef')
                """)
            let before = try await contents(client, table)
            let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
            let columns = plans(.siv, "email") + plans(.ff1, "phone", "code")
            let first = try await warehouse.run(description, columns, mode: .tokenize)
            #expect(first.rowsUpdated == 6 && !first.pushedDown)  // row c holds nothing to protect
            #expect(first.batches == 6)  // service-side batches take a third of the batch size (4 → 1 row); row c is not read
            let tokenizer = Tokenizer(keyring: oldKeys)
            let after = try await contents(client, table)
            for (key, old) in before {
                let new = try #require(after[key])
                #expect(new.email == (try old.email.map { $0.isEmpty ? $0 : try tokenizer.token(for: $0, scheme: .siv) }))
                if let email = new.email, !email.isEmpty { #expect(try tokenizer.detokenize(email) == old.email) }
                for (oldValue, newValue) in [(old.phone, new.phone), (old.code, new.code)] {
                    guard let oldValue, !oldValue.isEmpty else {
                        #expect(newValue == oldValue)
                        continue
                    }
                    let token = try #require(newValue)
                    #expect(try tokenizer.detokenize(token, scheme: .ff1) == oldValue)
                    if !token.hasPrefix("tks_") { #expect(token.count == oldValue.count && token != oldValue) }
                }
            }
            #expect(after["a"]?.phone?.hasPrefix("+") == true && after["a"]?.phone?.count == 16)
            #expect(try await warehouse.run(description, columns, mode: .tokenize).rowsUpdated == 0)
            #expect(try await contents(client, table) == after)
            let ledger = try await client.query(
                PostgresQuery(unsafeSQL: "SELECT count(*)::bigint FROM tokenize_action.ff1_ledger WHERE relation = 'public.\(table)'"))
            var ledgerRows: Int64 = 0
            for try await count in ledger.decode(Int64.self) { ledgerRows = count }
            #expect(ledgerRows == 8)  // ff1 tokens only: the short values got siv tokens instead
            try await execute(client, "DROP TABLE public.\(table)")
        }
    }

    @Test func rekeyMovesSIVAndFF1TokensToTheNewestKey() async throws {
        let table = uniqueTable("rekey")
        var database = ""
        let columns = plans(.siv, "email") + plans(.ff1, "phone")
        try await withWarehouse(keys: oldKeys) { warehouse, client, name in
            database = name
            try await execute(client, "CREATE TABLE public.\(table) (id int PRIMARY KEY, email text, phone text)")
            try await execute(
                client, "INSERT INTO public.\(table) SELECT g, 'p' || g || '@example.com', '+49 30 ' || (1000000 + g) FROM generate_series(1, 20) g")
            let description = try await warehouse.describe(TableReference(database: name, schema: "public", table: table))
            #expect(try await warehouse.run(description, columns, mode: .tokenize).rowsUpdated == 20)
        }
        try await withWarehouse(keys: rotatedKeys) { warehouse, client, _ in
            let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
            // A plain run with the new key leaves old-key tokens alone: every configured key still recognises.
            #expect(try await warehouse.run(description, columns, mode: .tokenize).rowsUpdated == 0)
            #expect(try await warehouse.run(description, columns, mode: .rekey).rowsUpdated == 20)
            #expect(try await warehouse.run(description, columns, mode: .rekey).rowsUpdated == 0)
            let tokenizer = Tokenizer(keyring: rotatedKeys)
            for (key, row) in try await contents(client, table) {
                let email = try #require(row.email)
                #expect(email.hasPrefix("tks_k2_"))
                #expect(try tokenizer.detokenize(email) == "p\(key)@example.com")
                #expect(try tokenizer.detokenize(try #require(row.phone), scheme: .ff1, ff1KeyID: "k2") == "+49 30 \(1_000_000 + Int(key)!)")
            }
            try await execute(client, "DROP TABLE public.\(table)")
        }
    }

    @Test func serviceSideSchemesNeedAPrimaryKey() async throws {
        try await withWarehouse { warehouse, client, database in
            let table = uniqueTable("nokey_siv")
            try await execute(client, "CREATE TABLE public.\(table) (email text)")
            let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
            await #expect {
                try await warehouse.run(description, plans(.siv, "email"), mode: .tokenize)
            } throws: { error in
                (error as? WarehouseError)?.code == .unsupported && "\(error)".contains("primary key")
            }
            try await execute(client, "DROP TABLE public.\(table)")
        }
    }

    struct Row: Equatable {
        var email: String?
        var phone: String?
        var code: String?
    }

    private func contents(_ client: PostgresClient, _ table: String) async throws -> [String: Row] {
        let hasCode = table.contains("fpe")
        let sql = "SELECT id::text, email, phone, \(hasCode ? "code" : "NULL::text") FROM public.\(table)"
        var result: [String: Row] = [:]
        for try await (id, email, phone, code) in try await client.query(PostgresQuery(unsafeSQL: sql)).decode(
            (String, String?, String?, String?).self)
        {
            result[id] = Row(email: email, phone: phone, code: code)
        }
        return result
    }
}
