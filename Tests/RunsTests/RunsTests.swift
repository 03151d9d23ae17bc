import DataHubClient
import Foundation
import Runs
import Synchronization
import Testing
import Tokenization
import WarehouseKit

@Suite struct DatasetURNTests {
    @Test func parsesPostgresURN() throws {
        let urn = try DatasetURN("urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers,PROD)")
        #expect(urn.platform == "postgres")
        #expect(urn.environment == "PROD")
        #expect(try urn.tableReference() == TableReference(database: "shop", schema: "public", table: "customers"))
    }

    @Test(arguments: [
        "", "urn:li:dataset:", "urn:li:chart:(a,b)", "urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers)",
        "urn:li:dataset:(postgres,shop.public.customers,PROD)", "urn:li:dataset:(urn:li:dataPlatform:postgres,,PROD)",
    ])
    func rejectsMalformedURNs(text: String) {
        #expect(throws: RunError.self) { try DatasetURN(text) }
    }

    @Test(arguments: ["customers", "public.customers", "a.b.c.d", "a..c"])
    func tableNamesNeedThreeParts(name: String) throws {
        let urn = try DatasetURN("urn:li:dataset:(urn:li:dataPlatform:postgres,\(name),PROD)")
        #expect(throws: RunError.self) { try urn.tableReference() }
    }
}

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
        DatasetSnapshot(
            urn: "u", tagURNs: [], fields: fields.map { .init(fieldPath: $0.0, tagURNs: $0.1, nativeDataType: nil) },
            editableDescription: nil, editableName: nil, ingestedDescription: nil)
    }

    @Test func triggerFieldsWin() throws {
        let columns = try resolver.resolve(scope: RunScope(triggerFields: ["city"]), snapshot: snapshot([("email", ["urn:li:tag:pii"])]), table: table)
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

    @Test func schemesComeFromFieldTagsThenDatasetTagsThenTheDefault() {
        var tagged = snapshot([
            ("[version=2.0].[type=string].email", ["urn:li:tag:tokenize/scheme:siv", "urn:li:tag:pii"]),
            ("city", ["urn:li:tag:tokenize/scheme:bogus"]),
        ])
        let columns = ["first_name", "email", "city"]
        #expect(
            resolver.schemes(for: columns, snapshot: tagged, defaultScheme: .hmac)
                == [.init(name: "first_name", scheme: .hmac), .init(name: "email", scheme: .siv), .init(name: "city", scheme: .hmac)])
        tagged.tagURNs = ["urn:li:tag:tokenize/scheme:ff1"]
        #expect(resolver.schemes(for: columns, snapshot: tagged, defaultScheme: .hmac).map(\.scheme) == [.ff1, .siv, .ff1])
        #expect(resolver.schemes(for: ["city"], snapshot: nil, defaultScheme: .poc).map(\.scheme) == [.poc])
    }

    @Test func rekeyScopesMergeAndAPlainRunDoesNotCoverARekey() {
        let plain = RunScope(datasetLevel: true)
        let rekey = RunScope.request(columns: nil, rekey: true)
        #expect(!plain.covers(rekey) && rekey.covers(plain))
        #expect(plain.merged(with: rekey).rekey)
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

    @Test(arguments: [("urn:li:tag:pii", true), ("urn:li:tag:PII/email", true), ("urn:li:tag:pii.contact", true), ("urn:li:tag:pipeline", false), ("urn:li:tag:piilot", false)])
    func piiTags(tag: String, expected: Bool) {
        #expect(ColumnResolver.isPIITag(tag) == expected)
    }
}

@Suite struct WriteBackPolicyTests {
    let policy = WriteBackPolicy(triggerTag: "tokenize/run")

    func record(_ status: RunStatus, id: String = "r1", details: String = "") -> RunRecord {
        RunRecord(
            runID: id, dataset: "urn", columns: ["email"], rowsUpdated: 3, status: status, details: details,
            startedAt: Date(timeIntervalSince1970: 1_767_225_600), finishedAt: Date(timeIntervalSince1970: 1_767_225_601))
    }

    @Test func successFlipsTriggerToDone() {
        let changes = policy.tagChanges(for: .success)
        #expect(changes.add == ["urn:li:tag:tokenize/done", "urn:li:tag:tokenize/status:SUCCESS"])
        #expect(changes.remove == ["urn:li:tag:tokenize/run", "urn:li:tag:tokenize/status:FAILED"])
    }

    @Test func failureKeepsTheTrigger() {
        let changes = policy.tagChanges(for: .failed)
        #expect(changes.add == ["urn:li:tag:tokenize/status:FAILED"])
        #expect(!changes.remove.contains("urn:li:tag:tokenize/run"))
    }

    @Test func sectionIsAppendedThenReplacedKeepingUserText() {
        let first = policy.mergeDocumentation(existing: "Owned by CRM.\n", section: policy.documentationSection(for: record(.success)))
        #expect(first.hasPrefix("Owned by CRM.\n\n<!-- tokenize-action:begin -->"))
        let edited = first + "\n\nMore notes by a user."
        let second = policy.mergeDocumentation(existing: edited, section: policy.documentationSection(for: record(.failed, id: "r2", details: "boom | bad")))
        #expect(second.components(separatedBy: WriteBackPolicy.sectionBegin).count == 2)
        #expect(second.hasPrefix("Owned by CRM.") && second.hasSuffix("More notes by a user."))
        #expect(second.contains("`r2`") && !second.contains("`r1`"))
        #expect(second.contains("boom \\| bad"))
    }

    @Test func sectionHoldsTheRunFacts() {
        let section = policy.documentationSection(for: record(.success))
        for expected in ["**SUCCESS**", "`r1`", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:01.000Z", "`email`", "| Rows updated | 3 |"] {
            #expect(section.contains(expected), "missing \(expected)")
        }
    }

    @Test func recordJSONUsesSnakeCaseAndUTC() throws {
        let json = record(.success).jsonString()
        #expect(json.contains("\"run_id\":\"r1\"") && json.contains("\"rows_updated\":3") && json.contains("\"started_at\":\"2026-01-01T00:00:00.000Z\""))
        let decoded = try RunRecord.decoder().decode(RunRecord.self, from: Data(json.utf8))
        #expect(decoded == record(.success))
    }
}

/// A gate the fake executor waits on, so tests control when a run finishes.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
    func wait() async {
        await withCheckedContinuation { continuation in
            let open = state.withLock { state in
                if !state.open { state.waiters.append(continuation) }
                return state.open
            }
            if open { continuation.resume() }
        }
    }
    func open() {
        for waiter in state.withLock({ state in state.open = true; defer { state.waiters = [] }; return state.waiters }) { waiter.resume() }
    }
}

@Suite struct RunManagerTests {
    let dataset = try! DatasetURN("urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers,PROD)")

    @Test func triggersArrivingDuringARunAreCoalesced() async throws {
        let gate = Gate()
        let executions = Mutex<[RunScope]>([])
        let manager = RunManager { runID, dataset, scope in
            executions.withLock { $0.append(scope) }
            await gate.wait()
            return RunRecord(runID: runID, dataset: dataset.description, columns: [], rowsUpdated: 0, status: .success, details: "", startedAt: Date(), finishedAt: Date())
        }
        let records = await withTaskGroup(of: RunRecord.self) { group in
            group.addTask { await manager.submit(dataset: dataset, scope: RunScope(datasetLevel: true)) }
            while await manager.activeDatasets.isEmpty { await Task.yield() }
            // Same scope: joins the running run. Field scopes: one merged follow-up.
            group.addTask { await manager.submit(dataset: dataset, scope: RunScope(datasetLevel: true)) }
            group.addTask { await manager.submit(dataset: dataset, scope: RunScope(triggerFields: ["email"])) }
            group.addTask { await manager.submit(dataset: dataset, scope: RunScope(triggerFields: ["phone"])) }
            try? await Task.sleep(for: .milliseconds(100))
            gate.open()
            var records: [RunRecord] = []
            for await record in group { records.append(record) }
            return records
        }
        let scopes = executions.withLock { $0 }
        #expect(scopes.count == 2)
        #expect(scopes.last == RunScope(triggerFields: ["email", "phone"]))
        #expect(Set(records.map(\.runID)).count == 2)
        for record in records { #expect(await manager.record(runID: record.runID) == record) }
        #expect(await manager.activeDatasets.isEmpty)
    }

    @Test func differentDatasetsRunIndependently() async throws {
        let count = Mutex(0)
        let manager = RunManager { runID, dataset, _ in
            count.withLock { $0 += 1 }
            return RunRecord(runID: runID, dataset: dataset.description, columns: [], rowsUpdated: 0, status: .success, details: "", startedAt: Date(), finishedAt: Date())
        }
        let other = try DatasetURN("urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.orders,PROD)")
        async let a = manager.submit(dataset: dataset, scope: RunScope(datasetLevel: true))
        async let b = manager.submit(dataset: other, scope: RunScope(datasetLevel: true))
        let (first, second) = await (a, b)
        #expect(first.dataset != second.dataset)
        #expect(count.withLock { $0 } == 2)
    }
}
