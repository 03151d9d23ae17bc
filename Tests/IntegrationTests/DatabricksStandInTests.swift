import AsyncHTTPClient
import DatabricksWarehouse
import Foundation
import Logging
import NIOCore
import TestSupport
import Testing
import Tokenization
import WarehouseKit

/// Against the local stack's Databricks stand-in (DBX_HOST, DBX_TOKEN from `.stack/env`).
@Suite(.enabled(if: TestEnvironment.isCI || ProcessInfo.processInfo.environment["DBX_HOST"] != nil), .serialized)
struct DatabricksStandInTests {
    let env = ProcessInfo.processInfo.environment
    let keys = try! TokenKeyring.parse("k1=\(Data(repeating: 3, count: 32).base64EncodedString())")

    func settings(timeout: Duration = .seconds(30), token: String? = nil) throws -> DatabricksSettings {
        let host = try #require(env["DBX_HOST"], "DBX_HOST is not set: start the stack (make stack-up) and source .stack/env")
        return DatabricksSettings(
            baseURL: host, token: token ?? env["DBX_TOKEN"] ?? "", warehouseID: "localwh", statementTimeout: timeout, waitTimeout: .seconds(0),
            maxAttempts: 4)
    }

    func client(_ settings: DatabricksSettings) -> DatabricksStatementClient {
        DatabricksStatementClient(settings: settings, httpClient: .shared, logger: Logger(label: "test"))
    }

    /// Sets the stand-in's injected delay and failures (test control, not Databricks API).
    func configureStandIn(_ body: [String: Any]) async throws {
        var request = HTTPClientRequest(url: try settings().baseURL + "/standin/config")
        request.method = .POST
        request.body = .bytes(ByteBuffer(bytes: Array(try JSONSerialization.data(withJSONObject: body))))
        _ = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
    }

    @Test func tokensAreComputedInDatabricksSQLByteIdenticalToSwiftAndReRunsAffectNothing() async throws {
        let sql = client(try settings())
        let table = "it_dbx_\(UInt32.random(in: 0...UInt32.max))"
        _ = try await sql.execute("CREATE SCHEMA IF NOT EXISTS demo.it")
        _ = try await sql.execute("CREATE TABLE demo.it.\(table) (id BIGINT, email STRING, name STRING, n INT)")
        let values = [
            "ada@example.com", "Zoë Müller-Łukasiewicz", "emoji 🚀", "quote ' \" \\", String(repeating: "ü", count: 120), "tab\tnew\nline", "x",
        ]
        for (index, value) in values.enumerated() {
            _ = try await sql.execute(
                "INSERT INTO demo.it.\(table) VALUES (:id, :email, :name, 1)",
                parameters: [.init("id", "\(index)", type: "BIGINT"), .init("email", value), .init("name", value)])
        }
        _ = try await sql.execute("INSERT INTO demo.it.\(table) VALUES (100, NULL, '', 2)")
        let warehouse = DatabricksWarehouse(client: sql, tokenizer: Tokenizer(keyring: keys))
        let description = try await warehouse.describe(TableReference(database: "demo", schema: "it", table: table))
        #expect(description.columns.map(\.name) == ["id", "email", "name", "n"])
        #expect(description.column(named: "n")?.isText == false)
        let columns = [ColumnPlan(name: "email", scheme: .hmac), ColumnPlan(name: "name", scheme: .poc)]
        #expect(try await warehouse.run(description, columns, mode: .tokenize).rowsUpdated == values.count)
        #expect(try await warehouse.run(description, columns, mode: .tokenize).rowsUpdated == 0)
        // 8 rows, 3 per chunk: the reader follows next_chunk_internal_link.
        let rows = try await sql.execute("SELECT id, email, name FROM demo.it.\(table) ORDER BY id").rows
        #expect(rows.count == values.count + 1)
        let tokenizer = Tokenizer(keyring: keys)
        for (index, value) in values.enumerated() {
            #expect(rows[index][1] == (try tokenizer.token(for: value, scheme: .hmac)), "hmac of \(value.debugDescription)")
            #expect(rows[index][2] == PocTokenScheme().token(for: value), "poc of \(value.debugDescription)")
        }
        #expect(rows[values.count][1] == nil && rows[values.count][2] == "")
        await #expect {
            try await warehouse.run(description, [ColumnPlan(name: "email", scheme: .ff1)], mode: .tokenize)
        } throws: { error in
            (error as? WarehouseError)?.code == .unsupported
        }
        // Normalization is the service's to compute, and Databricks tokens are computed in the warehouse: refused.
        await #expect {
            try await warehouse.run(description, [ColumnPlan(name: "email", scheme: .hmac, normalization: .nfc)], mode: .tokenize)
        } throws: { error in
            (error as? WarehouseError)?.code == .unsupported && "\(error)".contains("normalization")
        }
    }

    /// Whitespace-only values hold nothing to protect: left alone and counted as empty, in the UPDATE and the
    /// verification alike.
    @Test func whitespaceOnlyValuesAreLeftAlone() async throws {
        let sql = client(try settings())
        let table = "it_dbx_blank_\(UInt32.random(in: 0...UInt32.max))"
        _ = try await sql.execute("CREATE SCHEMA IF NOT EXISTS demo.it")
        _ = try await sql.execute("CREATE TABLE demo.it.\(table) (id BIGINT, email STRING)")
        for (index, value) in ["ada@example.com", "   ", "\t\n", ""].enumerated() {
            _ = try await sql.execute(
                "INSERT INTO demo.it.\(table) VALUES (:id, :email)", parameters: [.init("id", "\(index)", type: "BIGINT"), .init("email", value)])
        }
        let warehouse = DatabricksWarehouse(client: sql, tokenizer: Tokenizer(keyring: keys))
        let description = try await warehouse.describe(TableReference(database: "demo", schema: "it", table: table))
        let columns = [ColumnPlan(name: "email", scheme: .hmac)]
        #expect(try await warehouse.run(description, columns, mode: .tokenize).rowsUpdated == 1)
        let report = try await warehouse.verify(VerificationRequest(table: description, columns: columns))
        #expect(report.plaintext == 0 && report.columns[0].empty == 3 && report.columns[0].tokens == 1, "\(report.summary)")
        let rows = try await sql.execute("SELECT email FROM demo.it.\(table) ORDER BY id").rows
        #expect(rows.map { $0[0] } == [try Tokenizer(keyring: keys).token(for: "ada@example.com", scheme: .hmac), "   ", "\t\n", ""])
    }

    /// A plan's sample: `TABLESAMPLE (n ROWS)`, every row of a small table, values as strings (NULL as nil).
    @Test func aPlanSamplesInTheWarehouse() async throws {
        let sql = client(try settings())
        let table = "it_dbx_sample_\(UInt32.random(in: 0...UInt32.max))"
        _ = try await sql.execute("CREATE SCHEMA IF NOT EXISTS demo.it")
        _ = try await sql.execute("CREATE TABLE demo.it.\(table) (id BIGINT, email STRING, n INT)")
        for index in 0..<20 {
            _ = try await sql.execute(
                "INSERT INTO demo.it.\(table) VALUES (:id, :email, 1)",
                parameters: [.init("id", "\(index)", type: "BIGINT"), .init("email", index == 0 ? "" : "person.\(index)@example.com")])
        }
        let warehouse = DatabricksWarehouse(client: sql, tokenizer: Tokenizer(keyring: keys))
        let description = try await warehouse.describe(TableReference(database: "demo", schema: "it", table: table))
        let small = try await warehouse.sample(description, columns: ["email"], rows: 100)
        #expect(small.rows == 20 && small.isWholeTable && small.method == "every row")
        let sampled = try await warehouse.sample(description, columns: ["email"], rows: 5)
        #expect(sampled.rows == 5 && !sampled.isWholeTable && sampled.method == "TABLESAMPLE (5 ROWS)")
        #expect(sampled.values["email"]?.allSatisfy { $0 == "" || $0?.hasSuffix("@example.com") == true } == true)
        await #expect(throws: WarehouseError.self) { try await warehouse.sample(description, columns: ["nope"], rows: 5) }
    }

    @Test func missingTablesAndFailedStatementsNameTheError() async throws {
        let sql = client(try settings())
        let warehouse = DatabricksWarehouse(client: sql, tokenizer: Tokenizer(keyring: keys))
        await #expect {
            try await warehouse.describe(TableReference(database: "demo", schema: "it", table: "no_such_table"))
        } throws: { error in
            (error as? WarehouseError)?.code == .tableNotFound && "\(error)".contains("demo.it.no_such_table")
        }
        await #expect {
            try await sql.execute("SELECT * FROM demo.it.no_such_table")
        } throws: { error in
            "\(error)".contains("TABLE_OR_VIEW_NOT_FOUND")
        }
        await #expect {
            try await sql.execute("SELEC 1")
        } throws: { error in
            "\(error)".contains("PARSE_SYNTAX_ERROR")
        }
        await #expect {
            try await client(try settings(token: "wrong")).execute("SELECT 1")
        } throws: { error in
            (error as? WarehouseError)?.code == .unauthorized && "\(error)".contains("DBX_TOKEN")
        }
    }

    @Test func transientErrorsAreRetriedWithABound() async throws {
        let sql = client(try settings())
        try await configureStandIn(["fail_requests": 2, "fail_status": 429])
        #expect(try await sql.execute("SELECT 42 AS answer").rows == [["42"]])
        try await configureStandIn(["fail_requests": 10, "fail_status": 503])
        await #expect {
            try await sql.execute("SELECT 1")
        } throws: { error in
            (error as? WarehouseError)?.code == .unavailable && (error as? WarehouseError)?.isTransient == true
                && "\(error)".contains("TEMPORARILY_UNAVAILABLE")
        }
        try await configureStandIn([:])
    }

    @Test func aStatementRunningPastTheTimeoutIsCancelled() async throws {
        try await configureStandIn(["delay_seconds": 30])
        var message = ""
        do {
            _ = try await client(try settings(timeout: .milliseconds(800))).execute("SELECT 1")
        } catch {
            message = "\(error)"
        }
        try await configureStandIn([:])
        #expect(message.contains("was still RUNNING") && message.contains("was cancelled"), "\(message)")
        // The stand-in saw the cancel: the statement ended CANCELED instead of running on.
        let statementID = try #require(message.split(separator: " ").dropFirst(2).first.map(String.init))
        var request = HTTPClientRequest(url: try settings().baseURL + "/api/2.0/sql/statements/\(statementID)")
        request.headers.add(name: "Authorization", value: "Bearer \(env["DBX_TOKEN"] ?? "")")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 1 << 20)
        #expect(String(buffer: body).contains("\"CANCELED\""))
    }

    /// A run asked to stop (the shutdown deadline) cancels its statement in Databricks and stays resumable.
    @Test func aStoppedRunCancelsItsStatement() async throws {
        let sql = client(try settings())
        let table = "it_dbx_stop_\(UInt32.random(in: 0...UInt32.max))"
        _ = try await sql.execute("CREATE SCHEMA IF NOT EXISTS demo.it")
        _ = try await sql.execute("CREATE TABLE demo.it.\(table) (id BIGINT, email STRING)")
        let warehouse = DatabricksWarehouse(client: sql, tokenizer: Tokenizer(keyring: keys))
        let description = try await warehouse.describe(TableReference(database: "demo", schema: "it", table: table))
        try await configureStandIn(["delay_seconds": 30])
        let stop = StopSignal()
        var message = ""
        do {
            async let outcome = warehouse.run(description, [ColumnPlan(name: "email", scheme: .hmac)], stop: stop)
            try await Task.sleep(for: .seconds(1))
            stop.stop()
            _ = try await outcome
        } catch let error as WarehouseError {
            #expect(error.code == .interrupted && error.isTransient)
            message = error.message
        }
        try await configureStandIn([:])
        let statementID = try #require(message.split(separator: " ").dropFirst(2).first.map(String.init), "\(message)")
        var request = HTTPClientRequest(url: try settings().baseURL + "/api/2.0/sql/statements/\(statementID)")
        request.headers.add(name: "Authorization", value: "Bearer \(env["DBX_TOKEN"] ?? "")")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        #expect(String(buffer: try await response.body.collect(upTo: 1 << 20)).contains("\"CANCELED\""))
    }
}
