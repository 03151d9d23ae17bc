import Foundation
import Logging
import PostgresNIO
import PostgresWarehouse
import TestSupport
import Testing
import Tokenization
import WarehouseKit

/// `PostgresWarehouse.inspect`, `rehearse` and trigger skipping on real PostgreSQL: what the catalog shows around a
/// table is found, a rehearsal meets the constraints a batch would meet and leaves nothing changed, and skipped
/// triggers never see a change.
@Suite(.enabled(if: TestEnvironment.postgresTestsEnabled), .serialized) struct TableInspectionTests {
    func describe(_ warehouse: PostgresWarehouse, _ database: String, _ table: String) async throws -> TableDescription {
        try await warehouse.describe(TableReference(database: database, schema: "public", table: table))
    }

    @Test func foreignKeysBothWaysGeneratedColumnsIndexesAndDependents() async throws {
        try await withWarehouse { warehouse, client, database in
            let parent = uniqueTable("parent")
            let child = uniqueTable("child")
            let cascaded = uniqueTable("cascaded")
            try await execute(
                client, "CREATE TABLE \(parent) (id int PRIMARY KEY, email text UNIQUE, email_lower text GENERATED ALWAYS AS (lower(email)) STORED)")
            try await execute(client, "CREATE TABLE \(child) (id int PRIMARY KEY, customer_email text REFERENCES \(parent)(email))")
            try await execute(client, "CREATE TABLE \(cascaded) (id int PRIMARY KEY, email text REFERENCES \(parent)(email) ON UPDATE CASCADE)")
            try await execute(client, "CREATE INDEX \(parent)_lower ON \(parent) (lower(email))")
            try await execute(client, "CREATE MATERIALIZED VIEW \(parent)_mv AS SELECT email FROM \(parent)")
            try await execute(client, "CREATE VIEW \(parent)_v AS SELECT id, email FROM \(parent)")
            try await execute(client, "ALTER TABLE \(parent) REPLICA IDENTITY FULL")
            try await execute(client, "CREATE PUBLICATION \(parent)_pub FOR TABLE \(parent)")
            let inspection = try await warehouse.inspect(try await describe(warehouse, database, parent), columns: ["email"])
            let keys = Dictionary(uniqueKeysWithValues: inspection.foreignKeys.map { ($0.referencing, $0) })
            #expect(
                keys[child]?.onUpdate == .noAction && keys[child]?.referencesChosen == true && keys[child]?.referencingColumns == ["customer_email"])
            #expect(keys[cascaded]?.onUpdate == .cascade)
            #expect(
                inspection.generatedColumns == [TableInspection.GeneratedColumn(name: "email_lower", expression: "lower(email)", sources: ["email"])])
            #expect(inspection.computedIndexes.map(\.name) == ["\(parent)_lower"])
            #expect(Set(inspection.dependents.map(\.name)) == ["\(parent)_mv", "\(parent)_v"] && inspection.dependents.contains { $0.materialized })
            #expect(inspection.publications.map(\.name) == ["\(parent)_pub"] && inspection.replicaIdentity == "full")
            #expect(inspection.uniqueColumns == ["email"])
            // Seen from the child, its column references the parent.
            let fromChild = try await warehouse.inspect(try await describe(warehouse, database, child), columns: ["customer_email"])
            #expect(fromChild.foreignKeys.map(\.chosenReferences) == [true])
            for statement in ["DROP PUBLICATION \(parent)_pub", "DROP TABLE \(child), \(cascaded)", "DROP TABLE \(parent) CASCADE"] {
                try await execute(client, statement)
            }
        }
    }

    /// An AFTER UPDATE trigger copying the old value: found; skipped, it sees nothing; fired, it copies every value.
    @Test func aTriggerIsFoundAndSkippedOrFired() async throws {
        try await withWarehouse(batchSize: 3) { warehouse, client, database in
            let table = uniqueTable("audited")
            try await execute(client, "CREATE TABLE \(table) (id int PRIMARY KEY, email text)")
            try await execute(client, "CREATE TABLE \(table)_log (old_email text)")
            try await execute(
                client,
                "CREATE FUNCTION \(table)_copy() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO \(table)_log VALUES (OLD.email); "
                    + "RETURN NEW; END $$"
            )
            try await execute(client, "CREATE TRIGGER copy_old AFTER UPDATE OF email ON \(table) FOR EACH ROW EXECUTE FUNCTION \(table)_copy()")
            try await execute(client, "INSERT INTO \(table) SELECT i, 'user' || i || '@example.com' FROM generate_series(1, 10) i")
            let description = try await describe(warehouse, database, table)
            let inspection = try await warehouse.inspect(description, columns: ["email"])
            #expect(
                inspection.triggers.map(\.name) == ["copy_old"] && inspection.triggers[0].when == "AFTER UPDATE FOR EACH ROW"
                    && inspection.mayDisableTriggers)
            // Skipped: every batch disables it in its own transaction; it stays enabled for everyone else.
            for scheme in [TokenSchemeName.hmac, .siv] {
                let outcome = try await warehouse.tokenize(
                    TokenizationRequest(
                        runID: UUID().uuidString, table: description, columns: [ColumnPlan(name: "email", scheme: scheme)], mode: .tokenize,
                        skip: TriggerSkip(triggers: inspection.triggers)), progress: NoProgress())
                #expect(outcome.rowsUpdated == 10)
                #expect(try await count(client, "SELECT count(*) FROM \(table)_log") == 0, "\(scheme): the skipped trigger saw a change")
                try await execute(client, "UPDATE \(table) SET email = 'user' || id || '@example.com'")
                #expect(try await count(client, "SELECT count(*) FROM \(table)_log") == 10, "the trigger is enabled again after the run")
                try await execute(client, "TRUNCATE \(table)_log")
            }
            // Fired: it copies every old value, as the record then says.
            _ = try await warehouse.run(description, [ColumnPlan(name: "email", scheme: .hmac)])
            #expect(try await count(client, "SELECT count(*) FROM \(table)_log WHERE old_email LIKE '%@example.com'") == 10)
            try await execute(client, "DROP TABLE \(table), \(table)_log")
            try await execute(client, "DROP FUNCTION \(table)_copy()")
        }
    }

    /// A CHECK constraint, a domain's CHECK and a too-narrow cascade target refuse hmac tokens: the rehearsal says so
    /// and changes nothing; ff1 keeps the format and passes.
    @Test func aRehearsalMeetsTheConstraintsAndChangesNothing() async throws {
        try await withWarehouse { warehouse, client, database in
            let table = uniqueTable("checked")
            let domain = "\(table)_address"
            try await execute(client, "CREATE DOMAIN \(domain) AS text CHECK (VALUE LIKE '%@%')")
            try await execute(client, "CREATE TABLE \(table) (id int PRIMARY KEY, email text CHECK (email LIKE '%@%'), backup \(domain))")
            try await execute(
                client, "INSERT INTO \(table) SELECT i, 'user' || i || '@example.com', 'backup' || i || '@example.org' FROM generate_series(1, 50) i")
            let description = try await describe(warehouse, database, table)
            let inspection = try await warehouse.inspect(description, columns: ["email", "backup"])
            #expect(inspection.checks.count == 2 && inspection.checks.contains { $0.domain != nil })
            let before = try await count(client, "SELECT count(*) FROM \(table) WHERE email LIKE 'user%@example.com' AND backup LIKE 'backup%'")
            for column in ["email", "backup"] {
                let hmac = try await warehouse.rehearse(
                    TokenizationRequest(
                        runID: UUID().uuidString, table: description, columns: [ColumnPlan(name: column, scheme: .hmac)], mode: .tokenize),
                    rows: 5_000)
                #expect(
                    hmac.refusal?.contains("CHECK constraint") == true && hmac.refusal?.contains("SQLSTATE 23514") == true,
                    "\(column): \(String(describing: hmac.refusal))")
                let ff1 = try await warehouse.rehearse(
                    TokenizationRequest(
                        runID: UUID().uuidString, table: description, columns: [ColumnPlan(name: column, scheme: .ff1)], mode: .tokenize), rows: 5_000
                )
                #expect(ff1.refusal == nil && ff1.rows == 50, "\(column): \(String(describing: ff1.refusal))")
            }
            // A value too short for ff1 gets an siv token, which has no '@': the rehearsal finds that too.
            try await execute(client, "UPDATE \(table) SET backup = 'b1@example.org' WHERE id = 7")
            let short = try await warehouse.rehearse(
                TokenizationRequest(
                    runID: UUID().uuidString, table: description, columns: [ColumnPlan(name: "backup", scheme: .ff1)], mode: .tokenize), rows: 5_000)
            #expect(short.refusal?.contains("violates check constraint") == true)
            try await execute(client, "UPDATE \(table) SET backup = 'backup7@example.org' WHERE id = 7")
            #expect(try await count(client, "SELECT count(*) FROM \(table) WHERE email LIKE 'user%@example.com' AND backup LIKE 'backup%'") == before)
            #expect(before == 50)
            try await execute(client, "DROP TABLE \(table)")
            try await execute(client, "DROP DOMAIN \(domain)")
        }
    }

    @Test func aPartitionKeyColumnIsFound() async throws {
        try await withWarehouse { warehouse, client, database in
            let table = uniqueTable("by_email")
            try await execute(client, "CREATE TABLE \(table) (id int, email text) PARTITION BY LIST (email)")
            let inspection = try await warehouse.inspect(try await describe(warehouse, database, table), columns: ["email"])
            #expect(inspection.partitionKeyColumns == ["email"])
            try await execute(client, "DROP TABLE \(table)")
        }
    }

    func count(_ client: PostgresClient, _ sql: String) async throws -> Int {
        for try await value in try await client.query(PostgresQuery(unsafeSQL: sql)).decode(Int64.self) { return Int(value) }
        return -1
    }
}
