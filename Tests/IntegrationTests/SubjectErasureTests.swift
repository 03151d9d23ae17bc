import Foundation
import PostgresNIO
import PostgresWarehouse
import TestSupport
import Testing
import Tokenization
import WarehouseKit

/// Erasing people's rows on real PostgreSQL, on tables as users declare them: each effect, a quoted mixed-case name,
/// char(n) and citext columns, a non-text identifier column, a foreign key that restricts the delete, and 1,000 people
/// in one statement.
@Suite(.enabled(if: TestEnvironment.postgresTestsEnabled), .serialized) struct SubjectErasureTests {
    static func rows(_ client: PostgresClient, _ sql: String) async throws -> [[String?]] {
        var result: [[String?]] = []
        for try await row in try await client.query(PostgresQuery(unsafeSQL: sql)) {
            var cells: [String?] = []
            for cell in row { cells.append(try cell.decode(String?.self)) }
            result.append(cells)
        }
        return result
    }

    @Test("delete-rows, null-cells, scramble-cells: the person's rows only; verified 0 left; a second call finds nothing")
    func effects() async throws {
        try await withWarehouse { warehouse, client, database in
            try await execute(client, "CREATE EXTENSION IF NOT EXISTS citext")
            for effect in ErasureEffect.allCases {
                let table = uniqueTable("erase")
                try await execute(client, "CREATE TABLE \(table) (id int PRIMARY KEY, \"E Mail\" char(40), alias citext, phone text, note text)")
                try await execute(
                    client,
                    "INSERT INTO \(table) VALUES (1, 'alice@example.com', 'Alice', '+44 1', 'a'), (2, 'bob@example.com', 'Bob', '+44 2', 'b'), "
                        + "(3, 'carol@example.com', 'alice@example.com', NULL, 'c'), (4, NULL, NULL, NULL, 'd')")
                let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
                let values = ["alice@example.com", "tks_k1_notreal"]
                let request = SubjectErasureRequest(
                    table: description, match: ["E Mail", "alias"], cells: ["phone"], effect: effect, values: values,
                    replacements: values.map { _ in "erased_0123456789abcdef01234567" })
                #expect(try await warehouse.countMatching(description, match: ["E Mail", "alias"], values: values) == 2)
                let outcome = try await warehouse.erase(request)
                #expect(outcome.rowsAffected == 2 && outcome.remaining == 0, "\(effect): \(outcome)")
                #expect(outcome.rowsByValue == ["alice@example.com": 2])
                let left = try await Self.rows(client, "SELECT id::text, rtrim(\"E Mail\"), alias::text, phone, note FROM \(table) ORDER BY id")
                switch effect {
                case .deleteRows:
                    #expect(left.map { $0[0] } == ["2", "4"])
                case .nullCells:
                    #expect(left[0] == ["1", nil, nil, nil, "a"] && left[2] == ["3", nil, nil, nil, "c"])
                case .scrambleCells:
                    #expect(left[0] == ["1", "erased_0123456789abcdef01234567", "Alice", nil, "a"])
                    #expect(left[2] == ["3", "carol@example.com", "erased_0123456789abcdef01234567", nil, "c"])
                }
                #expect(left.first { $0[0] == "2" } == ["2", "bob@example.com", "Bob", "+44 2", "b"], "\(effect): another person's row unchanged")
                #expect(try await warehouse.erase(request).rowsAffected == 0, "\(effect): idempotent")
            }
        }
    }

    @Test("A foreign key that restricts the delete: refused with PostgreSQL's reason, nothing changed")
    func restricted() async throws {
        try await withWarehouse { warehouse, client, database in
            let parent = uniqueTable("erase_parent")
            let child = uniqueTable("erase_child")
            try await execute(client, "CREATE TABLE \(parent) (email text PRIMARY KEY)")
            try await execute(client, "CREATE TABLE \(child) (id int PRIMARY KEY, email text REFERENCES \(parent) (email))")
            try await execute(client, "INSERT INTO \(parent) VALUES ('alice@example.com'), ('bob@example.com')")
            try await execute(client, "INSERT INTO \(child) VALUES (1, 'alice@example.com')")
            let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: parent))
            let request = SubjectErasureRequest(table: description, match: ["email"], cells: [], effect: .deleteRows, values: ["alice@example.com"])
            await #expect(throws: WarehouseError.self) { try await warehouse.erase(request) }
            #expect(try await Self.rows(client, "SELECT count(*)::text FROM \(parent)") == [["2"]])
            // Once the child's rows are gone (another destination of the same request), the delete goes through.
            try await execute(client, "DELETE FROM \(child)")
            #expect(try await warehouse.erase(request).rowsAffected == 1)
        }
    }

    @Test("A non-text identifier column, an index reported, 1,000 people in one statement")
    func manyPeople() async throws {
        try await withWarehouse { warehouse, client, database in
            let table = uniqueTable("erase_many")
            try await execute(client, "CREATE TABLE \(table) (customer_id bigint PRIMARY KEY, email text)")
            try await execute(client, "INSERT INTO \(table) SELECT g, 'p' || g || '@example.com' FROM generate_series(1, 5000) g")
            let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
            let ids = (1...1000).map { String($0 * 3) }
            #expect(try await warehouse.indexed(description, columns: ["customer_id", "email"]) == ["customer_id": true, "email": false])
            let outcome = try await warehouse.erase(
                SubjectErasureRequest(table: description, match: ["customer_id"], cells: [], effect: .deleteRows, values: ids))
            #expect(outcome.rowsAffected == 1000 && outcome.remaining == 0 && outcome.indexed)
            #expect(try await Self.rows(client, "SELECT count(*)::text FROM \(table)") == [["4000"]])
        }
    }
}
