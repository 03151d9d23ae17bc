import Catalog
import Foundation
import Testing
import Tokenization
import WarehouseKit

@testable import Runs

/// A dataset URN's name as a table (`DatasetURN` itself is tested in CatalogTests).
@Suite struct DatasetTableTests {
    @Test func aPostgresURNNamesItsTable() throws {
        let urn = try DatasetURN("urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers,PROD)")
        #expect(try urn.tableReference() == TableReference(database: "shop", schema: "public", table: "customers"))
    }

    @Test func aRequestedURNThatIsRefusedIsAnInvalidRequest() {
        #expect { try DatasetURN.requested("urn:li:chart:(a,b)") } throws: { ($0 as? RunError)?.code == .invalidRequest }
    }

    @Test(arguments: ["customers", "public.customers", "a.b.c.d", "a..c"])
    func tableNamesNeedThreeParts(name: String) throws {
        let urn = try DatasetURN("urn:li:dataset:(urn:li:dataPlatform:postgres,\(name),PROD)")
        #expect(throws: RunError.self) { try urn.tableReference() }
    }
}

/// Which columns a run takes: trigger fields, the request, PII tags and terms, names; schemes per field.
@Suite struct ColumnResolverTests {
    let table = TableDescription(
        table: TableReference(database: "shop", schema: "public", table: "customers"),
        columns: [
            .init(name: "id", dataType: "bigint", isText: false),
            .init(name: "first_name", dataType: "text", isText: true),
            .init(name: "email", dataType: "text", isText: true),
            .init(name: "phone_number", dataType: "bigint", isText: false),
            .init(name: "city", dataType: "text", isText: true),
        ])
    let resolver = ColumnResolver()

    func snapshot(_ fields: [(String, Set<String>)]) -> DatasetSnapshot {
        DatasetSnapshot(urn: customersURN, fields: fields.map { .init(fieldPath: $0.0, editableTags: Set($0.1.map(TagURN.init))) })
    }

    @Test func triggerFieldsWin() throws {
        let columns = try resolver.resolve(
            scope: RunScope(triggerFields: ["city"]), snapshot: snapshot([("email", ["urn:li:tag:pii"])]), table: table)
        #expect(columns == ["city"])
    }

    @Test func explicitColumns() throws {
        #expect(try resolver.resolve(scope: .request(columns: ["city", "email"]), snapshot: nil, table: table) == ["email", "city"])
    }

    @Test func piiTaggedFieldsBeforeHeuristics() throws {
        let tagged = snapshot([("city", ["urn:li:tag:PII"]), ("email", [])])
        #expect(try resolver.resolve(scope: RunScope(datasetLevel: true), snapshot: tagged, table: table) == ["city"])
    }

    @Test func heuristicsPickTextColumnsWithPersonalNames() throws {
        #expect(try resolver.resolve(scope: RunScope(datasetLevel: true), snapshot: snapshot([]), table: table) == ["first_name", "email"])
    }

    /// A steward's dismissal keeps a column from being chosen by sampling or by its name; a trigger or pii tag still
    /// decides.
    @Test func aDismissedColumnIsNeitherSampledNorNamedIn() throws {
        let resolver = ColumnResolver(dismissTag: TagURN("tokenize/not-pii"))
        let dismissed = snapshot([("first_name", ["urn:li:tag:tokenize/not-pii"]), ("city", ["urn:li:tag:tokenize/not-pii"])])
        #expect(resolver.dismissed(in: dismissed) == ["first_name", "city"])
        #expect(try resolver.resolve(scope: RunScope(datasetLevel: true), snapshot: dismissed, table: table) == ["email"])
        #expect(
            try resolver.resolve(
                scope: RunScope(datasetLevel: true), snapshot: dismissed, table: table, discovered: ["city": .email, "email": .email])
                == ["email"])
        #expect(try resolver.resolve(scope: RunScope(triggerFields: ["city"]), snapshot: dismissed, table: table) == ["city"])
        #expect(ColumnResolver().dismissed(in: dismissed).isEmpty, "no dismissal tag configured")
    }

    @Test func schemesComeFromFieldTagsThenDatasetTagsThenTheDefault() {
        var tagged = snapshot([
            ("[version=2.0].[type=string].email", ["urn:li:tag:tokenize/scheme:siv", "urn:li:tag:pii"]),
            ("city", ["urn:li:tag:tokenize/scheme:bogus"]),
        ])
        let columns = ["first_name", "email", "city"]
        #expect(
            resolver.schemes(for: columns, snapshot: tagged, defaultScheme: .hmac)
                == [.init(name: "first_name", scheme: .hmac), .init(name: "email", scheme: .siv), .init(name: "city", scheme: .hmac)])
        tagged.tags = [TagURN("tokenize/scheme:ff1")]
        #expect(resolver.schemes(for: columns, snapshot: tagged, defaultScheme: .hmac).map(\.scheme) == [.ff1, .siv, .ff1])
        #expect(resolver.schemes(for: ["city"], snapshot: nil, defaultScheme: .poc).map(\.scheme) == [.poc])
    }

    @Test func rekeyScopesMergeAndAPlainRunDoesNotCoverARekey() {
        let plain = RunScope(datasetLevel: true)
        let rekey = RunScope.request(columns: nil, rekey: true)
        #expect(!plain.covers(rekey) && rekey.covers(plain))
        #expect(plain.merged(with: rekey).rekey)
    }

    @Test func aFullScanMergesAndIsNotCoveredByAnIncrementalOne() throws {
        let incremental = RunScope.request(columns: nil, kind: .verify)
        let full = RunScope.request(columns: nil, kind: .verify, fullScan: true)
        #expect(!incremental.covers(full) && full.covers(incremental) && incremental.merged(with: full).fullScan)
        let decoded = try JSONDecoder().decode(RunScope.self, from: JSONEncoder().encode(full))
        #expect(decoded == full)
        let older = #"{"dataset_level":true,"fields":[],"columns":[],"rekey":false,"verify_only":true}"#
        #expect(try !JSONDecoder().decode(RunScope.self, from: Data(older.utf8)).fullScan, "rows written before it existed")
    }

    /// A plan merges only with a plan; a tokenization covers a verification and absorbs it; a verification covers
    /// no tokenization. Scopes written with the two flags of older versions read as the same kinds.
    @Test func runKindsMergeAndCover() throws {
        let tokenize = RunScope(datasetLevel: true)
        let verify = RunScope(datasetLevel: true, kind: .verify)
        let plan = RunScope(datasetLevel: true, kind: .plan)
        #expect(tokenize.covers(verify) && !verify.covers(tokenize) && !tokenize.covers(plan) && !plan.covers(tokenize))
        #expect(
            verify.merged(with: tokenize).kind == .tokenize && verify.merged(with: verify).kind == .verify && plan.merged(with: plan).kind == .plan)
        #expect(plan.kind.ledgerKind == "plan" && verify.kind.ledgerKind == "run" && tokenize.kind.ledgerKind == "run")
        for (flags, kind) in [
            (#""plan_only":true"#, RunKind.plan), (#""verify_only":true"#, .verify), (#""verify_only":false,"plan_only":false"#, .tokenize),
        ] {
            let older = #"{"dataset_level":true,"fields":[],"columns":[],"rekey":false,"# + flags + "}"
            #expect(try JSONDecoder().decode(RunScope.self, from: Data(older.utf8)).kind == kind, "\(older)")
        }
        let written = String(decoding: try JSONEncoder().encode(RunScope(triggerFields: ["b", "a"], kind: .verify)), as: UTF8.self)
        #expect(written.contains(#""kind":"verify""#) && written.contains(#""fields":["a","b"]"#) && !written.contains("_only"), "\(written)")
    }

    @Test func versionedFieldPathsMapToColumns() throws {
        let scope = RunScope(triggerFields: ["[version=2.0].[type=string].email"])
        #expect(try resolver.resolve(scope: scope, snapshot: nil, table: table) == ["email"])
    }

    @Test func unknownColumnFailsNamingIt() {
        #expect {
            try resolver.resolve(scope: .request(columns: ["nope"]), snapshot: nil, table: table)
        } throws: { error in
            (error as? RunError)?.code == .unknownColumn && "\(error)".contains("nope")
        }
    }

    @Test func nothingFoundSaysWhatToDo() {
        let plain = TableDescription(table: table.table, columns: [.init(name: "city", dataType: "text", isText: true)])
        #expect {
            try resolver.resolve(scope: RunScope(datasetLevel: true), snapshot: nil, table: plain)
        } throws: { error in
            (error as? RunError)?.code == .noColumns && "\(error)".contains("tag the columns")
        }
    }

    @Test(arguments: [
        ("urn:li:tag:pii", true), ("urn:li:tag:PII/email", true), ("urn:li:tag:pii.contact", true), ("urn:li:tag:pipeline", false),
        ("urn:li:tag:piilot", false),
    ])
    func piiTags(tag: String, expected: Bool) {
        #expect(ColumnResolver.isPIITag(TagURN(tag)) == expected)
    }

    @Test func schemeTags() {
        #expect(ColumnResolver.scheme(of: TagURN("urn:li:tag:tokenize/scheme:ff1")) == .ff1)
        #expect(ColumnResolver.scheme(of: TagURN("tokenize/scheme:HMAC")) == .hmac)
        #expect(ColumnResolver.scheme(of: TagURN("urn:li:tag:tokenize/scheme:rot13")) == nil)
        #expect(ColumnResolver.scheme(of: TagURN("urn:li:tag:pii")) == nil)
    }

    @Test func aTagTriggerIsLiveOnlyWhileItsTagIsThere() {
        let trigger = TagURN("tokenize/run")
        let fields = DatasetSnapshot(
            urn: customersURN, fields: [.init(fieldPath: "email", editableTags: [trigger]), .init(fieldPath: "phone", ingestedTags: [trigger])])
        #expect(ColumnResolver.live(RunScope(datasetLevel: true), trigger: trigger, in: fields) == nil)
        #expect(ColumnResolver.live(RunScope(datasetLevel: true), trigger: trigger, in: nil) == nil)
        #expect(ColumnResolver.live(RunScope(triggerFields: ["email", "city"]), trigger: trigger, in: fields) == RunScope(triggerFields: ["email"]))
        #expect(ColumnResolver.live(RunScope(triggerFields: ["phone"]), trigger: trigger, in: fields) == RunScope(triggerFields: ["phone"]))
        let datasetTagged = DatasetSnapshot(urn: customersURN, tags: [trigger])
        #expect(
            ColumnResolver.live(RunScope(datasetLevel: true, triggerFields: ["email"]), trigger: trigger, in: datasetTagged)
                == RunScope(datasetLevel: true))
    }
}

/// Field identity: tags and glossary terms wherever DataHub keeps them, and both field path forms.
@Suite struct FieldIdentityTests {
    let table = TableDescription(
        table: TableReference(database: "shop", schema: "public", table: "people"),
        columns: [
            .init(name: "id", dataType: "bigint", isText: false), .init(name: "email", dataType: "text", isText: true),
            .init(name: "notes", dataType: "text", isText: true),
        ])

    @Test func piiOnTheFieldEntityOrAsAGlossaryTermCountsAsTaggedPII() throws {
        let resolver = ColumnResolver()
        for field in [
            DatasetSnapshot.Field(fieldPath: "[version=2.0].[type=string].email", entityTags: [TagURN("pii")]),
            DatasetSnapshot.Field(fieldPath: "email", glossaryTerms: ["Email_Address"]),
            DatasetSnapshot.Field(fieldPath: "[version=2.0].[type=string].email", ingestedTags: [TagURN("pii:email")]),
        ] {
            let snapshot = DatasetSnapshot(urn: customersURN, fields: [field, DatasetSnapshot.Field(fieldPath: "notes")])
            #expect(try resolver.resolve(scope: RunScope(datasetLevel: true), snapshot: snapshot, table: table) == ["email"], "\(field)")
            #expect(
                resolver.reasons(for: ["email"], scope: RunScope(datasetLevel: true), snapshot: snapshot)["email"]?.contains("tagged as PII") == true)
        }
        let custom = ColumnResolver(piiGlossaryTerms: ["Kundendaten"])
        let snapshot = DatasetSnapshot(urn: customersURN, fields: [DatasetSnapshot.Field(fieldPath: "notes", glossaryTerms: ["kundendaten"])])
        #expect(try custom.resolve(scope: RunScope(datasetLevel: true), snapshot: snapshot, table: table) == ["notes"])
        #expect(!ColumnResolver().isTaggedPII(DatasetSnapshot.Field(fieldPath: "notes", glossaryTerms: ["Revenue"])))
    }

    /// A run names the DataHub fields it could not map in its details (kept across the plan's save).
    @Test func aRunSaysWhichFieldPathsMatchNoColumn() async throws {
        var dataset = snapshot(customersURN)
        dataset.fields.append(DatasetSnapshot.Field(fieldPath: "[version=2.0].[type=string].renamed_email"))
        let harness = Harness(datasets: [dataset])
        let run = try await harness.store.enqueue(try harness.request(offset: 1)).run
        guard case .finished(let record) = await harness.executor.attempt(run, stop: StopSignal()) else {
            Issue.record("the run settles")
            return
        }
        #expect(
            record.status == .success
                && record.details.contains("field paths that match no column of the table: [version=2.0].[type=string].renamed_email"),
            "\(record.details)")
    }

    @Test func fieldPathsThatMatchNoColumnAreReported() {
        let snapshot = DatasetSnapshot(
            urn: customersURN,
            fields: [
                DatasetSnapshot.Field(fieldPath: "[version=2.0].[type=string].email"),
                DatasetSnapshot.Field(fieldPath: "[version=2.0].[type=struct].address.city"),
                DatasetSnapshot.Field(fieldPath: "renamed_column"),
            ])
        #expect(ColumnResolver.unmappedFieldPaths(snapshot, table: table) == ["[version=2.0].[type=struct].address.city", "renamed_column"])
    }
}
