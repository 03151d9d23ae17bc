import AccessControl
import Catalog
import Foundation
import KafkaModel
import Runs
import Testing
import WarehouseKit

/// The behaviour every `RunStore` must have, run against the in-memory store and the PostgreSQL ledger alike.
public enum RunStoreConformance {
    static func request(_ urn: DatasetURN, _ scope: RunScope, _ source: RunSource = .kafka, offset: Int64? = nil, topic: String) throws -> RunRequest
    {
        RunRequest(
            dataset: urn, scope: scope, source: source, position: offset.map { KafkaPosition(topic: topic, partition: 0, offset: $0) },
            requestedBy: "urn:li:corpuser:alice")
    }

    /// Requests join, merge into, or queue behind a dataset's open run; a Kafka position is recorded once.
    /// `datasets` are two URNs no other test uses; `topic` a topic name no other test uses.
    public static func enqueueRules(_ store: any RunStore, datasets: (DatasetURN, DatasetURN), topic: String) async throws {
        let (customers, orders) = datasets
        let first = try await store.enqueue(try request(customers, RunScope(datasetLevel: true), offset: 1, topic: topic))
        #expect(first.kind == .queued && first.run.status == .queued && first.run.tagTriggered)
        let field = try await store.enqueue(try request(customers, RunScope(triggerFields: ["email"]), offset: 2, topic: topic))
        #expect(field.kind == .merged && field.run.runID == first.run.runID && field.request.status == .coalesced)
        #expect(field.request.coalescedInto == first.run.runID)
        #expect(try await store.record(first.run.runID)?.scope == RunScope(datasetLevel: true, triggerFields: ["email"]))
        var running = try #require(try await store.record(first.run.runID))
        running.status = .running
        running.columns = ["email"]
        running.schemes = ["email": .hmac]
        try await store.save(running, retryIn: nil)
        let covered = try await store.enqueue(try request(customers, RunScope(datasetLevel: true), offset: 3, topic: topic))
        #expect(covered.kind == .coalesced && covered.run.runID == first.run.runID)
        let followUp = try await store.enqueue(try request(customers, RunScope(triggerFields: ["phone"]), offset: 4, topic: topic))
        #expect(followUp.kind == .queued && followUp.run.runID != first.run.runID)
        let api = try await store.enqueue(try request(customers, .request(columns: ["city"]), .api, topic: topic))
        #expect(api.kind == .merged && api.run.runID == followUp.run.runID && api.run.tagTriggered == false)
        let redelivered = try await store.enqueue(try request(customers, RunScope(triggerFields: ["phone"]), offset: 4, topic: topic))
        #expect(redelivered.kind == .duplicate && redelivered.run.runID == followUp.run.runID)
        let coalescedAgain = try await store.enqueue(try request(customers, RunScope(datasetLevel: true), offset: 3, topic: topic))
        #expect(coalescedAgain.kind == .duplicate && coalescedAgain.run.runID == first.run.runID)
        #expect(try await store.enqueue(try request(orders, RunScope(datasetLevel: true), offset: 5, topic: topic)).kind == .queued)
        let open = try await store.records(dataset: customers, status: nil, limit: 50).filter { $0.status.isOpen }
        #expect(open.count == 2)
    }

    /// Work comes out oldest first, a pending write-back before any run; postponed work waits; progress never
    /// goes backwards.
    public static func workOrder(_ store: any RunStore, dataset: DatasetURN, topic: String) async throws {
        let first = try await store.enqueue(try request(dataset, RunScope(datasetLevel: true), offset: 1, topic: topic)).run
        #expect(try await store.nextWork(dataset: dataset) == .run(first))
        #expect(try await store.datasetsWithDueWork(limit: 100_000).contains(dataset))
        var postponed = first
        postponed.attempts = 1
        postponed.details = "waiting"
        try await store.save(postponed, retryIn: .seconds(3600))
        #expect(try await store.nextWork(dataset: dataset) == nil)
        #expect(!(try await store.datasetsWithDueWork(limit: 100_000).contains(dataset)))
        var running = postponed
        running.status = .running
        try await store.save(running, retryIn: .seconds(3600))
        let progress = RunProgress(
            batches: 2, plannedBatches: 4, rowsChanged: 2, estimatedRows: 8, currentKey: "2", rowsPerSecond: 1, percent: 50, etaSeconds: 2,
            updatedAt: Date(timeIntervalSince1970: 1_800_000_000))
        try await store.saveProgress(runID: running.runID, progress)
        #expect(try await store.record(running.runID)?.progress == progress, "a running run shows its progress")
        var done = postponed
        done.status = .success
        done.rowsUpdated = 5
        done.writeBack.state = .pending
        try await store.save(done, retryIn: nil)
        try await store.saveProgress(runID: done.runID, RunProgress(batches: 1, rowsChanged: 3))
        let next = try await store.nextWork(dataset: dataset)
        guard case .writeBack(let pending) = next else {
            Issue.record("expected the write-back, got \(String(describing: next))")
            return
        }
        #expect(pending.rowsUpdated == 5, "progress never goes backwards")
        #expect(pending.progress == nil, "a finished run shows no progress")
        #expect(try await store.latestRun(dataset: dataset)?.runID == first.runID)
        done.writeBack.state = .done
        try await store.save(done, retryIn: nil)
        #expect(try await store.nextWork(dataset: dataset) == nil)
    }

    /// An approval is applied to the dataset's runs awaiting one, once per Kafka position; a refused approval
    /// is explained and republished; only an approval writes who approved (a later save cannot undo it), and
    /// an approved run becomes due.
    public static func approvals(_ store: any RunStore, dataset: DatasetURN, topic: String) async throws {
        let queued = try await store.enqueue(try request(dataset, RunScope(datasetLevel: true), offset: 1, topic: topic)).run
        var waiting = queued
        waiting.status = .awaitingApproval
        waiting.columns = ["email"]
        waiting.schemes = ["email": .hmac]
        waiting.details = "waiting for an approver"
        waiting.writeBack.state = .done
        try await store.save(waiting, retryIn: nil)
        #expect(try await store.nextWork(dataset: dataset) == nil, "a run awaiting approval is not due")
        let covered = try await store.enqueue(try request(dataset, RunScope(datasetLevel: true), offset: 2, topic: topic))
        #expect(covered.kind == .coalesced && covered.run.runID == queued.runID, "a covered request joins the waiting run")

        let urn = dataset
        func approval(_ who: String, _ offset: Int64) -> ApprovalRequest {
            ApprovalRequest(dataset: urn, approver: who, position: KafkaPosition(topic: topic, partition: 0, offset: offset))
        }
        let refused = try await store.approve(approval("urn:li:corpuser:alice", 3)) { _ in .refused("alice requested it") }
        #expect(!refused.duplicate && refused.decisions.map(\.verdict) == [.refused("alice requested it")])
        var record = try #require(try await store.record(queued.runID))
        #expect(record.status == .awaitingApproval && record.approvedBy == nil && record.details == "approval ignored: alice requested it")
        #expect(record.writeBack.state == .pending, "shown again in DataHub")
        record.writeBack.state = .done
        try await store.save(record, retryIn: nil)

        let approved = try await store.approve(approval("urn:li:corpuser:carol", 4)) { run in
            run.requestedBy == "urn:li:corpuser:alice" ? .approved : .refused("unexpected requester")
        }
        #expect(approved.decisions.map(\.verdict) == [.approved])
        #expect(try await store.approve(approval("urn:li:corpuser:carol", 4)) { _ in .approved }.duplicate)
        try await store.save(record, retryIn: nil)  // a stale copy without the approval
        record = try #require(try await store.record(queued.runID))
        #expect(record.approvedBy == "urn:li:corpuser:carol" && record.approvedAt != nil && record.isRunnable)
        #expect(try await store.nextWork(dataset: dataset) == .run(record))
        let nothing = try await store.approve(approval("urn:li:corpuser:carol", 5)) { _ in .approved }
        #expect(!nothing.duplicate && nothing.decisions.isEmpty, "nothing else awaits approval")
    }

    /// An approval ignored while the run's write-back is being published: the write-back's outcome is saved
    /// without undoing it (its details stay, the run stays pending, due now), and the next write-back, which
    /// shows the ignored approval, finishes. A write-back that fails meanwhile keeps its retry delay.
    public static func writeBackAskedForWhilePublishing(_ store: any RunStore, dataset: DatasetURN, topic: String) async throws {
        var waiting = try await store.enqueue(try request(dataset, RunScope(datasetLevel: true), offset: 1, topic: topic)).run
        waiting.status = .awaitingApproval
        waiting.details = "waiting for an approver"
        waiting.writeBack.state = .pending
        try await store.save(waiting, retryIn: nil)
        guard case .writeBack(var published) = try await store.nextWork(dataset: dataset) else {
            Issue.record("the pending write-back is not due")
            return
        }
        let urn = dataset
        let approval = ApprovalRequest(
            dataset: urn, approver: "urn:li:corpuser:alice", position: KafkaPosition(topic: topic, partition: 0, offset: 2))
        _ = try await store.approve(approval) { _ in .refused("alice requested it") }

        published.writeBack.attempts += 1
        published.writeBack.state = .done  // what the worker saves after publishing the copy it read
        try await store.saveWriteBack(published, retryIn: nil)
        var record = try #require(try await store.record(waiting.runID))
        #expect(record.details == "approval ignored: alice requested it", "the write-back's save undid the approval's details")
        #expect(record.writeBack.state == .pending && record.writeBack.attempts == 1, "the ignored approval is never shown")
        guard case .writeBack(let next) = try await store.nextWork(dataset: dataset) else {
            Issue.record("the write-back asked for meanwhile is not due now")
            return
        }
        #expect(next.details == record.details)

        var failing = next
        failing.writeBack.attempts += 1
        failing.writeBack.error = "HTTP 503"
        _ = try await store.approve(
            ApprovalRequest(dataset: urn, approver: "urn:li:corpuser:alice", position: KafkaPosition(topic: topic, partition: 0, offset: 3))
        ) { _ in .refused("alice asked again") }
        try await store.saveWriteBack(failing, retryIn: .seconds(3600))
        #expect(try await store.nextWork(dataset: dataset) == nil, "a write-back that failed waits for its retry, asked for again or not")
        record = try #require(try await store.record(waiting.runID))
        #expect(record.writeBack.state == .pending && record.writeBack.error == "HTTP 503" && record.details == "approval ignored: alice asked again")

        var finished = record
        finished.writeBack.state = .done
        finished.writeBack.error = nil
        try await store.saveWriteBack(finished, retryIn: nil)
        record = try #require(try await store.record(waiting.runID))
        #expect(record.writeBack.state == .done && record.status == .awaitingApproval && record.details == "approval ignored: alice asked again")
        #expect(try await store.nextWork(dataset: dataset) == nil)
    }

    /// A request is recorded in the run's trail with the enqueue; appended events chain by hash, in order; a
    /// merged request lands on the run it joined.
    public static func auditTrail(_ store: any RunStore, dataset: DatasetURN, topic: String) async throws {
        let since = Date().addingTimeInterval(-1)
        let run = try await store.enqueue(try request(dataset, RunScope(datasetLevel: true), offset: 1, topic: topic)).run
        let merged = try await store.enqueue(try request(dataset, RunScope(triggerFields: ["email"]), offset: 2, topic: topic))
        #expect(merged.kind == .merged)
        try await store.appendEvent(RunEvent(runID: run.runID, kind: .resolved, data: ["columns": "email (hmac)"]))
        try await store.appendEvent(RunEvent(runID: run.runID, kind: .finished, data: ["status": "SUCCESS"]))
        let events = try await store.events(runID: run.runID)
        #expect(events.map(\.kind) == ["requested", "requested", "resolved", "finished"])
        #expect(events.map(\.sequence) == [1, 2, 3, 4])
        #expect(events[0].data.contains("\"recorded_as\":\"queued\"") && events[1].data.contains("\"recorded_as\":\"merged\""))
        #expect(AuditChain.problems(events).isEmpty)
        let recent = try await store.events(since: since, limit: 1000).filter { $0.runID == run.runID }
        #expect(recent == events)
    }

    /// A reconciled run without a requester takes the requester of a request queued behind it while its attempt
    /// began, and that request merges into it; with no such request nothing changes.
    public static func requesterAdoption(_ store: any RunStore, datasets: (DatasetURN, DatasetURN), topic: String) async throws {
        let (customers, orders) = datasets
        var reconcile = try request(customers, RunScope(datasetLevel: true), .reconcile, topic: topic)
        reconcile.requestedBy = nil
        let run = try await store.enqueue(reconcile).run
        let begun = try await store.beginAttempt(run)
        let kafka = try await store.enqueue(try request(customers, RunScope(triggerFields: ["email"]), offset: 1, topic: topic))
        #expect(kafka.kind == .queued, "an attempt was beginning: no merge")
        try await store.save(begun, retryIn: nil)
        let postponed = try #require(try await store.record(run.runID))
        let adopted = try #require(try await store.adoptRequester(postponed))
        #expect(adopted.requestedBy == "urn:li:corpuser:alice" && adopted.scope == RunScope(datasetLevel: true, triggerFields: ["email"]))
        let saved = try #require(try await store.record(run.runID))
        #expect(saved.requestedBy == adopted.requestedBy && saved.scope == adopted.scope && saved.status == .queued)
        let absorbed = try #require(try await store.record(kafka.run.runID))
        #expect(absorbed.status == .coalesced && absorbed.coalescedInto == run.runID && absorbed.position == kafka.run.position)
        #expect(try await store.adoptRequester(saved) == nil, "it has its requester")
        let redelivered = try await store.enqueue(try request(customers, RunScope(triggerFields: ["email"]), offset: 1, topic: topic))
        #expect(redelivered.kind == .duplicate && redelivered.run.runID == run.runID)
        let trail = try await store.events(runID: run.runID)
        #expect(trail.contains { $0.kind == "policy" && $0.data.contains("requester known") && $0.data.contains(kafka.run.runID) })
        #expect(trail.contains { $0.kind == "requested" && $0.data.contains(kafka.run.runID) && $0.data.contains("\"recorded_as\":\"merged\"") })
        #expect(try await store.events(runID: kafka.run.runID).last?.data.contains("COALESCED") == true)
        #expect(AuditChain.problems(trail).isEmpty)

        var lonely = try request(orders, RunScope(datasetLevel: true), .reconcile, topic: topic)
        lonely.requestedBy = nil
        let waiting = try await store.enqueue(lonely).run
        #expect(try await store.adoptRequester(waiting) == nil, "no request names a requester")
        #expect(try await store.record(waiting.runID)?.requestedBy == nil)
    }
}
