import Catalog
import Foundation
import Runs
import TestSupport
import Testing
import Tokenization
import WarehouseKit

/// Plans (dry runs): columns chosen like a run's, with value sampling; nothing tokenized; their own section.
@Suite struct PlanRunTests {
    static let unlabelled = TableDescription(
        table: TableReference(database: "shop", schema: "public", table: "payments"),
        columns: [
            .init(name: "id", dataType: "bigint", isText: false), .init(name: "contact", dataType: "character varying(40)", isText: true),
            .init(name: "card", dataType: "text", isText: true), .init(name: "account", dataType: "text", isText: true),
            .init(name: "note", dataType: "text", isText: true), .init(name: "reference", dataType: "text", isText: true),
        ])
    static let paymentsURN: DatasetURN = "urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.payments,PROD)"

    func harness() -> Harness {
        let harness = Harness(datasets: [
            DatasetSnapshot(
                urn: Self.paymentsURN, tags: [TagURN("tokenize/plan")],
                fields: ["id", "contact", "card", "account", "note", "reference", "[version=2.0].[type=string].gone"].map {
                    DatasetSnapshot.Field(fieldPath: $0)
                },
                editableDescription: "Payments.")
        ])
        harness.warehouse.state.withLock { state in
            state.tables[Self.unlabelled.table] = Self.unlabelled
            state.samples[Self.unlabelled.table] = [
                "contact": (0..<20).map { "customer.\($0)@example.com" },
                "card": ["4111 1111 1111 1111", "5555555555554444", "378282246310005", "6011111111111117", nil],
                "account": ["GB82 WEST 1234 5698 7654 32", "DE89370400440532013000", "FR1420041010050500013M02606", ""],
                "note": ["called about the invoice", "left a voicemail", "ok"],
                "reference": ["ORD-2024-000123", "ORD-2024-000124", "4111111111111112"],
            ]
        }
        return harness
    }

    func plan(_ harness: Harness, discoveryInRuns: Bool, tagFields: Bool = false) async throws -> RunRecord {
        var settings = RunExecutor.Settings.testing(defaultScheme: .siv, trigger: trigger)
        settings.discoveryInRuns = discoveryInRuns
        settings.discoveryTagFields = tagFields
        let executor = RunExecutor(
            warehouses: ["postgres": harness.warehouse], catalog: harness.catalog, store: harness.store, settings: settings,
            tokenizer: Tokenizer(keyring: try TokenKeyring.parse("k1=\(Data(repeating: 7, count: 32).base64EncodedString())")), logger: harness.logger
        )
        let run = try await harness.store.enqueue(
            try harness.request(Self.paymentsURN, scope: RunScope(datasetLevel: true, kind: .plan), offset: 3)
        ).run
        guard case .finished(let record) = await executor.attempt(run, stop: StopSignal()) else { throw CancellationError() }
        try await harness.store.save(record, retryIn: nil)
        try await WriteBackPublisher(
            catalog: harness.catalog, policy: WriteBackPolicy(tags: ServiceTags.with(trigger: trigger)), logger: harness.logger
        ).publish(record)
        return record
    }

    /// Without DISCOVERY_IN_RUNS a run would find no column here (no tag, no personal name): the plan says so and
    /// proposes exactly the columns holding e-mails, card numbers and IBANs; with DISCOVERY_TAG_FIELDS it tags them.
    @Test func aPlanProposesExactlyTheColumnsHoldingPersonalDataAndChangesNothing() async throws {
        let harness = harness()
        let record = try await plan(harness, discoveryInRuns: false, tagFields: true)
        #expect(record.status == .planned && record.scope.kind == .plan && record.columns.isEmpty, "\(record.details)")
        #expect(harness.warehouse.requests.isEmpty, "a plan tokenizes nothing")
        let plan = try #require(record.plan)
        #expect(plan.proposed.mapValues { $0.first?.kind } == ["contact": .email, "card": .creditCard, "account": .iban])
        #expect(plan.unmappedFieldPaths == ["[version=2.0].[type=string].gone"])
        #expect(
            record.details.contains("a run would find no column")
                && record.details.contains("value sampling proposes: account (iban), card (credit_card), contact (email)"))
        let encoded = String(decoding: try JSONEncoder().encode(record), as: UTF8.self)
        for value in ["example.com", "4111", "WEST", "invoice"] { #expect(!encoded.contains(value), "no sampled value in the record: \(value)") }

        let dataset = try #require(harness.catalog.snapshot(Self.paymentsURN))
        #expect(dataset.tags.contains(TagURN("tokenize/status:PLANNED")) && !dataset.tags.contains(TagURN("tokenize/plan")))
        let fieldTags = Dictionary(uniqueKeysWithValues: dataset.fields.map { ($0.fieldPath, $0.tags) })
        #expect(
            fieldTags["contact"] == [TagURN("pii:email")] && fieldTags["card"] == [TagURN("pii:credit_card")]
                && fieldTags["account"] == [TagURN("pii:iban")])
        #expect(fieldTags["note"] == [] && fieldTags["reference"] == [])
        let description = try #require(dataset.editableDescription)
        #expect(description.hasPrefix("Payments.") && description.contains(WriteBackPolicy.planSectionBegin))
        #expect(description.contains("Value sampling proposes") && !description.contains("example.com"))
        #expect(!description.contains(WriteBackPolicy.sectionBegin), "the run's section is not written by a plan")
        #expect(harness.catalog.property(Self.paymentsURN, WriteBackPolicy.runPropertyID) == nil)
    }

    /// A field a steward tagged `tokenize/not-pii` is not proposed (nor tagged) again; the plan lists it as dismissed
    /// and says so in its audit trail. A column short of the threshold is reported with its share and the forms of
    /// the values that fell short, never the values.
    @Test func aDismissedFindingIsNotProposedAgainAndANearMissSaysWhy() async throws {
        let harness = harness()
        harness.catalog.state.withLock { state in
            guard var dataset = state.datasets[Self.paymentsURN], let index = dataset.fields.firstIndex(where: { $0.fieldPath == "card" })
            else { return }
            dataset.fields[index].editableTags.insert(TagURN("tokenize/not-pii"))
            state.datasets[Self.paymentsURN] = dataset
        }
        harness.warehouse.state.withLock { state in
            state.samples[Self.unlabelled.table]?["reference"] = ["(212) 555-0199", "(415) 555-0132", "ORD-2024-000123", "ORD-2024-000124"]
        }
        let record = try await plan(harness, discoveryInRuns: false, tagFields: true)
        let plan = try #require(record.plan)
        #expect(plan.proposed.mapValues { $0.first?.kind } == ["contact": .email, "account": .iban])
        #expect(plan.dismissed?.mapValues { $0.first?.kind } == ["card": .creditCard])
        let nearMiss = try #require(plan.belowThreshold?["reference"])
        #expect(nearMiss.kind == .phone && nearMiss.share == 0.5 && nearMiss.rejectedForms.map(\.form) == ["AAA-9999-9999…"])
        #expect(record.details.contains("dismissed by a steward: card") && record.details.contains("below the threshold: reference (50 % phone)"))
        let dataset = try #require(harness.catalog.snapshot(Self.paymentsURN))
        #expect(dataset.fields.first { $0.fieldPath == "card" }?.tags == [TagURN("tokenize/not-pii")], "no pii tag on a dismissed field")
        let description = try #require(dataset.editableDescription)
        #expect(description.contains("Dismissed by a steward") && description.contains("Below the sampling threshold"))
        #expect(!description.contains("ORD-2024") && !description.contains("555-0199"), "forms, never values")
        let events = try await harness.store.events(runID: record.runID)
        #expect(events.contains { $0.kind == "resolved" && $0.data.contains("card (tokenize/not-pii)") })
    }

    /// With DISCOVERY_IN_RUNS the same columns are the plan's, each with its reason, counts and width.
    @Test func withDiscoveryInRunsThePlanChoosesThem() async throws {
        let harness = harness()
        let record = try await plan(harness, discoveryInRuns: true)
        #expect(record.columns == ["contact", "card", "account"])
        let plan = try #require(record.plan)
        let contact = try #require(plan.columns.first { $0.name == "contact" })
        #expect(contact.reason.contains("value sampling found email") && contact.detected.first?.kind == .email)
        #expect(contact.toChange == 20 && contact.counted && contact.empty == 0)
        #expect(!contact.fits && contact.width.contains("too narrow"), "siv tokens of these e-mails exceed varchar(40): \(contact.width)")
        #expect(plan.columns.first { $0.name == "account" }?.empty == 17, "16 rows without an account and one empty value")
        #expect(plan.proposed.isEmpty && plan.fieldTags.isEmpty)
        let description = try #require(harness.catalog.snapshot(Self.paymentsURN)?.editableDescription)
        #expect(description.contains("| `contact` | siv | value sampling found email"))
    }

    @Test func plansAndRunsNeverMerge() async throws {
        let harness = harness()
        let plan = try await harness.store.enqueue(
            try harness.request(Self.paymentsURN, scope: RunScope(datasetLevel: true, kind: .plan), source: .api))
        let run = try await harness.store.enqueue(try harness.request(Self.paymentsURN, scope: RunScope(datasetLevel: true), source: .api))
        #expect(plan.run.runID != run.run.runID && run.run.scope.kind == .tokenize)
        #expect(!RunScope(datasetLevel: true).covers(RunScope(datasetLevel: true, kind: .plan)))
    }

    @Test func runsUseSamplingOnlyWhenAskedAndNoTagDecides() async throws {
        for discoveryInRuns in [false, true] {
            let harness = harness()
            var settings = RunExecutor.Settings.testing(defaultScheme: .hmac, trigger: trigger)
            settings.discoveryInRuns = discoveryInRuns
            let executor = RunExecutor(
                warehouses: ["postgres": harness.warehouse], catalog: harness.catalog, store: harness.store, settings: settings,
                logger: harness.logger)
            let run = try await harness.store.enqueue(try harness.request(Self.paymentsURN, scope: RunScope(datasetLevel: true), source: .api)).run
            let attempt = await executor.attempt(run, stop: StopSignal())
            guard case .finished(let record) = attempt else { continue }
            if discoveryInRuns {
                #expect(record.columns == ["contact", "card", "account"], "\(record.details)")
            } else {
                #expect(record.status == .failed && record.errorCode == "no_columns", "no name looks personal here: \(record.details)")
            }
        }
    }
}
