import Foundation
import Logging
import PostgresNIO
import PostgresWarehouse
import TestSupport
import Testing
import Tokenization
import WarehouseKit

/// Columns as users declare them, each with every scheme, on real PostgreSQL: the first run writes the token of
/// every value that holds something (NULL, empty and whitespace-only values stay), the verification finds no
/// plaintext, and a second run changes 0 cells: a token is never taken for plaintext because of its column's type.
@Suite(.enabled(if: TestEnvironment.postgresTestsEnabled), .serialized) struct ColumnTypeMatrixTests {
    /// A column type and how to create what it needs first.
    struct ColumnType: Sendable, CustomStringConvertible {
        var name: String
        var declaration: String
        var setup: [String] = []
        /// Blank-padded: the value is what it holds without trailing blanks.
        var padded = false
        var description: String { name }
    }

    static let types: [ColumnType] = [
        ColumnType(name: "text", declaration: "text"),
        ColumnType(name: "varchar", declaration: "varchar(200)"),
        ColumnType(name: "char(80)", declaration: "char(80)", padded: true),
        ColumnType(name: "citext", declaration: "citext", setup: ["CREATE EXTENSION IF NOT EXISTS citext"]),
        ColumnType(
            name: "domain over text", declaration: "it_matrix_text_domain",
            setup: ["DO $$ BEGIN CREATE DOMAIN it_matrix_text_domain AS text; EXCEPTION WHEN duplicate_object THEN NULL; END $$"]),
        ColumnType(
            name: "domain over char(80)", declaration: "it_matrix_char80_domain",
            setup: [
                "DO $$ BEGIN CREATE DOMAIN it_matrix_char80_domain AS char(80); EXCEPTION WHEN duplicate_object THEN NULL; END "
                    + "$$"
            ], padded: true),
        ColumnType(
            name: "nondeterministic ICU collation", declaration: "text COLLATE it_matrix_ci",
            setup: [
                "DO $$ BEGIN CREATE COLLATION it_matrix_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false); EXCEPTION "
                    + "WHEN duplicate_object THEN NULL; END $$"
            ]),
    ]

    /// Values of every shape a column holds, short enough for char(80) and their tokens (ff1's siv fallback included).
    static let values: [String?] = [
        "ada@example.com", "Grace.Hopper@Example.COM", "+44 20 7946 0958", "078-05-1120", "Zoë", "zoë", "日本語", "ab", "12345", "",
        "   ", "\t", nil, "a b ", "TKH_K1_X", "O'Brien",
    ]

    @Test(arguments: types)
    func everySchemeOnceAndNeverATokenOfAToken(type: ColumnType) async throws {
        try await withWarehouse(batchSize: 4, keys: oldKeys) { warehouse, client, database in
            for statement in type.setup { try await execute(client, statement) }
            for scheme in [TokenSchemeName.hmac, .siv, .ff1] {
                let table = uniqueTable("matrix")
                try await execute(client, "CREATE TABLE \(table) (id int PRIMARY KEY, v \(type.declaration))")
                var binds = PostgresBindings()
                binds.append(Array(Self.values.indices))
                binds.append(Self.values.map { $0 ?? "" })
                binds.append(Self.values.map { $0 == nil })
                try await client.query(
                    PostgresQuery(
                        unsafeSQL:
                            "INSERT INTO \(table) SELECT i, CASE WHEN n THEN NULL ELSE v END FROM unnest($1::int[], $2::text[], $3::bool[]) "
                            + "AS u(i, v, n)",
                        binds: binds))
                let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
                let columns = [ColumnPlan(name: "v", scheme: scheme)]
                let first = try await warehouse.run(description, columns)
                let tokenizer = Tokenizer(keyring: oldKeys)
                let stored = try await Self.read(client, table)
                var expected = 0
                for (index, value) in Self.values.enumerated() {
                    let note = "\(type) \(scheme): \(String(describing: value).debugDescription)"
                    // char(n) holds the value without its trailing blanks (PostgreSQL's reading of a padded value).
                    let original = value.map { type.padded ? String($0.reversed().drop { $0 == " " }.reversed()) : $0 }
                    guard let original, !Tokenizer.holdsNothing(original) else {
                        #expect(stored[index] == original, "\(note): left as it was")
                        continue
                    }
                    expected += 1
                    let token = try tokenizer.token(for: original, scheme: scheme)
                    #expect(stored[index].map { Array($0.utf8) } == Array(token.utf8), "\(note): \(String(describing: stored[index]))")
                }
                #expect(first.rowsUpdated == expected, "\(type) \(scheme): first run")
                let report = try await warehouse.verify(VerificationRequest(table: description, columns: columns, recordsMark: false))
                #expect(report.plaintext == 0 && report.rows == Self.values.count, "\(type) \(scheme): \(report.summary)")
                let second = try await warehouse.run(description, columns)
                #expect(second.rowsUpdated == 0, "\(type) \(scheme): a re-run changed \(second.rowsUpdated) rows")
                #expect(try await Self.read(client, table) == stored, "\(type) \(scheme): a re-run changed a cell")
                try await execute(client, "DROP TABLE \(table)")
            }
        }
    }

    /// A token longer than a `char(n)` or `varchar(n)` column is not written: the value stays, the outcome counts it,
    /// the verification finds it, and the other values are tokenized.
    @Test(arguments: ["char(45)", "varchar(45)"])
    func aTokenTooLongForItsColumnIsRefusedNotWritten(declaration: String) async throws {
        try await withWarehouse(batchSize: 4, keys: oldKeys) { warehouse, client, database in
            let table = uniqueTable("narrow")
            try await execute(client, "CREATE TABLE \(table) (id int PRIMARY KEY, v \(declaration))")
            try await execute(client, "INSERT INTO \(table) VALUES (1, 'ada@ex.com'), (2, 'a.much.longer.address@example.com'), (3, 'x')")
            let description = try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
            let columns = [ColumnPlan(name: "v", scheme: .siv)]
            let outcome = try await warehouse.run(description, columns)
            #expect(outcome.refused == ["v": 1] && outcome.rowsUpdated == 2, "\(outcome)")
            let stored = try await Self.read(client, table)
            #expect(stored[1] == "a.much.longer.address@example.com" && stored[0]?.hasPrefix("tks_") == true && stored[2]?.hasPrefix("tks_") == true)
            let report = try await warehouse.verify(VerificationRequest(table: description, columns: columns, recordsMark: false))
            #expect(report.plaintext == 1 && report.columns[0].plaintextKeys == ["2"], "\(report.summary)")
            try await execute(client, "DROP TABLE \(table)")
        }
    }

    static func read(_ client: PostgresClient, _ table: String) async throws -> [String?] {
        var values: [String?] = []
        for try await value in try await client.query(PostgresQuery(unsafeSQL: "SELECT v::text FROM \(table) ORDER BY id")).decode(String?.self) {
            values.append(value)
        }
        return values
    }
}
