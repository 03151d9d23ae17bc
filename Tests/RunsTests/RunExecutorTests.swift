import Catalog
import Foundation
import Runs
import Synchronization
import TestSupport
import Testing
import WarehouseKit

/// The executor over fakes: plan saved before rows change, SKIPPED, FAILED, STALE, postponed, resumed.
@Suite struct RunExecutorTests {
    let harness = Harness()

    private func queued(_ request: RunRequest) async throws -> RunRecord {
        try await harness.store.enqueue(request).run
    }

    @Test func aSuccessfulRunSavesItsPlanBeforeTouchingRowsAndLeavesAWriteBackPending() async throws {
        let run = try await queued(try harness.request())
        let store = harness.store
        let seenByWarehouse = Mutex<RunRecord?>(nil)
        harness.warehouse.gate.withLock { gate in
            gate = { @Sendable in
                let saved = try? await store.record(run.runID)
                seenByWarehouse.withLock { $0 = saved }
            }
        }
        guard case .finished(let record) = await harness.executor.attempt(run, stop: StopSignal()) else {
            Issue.record("not finished")
            return
        }
        #expect(record.status == .success && record.rowsUpdated == 3 && record.writeBack.state == .pending)
        #expect(record.columns == ["email", "phone"] && record.schemes == ["email": .hmac, "phone": .hmac])
        #expect(record.attempts == 1 && record.startedAt != nil && record.finishedAt != nil)
        #expect(harness.warehouse.requests.map(\.runID) == [run.runID])
        let saved = seenByWarehouse.withLock { $0 }
        #expect(saved?.columns == ["email", "phone"] && saved?.status == .running, "the plan must be durable before any row changes")
    }

    @Test func anUnconfiguredPlatformIsSkipped() async throws {
        let urn: DatasetURN = "urn:li:dataset:(urn:li:dataPlatform:databricks,main.sales.customers,PROD)"
        let harness = Harness(datasets: [snapshot(urn)])
        let run = try await harness.store.enqueue(try harness.request(urn)).run
        guard case .finished(let record) = await harness.executor.attempt(run, stop: StopSignal()) else {
            Issue.record("not finished")
            return
        }
        #expect(record.status == .skipped && record.details == "Databricks connection not configured" && record.writeBack.state == .pending)
    }

    @Test func inputTheServiceCannotActOnFails() async throws {
        let run = try await queued(try harness.request(scope: .request(columns: ["nope"]), source: .api))
        guard case .finished(let record) = await harness.executor.attempt(run, stop: StopSignal()) else {
            Issue.record("not finished")
            return
        }
        #expect(record.status == .failed && record.errorCode == "unknown_column" && record.details.contains("nope"))
        let missing = try await queued(try harness.request("urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.gone,PROD)", source: .api))
        guard case .finished(let gone) = await harness.executor.attempt(missing, stop: StopSignal()) else {
            Issue.record("not finished")
            return
        }
        #expect(gone.status == .failed && gone.errorCode == "table_not_found")
    }

    @Test(arguments: [WarehouseError.Code.unavailable, .interrupted])
    func aWarehouseThatGoesAwayPostponesTheRun(code: WarehouseError.Code) async throws {
        let run = try await queued(try harness.request())
        harness.warehouse.state.withLock { $0.failure = WarehouseError(code, "gone") }
        guard case .postponed(let record) = await harness.executor.attempt(run, stop: StopSignal()) else {
            Issue.record("not postponed")
            return
        }
        #expect(record.status == .running && !record.columns.isEmpty && record.details.contains("gone"))
    }

    @Test func dataHubUnavailableBeforeTheRunStartsPostponesIt() async throws {
        let run = try await queued(try harness.request())
        harness.catalog.fail(with: DataHubError(.unavailable, "HTTP 503 from GMS"))
        guard case .postponed(let record) = await harness.executor.attempt(run, stop: StopSignal()) else {
            Issue.record("not postponed")
            return
        }
        #expect(record.status == .queued && record.columns.isEmpty && harness.warehouse.requests.isEmpty)
    }

    @Test func aTagTriggerWhoseTagIsGoneIsStale() async throws {
        let harness = Harness(datasets: [snapshot(customersURN, tagged: false)])
        let run = try await harness.store.enqueue(try harness.request(offset: 7)).run
        guard case .finished(let record) = await harness.executor.attempt(run, stop: StopSignal()) else {
            Issue.record("not finished")
            return
        }
        #expect(record.status == .stale && record.writeBack.state == .none)
        #expect(harness.warehouse.requests.isEmpty)
        // An API request is not about a tag: it runs.
        let api = try await harness.store.enqueue(try harness.request(source: .api)).run
        guard case .finished(let ran) = await harness.executor.attempt(api, stop: StopSignal()) else {
            Issue.record("not finished")
            return
        }
        #expect(ran.status == .success)
    }

    @Test func aResumedRunKeepsItsPlan() async throws {
        var run = try await queued(try harness.request())
        run.columns = ["city"]
        run.schemes = ["city": .siv]
        run.status = .running
        try await harness.store.save(run, retryIn: nil)  // as the interrupted attempt left it in the ledger
        guard case .finished(let record) = await harness.executor.attempt(run, stop: StopSignal()) else {
            Issue.record("not finished")
            return
        }
        #expect(record.status == .success && record.columns == ["city"])
        #expect(harness.warehouse.requests.first?.columns == [ColumnPlan(name: "city", scheme: .siv)])
    }
}

/// The in-memory ledger obeys the same rules as the PostgreSQL one.
@Suite struct InMemoryRunStoreTests {
    @Test func enqueueRules() async throws {
        try await RunStoreConformance.enqueueRules(InMemoryRunStore(), datasets: (customersURN, ordersURN), topic: "mcl")
    }

    @Test func workOrder() async throws {
        try await RunStoreConformance.workOrder(InMemoryRunStore(), dataset: customersURN, topic: "mcl")
    }

    @Test func inMemoryStoreAuditTrail() async throws {
        try await RunStoreConformance.auditTrail(InMemoryRunStore(), dataset: customersURN, topic: "mcl")
    }

    @Test func inMemoryStoreRequesterAdoption() async throws {
        try await RunStoreConformance.requesterAdoption(InMemoryRunStore(), datasets: (customersURN, ordersURN), topic: "mcl")
    }

    @Test func inMemoryStoreApprovals() async throws {
        try await RunStoreConformance.approvals(InMemoryRunStore(), dataset: customersURN, topic: "mcl")
    }

    @Test func inMemoryStoreWriteBackAskedForWhilePublishing() async throws {
        try await RunStoreConformance.writeBackAskedForWhilePublishing(InMemoryRunStore(), dataset: customersURN, topic: "mcl")
    }
}

/// Requests that arrive while a run's attempt begins are never lost: merged before it, part of it; after it, a run
/// of their own.
@Suite struct MergeRaceTests {
    @Test func aRequestArrivingAfterAnAttemptBeganGetsItsOwnRun() async throws {
        let harness = Harness()
        let first = try await harness.store.enqueue(try harness.request(scope: RunScope(triggerFields: ["email"]), offset: 1)).run
        let merged = try await harness.store.enqueue(try harness.request(scope: RunScope(triggerFields: ["phone"]), offset: 2))
        #expect(merged.kind == .merged && merged.run.runID == first.runID)
        let begun = try await harness.store.beginAttempt(first)
        #expect(begun.scope.triggerFields == ["email", "phone"] && begun.attempts == 1, "a merge before the attempt is part of it")
        let late = try await harness.store.enqueue(try harness.request(scope: RunScope(triggerFields: ["city"]), offset: 3))
        #expect(late.kind == .queued && late.run.runID != first.runID, "while an attempt works, a request is not merged into it: \(late.kind)")
        try await harness.store.save(begun, retryIn: nil)  // the attempt ended (postponed): merging is safe again
        let afterwards = try await harness.store.enqueue(try harness.request(scope: RunScope(triggerFields: ["id"]), offset: 4))
        #expect(afterwards.kind == .merged && afterwards.run.runID == first.runID)
    }
}

/// Which requests a run waiting for its requester takes in (`RequesterAdoption`, pure).
@Suite struct RequesterAdoptionTests {
    private func row(
        _ id: String, source: RunSource = .kafka, by requester: String? = "urn:li:corpuser:alice",
        scope: RunScope = RunScope(triggerFields: ["email"]),
        at second: Double, attempts: Int = 0
    ) -> RunRecord {
        RunRecord(
            runID: id, dataset: customersURN, scope: scope, source: source, requestedBy: requester, tagTriggered: source != .api,
            attempts: attempts, createdAt: Date(timeIntervalSince1970: second))
    }

    @Test func laterUntouchedRequestsOfTheSameKindMergeAndTheEarliestRequesterLends() throws {
        let waiting = row("a", source: .reconcile, by: nil, scope: RunScope(datasetLevel: true), at: 0, attempts: 1)
        let anonymous = row("b", by: nil, scope: RunScope(triggerFields: ["phone"]), at: 1)
        let bob = row("c", by: "urn:li:corpuser:bob", at: 2)
        let carol = row("d", source: .api, by: "urn:li:corpuser:carol", scope: .request(columns: ["city"]), at: 3)
        let started = row("e", by: "urn:li:corpuser:erin", at: 4, attempts: 1)
        let plan = row("f", by: "urn:li:corpuser:frank", scope: RunScope(datasetLevel: true, kind: .plan), at: 5)
        var older = row("g", by: "urn:li:corpuser:gina", at: -1)
        older.status = .awaitingApproval
        let adoption = try #require(
            RequesterAdoption.decide(for: waiting, openRuns: [older, waiting, anonymous, bob, carol, started, plan], coalescedInto: []))
        #expect(adoption.absorbed.map(\.runID) == ["b", "c", "d"], "not one an attempt touched, not a plan, not an older or waiting one")
        #expect(adoption.lender.runID == "c" && adoption.run.requestedBy == "urn:li:corpuser:bob")
        #expect(adoption.run.scope == RunScope(datasetLevel: true, triggerFields: ["email", "phone"], explicitColumns: ["city"]))
        #expect(adoption.run.tagTriggered == false, "an API request merged in: the run no longer stands for a tag alone")
        #expect(adoption.events.filter { $0.runID == "a" }.map(\.kind) == [.requested, .requested, .requested, .policy])
        #expect(adoption.events.filter { $0.runID != "a" }.allSatisfy { $0.kind == .finished && $0.data["status"] == "COALESCED" })
    }

    @Test func aRequestCoalescedIntoTheRunLendsItsRequesterAlone() throws {
        let waiting = row("a", source: .reconcile, by: nil, scope: RunScope(datasetLevel: true), at: 0, attempts: 1)
        var covered = row("b", scope: RunScope(datasetLevel: true), at: 1)
        covered.status = .coalesced
        covered.coalescedInto = "a"
        var elsewhere = row("c", by: "urn:li:corpuser:bob", at: 0.5)
        elsewhere.status = .coalesced
        elsewhere.coalescedInto = "z"
        let adoption = try #require(RequesterAdoption.decide(for: waiting, openRuns: [waiting], coalescedInto: [elsewhere, covered]))
        #expect(adoption.absorbed.isEmpty && adoption.lender.runID == "b" && adoption.run.scope == waiting.scope)
        #expect(adoption.run.requestedBy == "urn:li:corpuser:alice")
    }

    @Test func nothingChangesWithoutARequesterOrForARunThatHasOneOrHasResolved() {
        let waiting = row("a", source: .reconcile, by: nil, scope: RunScope(datasetLevel: true), at: 0, attempts: 1)
        #expect(RequesterAdoption.decide(for: waiting, openRuns: [waiting, row("b", by: nil, at: 1)], coalescedInto: []) == nil)
        let bob = row("b", by: "urn:li:corpuser:bob", at: 1)
        #expect(RequesterAdoption.decide(for: row("a", by: "urn:li:corpuser:alice", at: 0), openRuns: [bob], coalescedInto: []) == nil)
        var resolved = waiting
        resolved.columns = ["email"]
        #expect(RequesterAdoption.decide(for: resolved, openRuns: [resolved, bob], coalescedInto: []) == nil)
        var running = waiting
        running.status = .running
        #expect(RequesterAdoption.decide(for: running, openRuns: [running, bob], coalescedInto: []) == nil)
    }
}
