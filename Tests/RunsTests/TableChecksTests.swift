import AccessControl
import Runs
import Testing
import WarehouseKit

/// Table checks before any row changes: foreign keys, generated columns, triggers, partition keys, copies, rehearsal.
@Suite struct TableChecksTests {
    let description = TableDescription(
        table: TableReference(database: "shop", schema: "public", table: "customers"),
        columns: [
            ColumnDescription(name: "id", dataType: "integer", isText: false), ColumnDescription(name: "email", dataType: "text", isText: true),
            ColumnDescription(name: "email_lower", dataType: "text", isText: true, isGenerated: true),
            ColumnDescription(name: "phone", dataType: "text", isText: true),
        ])
    let email = [ColumnPlan(name: "email", scheme: .hmac)]

    func key(_ onUpdate: TableInspection.ReferentialAction, incoming: Bool = true) -> TableInspection.ForeignKey {
        incoming
            ? TableInspection.ForeignKey(
                name: "orders_customer_email_fkey", referencing: "orders", referencingColumns: ["customer_email"], referenced: "customers",
                referencedColumns: ["email"], onUpdate: onUpdate, referencesChosen: true, chosenReferences: false)
            : TableInspection.ForeignKey(
                name: "customers_email_fkey", referencing: "customers", referencingColumns: ["email"], referenced: "people",
                referencedColumns: ["email"],
                onUpdate: onUpdate, referencesChosen: false, chosenReferences: true)
    }

    @Test func aPlainTableIsNotRefusedAndNotRehearsed() {
        let verdict = TableChecks().decide(.nothing("public.customers"), description: description, columns: email, triggers: .refuse)
        #expect(verdict.refusals.isEmpty && verdict.columns == email && !verdict.rehearse && verdict.report.isEmpty)
    }

    /// A referencing table without ON UPDATE CASCADE would be left pointing at nothing: refused, naming the
    /// constraint and the fix. With CASCADE the tokens reach it and the run rehearses; SET NULL would erase it.
    @Test func foreignKeysReferencingTheColumn() {
        let checks = TableChecks()
        for action in [TableInspection.ReferentialAction.noAction, .restrict] {
            let verdict = checks.decide(
                TableInspection(table: "public.customers", foreignKeys: [key(action)]), description: description, columns: email, triggers: .refuse)
            #expect(
                verdict.refusals.count == 1 && verdict.refusals[0].contains("orders_customer_email_fkey")
                    && verdict.refusals[0].contains("ON UPDATE CASCADE"))
        }
        let cascade = checks.decide(
            TableInspection(table: "public.customers", foreignKeys: [key(.cascade)]), description: description, columns: email, triggers: .refuse)
        #expect(
            cascade.refusals.isEmpty && cascade.rehearse
                && cascade.report.cascades.first?.contains("orders(customer_email) receives each token") == true)
        let setNull = checks.decide(
            TableInspection(table: "public.customers", foreignKeys: [key(.setNull)]), description: description, columns: email, triggers: .refuse)
        #expect(setNull.refusals.first?.contains("erasing the references") == true)
    }

    /// A column referencing another table may be written only when it holds no plaintext (nothing to write then).
    @Test func aColumnReferencingAnotherTable() {
        let inspection = TableInspection(table: "public.customers", foreignKeys: [key(.noAction, incoming: false)])
        let checks = TableChecks()
        #expect(
            checks.decide(inspection, description: description, columns: email, triggers: .refuse, plaintextInReferencingColumns: true).refusals.count
                == 1)
        #expect(
            checks.decide(inspection, description: description, columns: email, triggers: .refuse, plaintextInReferencingColumns: nil).refusals.count
                == 1)
        #expect(
            checks.decide(inspection, description: description, columns: email, triggers: .refuse, plaintextInReferencingColumns: false).refusals
                .isEmpty)
    }

    /// A generated column is PostgreSQL's to compute: tagged with its sources it is left out of the batches; tagged
    /// alone it is refused, naming the sources.
    @Test func generatedColumns() {
        let inspection = TableInspection(
            table: "public.customers",
            generatedColumns: [TableInspection.GeneratedColumn(name: "email_lower", expression: "lower(email)", sources: ["email"])])
        let both = email + [ColumnPlan(name: "email_lower", scheme: .hmac)]
        let verdict = TableChecks().decide(inspection, description: description, columns: both, triggers: .refuse)
        #expect(verdict.refusals.isEmpty && verdict.columns == email && verdict.report.recomputed["email_lower"] != nil)
        let alone = TableChecks().decide(
            inspection, description: description, columns: [ColumnPlan(name: "email_lower", scheme: .hmac)], triggers: .refuse)
        #expect(alone.refusals.first?.contains("GENERATED ALWAYS AS (lower(email))") == true && alone.refusals.first?.contains("(email)") == true)
        let derived = TableChecks().decide(inspection, description: description, columns: email, triggers: .refuse)
        #expect(derived.refusals.isEmpty && derived.report.copies.first?.contains("email_lower") == true)
    }

    /// Triggers: refused by default with their names and what to set; fired or skipped as the policy says, and named.
    @Test func triggersAreRefusedFiredOrSkippedAsThePolicySays() {
        let trigger = TableInspection.Trigger(name: "audit_email", table: "customers", when: "AFTER UPDATE FOR EACH ROW", action: "audit.log()")
        var inspection = TableInspection(table: "public.customers", triggers: [trigger], mayDisableTriggers: true)
        let checks = TableChecks()
        let refused = checks.decide(inspection, description: description, columns: email, triggers: .refuse)
        #expect(
            refused.refusals.first?.contains("trigger audit_email on customers") == true
                && refused.refusals.first?.contains("tables[].triggers") == true)
        let fired = checks.decide(inspection, description: description, columns: email, triggers: .fire)
        #expect(fired.refusals.isEmpty && fired.rehearse && fired.report.triggers?.hasPrefix("fired (policy)") == true && fired.skip.isEmpty)
        #expect(fired.report.copies.contains { $0.contains("audit_email") && $0.contains("may have kept a copy") })
        let skipped = checks.decide(inspection, description: description, columns: email, triggers: .skip)
        #expect(skipped.refusals.isEmpty && skipped.skip.triggers == [trigger] && skipped.report.triggers?.hasPrefix("skipped (policy)") == true)
        inspection.mayDisableTriggers = false
        #expect(checks.decide(inspection, description: description, columns: email, triggers: .skip).refusals.first?.contains("owner") == true)
    }

    /// Replication, materialized views and indexes over computed values are named as copies; nothing refuses them.
    @Test func copiesAreNamed() {
        let inspection = TableInspection(
            table: "public.customers", replicaIdentity: "full", publications: [TableInspection.Publication(name: "cdc", allTables: false)],
            replicationSlots: [TableInspection.ReplicationSlot(name: "debezium", plugin: "pgoutput", active: true)],
            dependents: [
                TableInspection.Dependent(name: "customer_emails", materialized: true),
                TableInspection.Dependent(name: "v_customers", materialized: false),
            ],
            computedIndexes: [
                TableInspection.ComputedIndex(name: "customers_lower_email", definition: "CREATE INDEX … (lower(email))", unique: true)
            ],
            partitionKeyColumns: [])
        let verdict = TableChecks().decide(inspection, description: description, columns: email, triggers: .refuse)
        #expect(verdict.refusals.isEmpty && verdict.rehearse, "a unique index over a computed value is rehearsed")
        let copies = verdict.report.copies.joined(separator: "\n")
        #expect(copies.contains("publication cdc") && copies.contains("REPLICA IDENTITY FULL") && copies.contains("slot debezium"))
        #expect(
            copies.contains("REFRESH MATERIALIZED VIEW customer_emails") && copies.contains("view v_customers")
                && copies.contains("customers_lower_email"))
    }

    @Test func checksAndDomainsAreRehearsedAndAPartitionKeyIsRefused() {
        let checked = TableChecks().decide(
            TableInspection(
                table: "public.customers", checks: [TableInspection.Check(name: "email_has_at", definition: "CHECK ((email ~~ '%@%'::text))")]),
            description: description, columns: email, triggers: .refuse)
        #expect(checked.rehearse && checked.report.checked == ["email_has_at CHECK ((email ~~ '%@%'::text))"])
        let partitioned = TableChecks().decide(
            TableInspection(table: "public.customers", partitionKeyColumns: ["email"]), description: description, columns: email, triggers: .refuse)
        #expect(partitioned.refusals.first?.contains("partition key") == true)
    }
}
