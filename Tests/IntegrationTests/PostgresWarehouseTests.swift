import Foundation
import Logging
import PostgresNIO
import PostgresWarehouse
import TestSupport
import Testing
import Tokenization
import WarehouseKit

/// Runs `body` with a warehouse on the local stack's PostgreSQL (POSTGRES_HOST/PORT/USER from `.stack/env`).
private func withWarehouse(batchSize: Int = 7, _ body: (PostgresWarehouse, PostgresClient, String) async throws -> Void) async throws {
    let env = ProcessInfo.processInfo.environment
    let port = try #require(env["POSTGRES_PORT"].flatMap(Int.init), "POSTGRES_PORT is not set: start the stack (make stack-up) and source .stack/env")
    let settings = PostgresSettings(
        host: env["POSTGRES_HOST"] ?? "127.0.0.1", port: port, username: env["POSTGRES_USER"] ?? "postgres",
        password: env["POSTGRES_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 })
    let logger = Logger(label: "test")
    let databases = PostgresDatabases(settings: settings, logger: logger)
    let warehouse = PostgresWarehouse(databases: databases, settings: settings, batchSize: batchSize, pagesPerBatch: 1, logger: logger)
    let database = env["POSTGRES_TEST_DATABASE"] ?? "shop"
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await databases.run() }
        defer { group.cancelAll() }
        try await body(warehouse, databases.client(database: database), database)
    }
}

private func execute(_ client: PostgresClient, _ sql: String) async throws {
    try await client.query(PostgresQuery(unsafeSQL: sql))
}

private func uniqueTable(_ stem: String) -> String {
    "it_\(stem)_\(UInt32.random(in: 0...UInt32.max))"
}

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
            let sql = "SELECT v, \(PostgresTokenizationSQL.pocToken("v")) FROM unnest($1::text[]) AS t(v)"
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
                "INSERT INTO public.\(table) SELECT g, CASE WHEN g % 10 = 0 THEN NULL WHEN g % 10 = 1 THEN '' ELSE 'user' || g || '@exämple.com' END, 'keep' || g, g FROM generate_series(1, 100) g")
            let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
            #expect(description.columns.map(\.name) == ["id", "email", "note", "n"])
            #expect(description.column(named: "n")?.isText == false)

            let first = try await warehouse.tokenize(description, columns: ["email"])
            #expect(first.rowsUpdated == 80)  // NULLs and empty strings are left alone
            #expect(first.batches == 15)  // ceil(100 / 7)
            let again = try await warehouse.tokenize(description, columns: ["email"])
            #expect(again.rowsUpdated == 0)

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
            let outcome = try await warehouse.tokenize(description, columns: ["ssn"])
            #expect(outcome.rowsUpdated == 300)
            #expect(outcome.batches > 1)
            #expect(try await warehouse.tokenize(description, columns: ["ssn"]).rowsUpdated == 0)
            try await execute(client, "DROP TABLE public.\(table)")
        }
    }

    @Test func oddIdentifiersAreQuoted() async throws {
        try await withWarehouse { warehouse, client, database in
            let table = uniqueTable("Mixed Case\"Quote")
            let quoted = PostgresTokenizationSQL.quote(table)
            try await execute(client, "CREATE TABLE public.\(quoted) (\"Key\" text PRIMARY KEY, \"E-Mail; DROP\" text)")
            try await execute(client, "INSERT INTO public.\(quoted) VALUES ('b', 'x@y'), ('a', 'z@y')")
            let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
            #expect(try await warehouse.tokenize(description, columns: ["E-Mail; DROP"]).rowsUpdated == 2)
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
                try await warehouse.tokenize(description, columns: ["n"])
            } throws: { error in
                (error as? WarehouseError)?.code == .columnNotText
            }
            try await execute(client, "DROP TABLE public.\(table)")
        }
    }
}
