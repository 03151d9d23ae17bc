import AccessControl
import Catalog
import Foundation
import KafkaModel
import Runs
import Synchronization
import WarehouseKit

/// The run ledger in memory, with the same enqueue rules as the PostgreSQL ledger (`EnqueuePlan`).
public final class InMemoryRunStore: RunStore {
    private struct State {
        var runs: [String: RunRecord] = [:]
        var order: [String] = []
        var dueAt: [String: ContinuousClock.Instant] = [:]
        var approvalPositions: Set<KafkaPosition> = []
        var events: [StoredRunEvent] = []

        mutating func append(_ event: RunEvent) {
            events.append(AuditChain.next(after: events.last { $0.runID == event.runID }, event, at: Date()))
        }
        var approvals: [(approver: String, run: String?, verdict: ApprovalVerdict)] = []
    }

    private let state = Mutex(State())
    /// When set, every call throws it (the ledger is down).
    public let failure = Mutex<(any Error)?>(nil)

    /// While true, `datasetsWithDueWork` waits (until cancelled) before it answers, as a poll does while PostgreSQL
    /// is unreachable.
    public let stallsPolls = Mutex(false)
    /// How many records `records(dataset:status:limit:)` has returned (each one a decoded row in the real ledger).
    public let recordsRead = Mutex(0)

    public init() {}

    private func check() throws {
        if let error = failure.withLock({ $0 }) { throw error }
    }

    public var all: [RunRecord] { state.withLock { state in state.order.compactMap { state.runs[$0] } } }

    public func enqueue(_ request: RunRequest) async throws -> EnqueueOutcome {
        try check()
        return state.withLock { state in
            if let position = request.position, let seen = state.order.compactMap({ state.runs[$0] }).first(where: { $0.position == position }) {
                return EnqueueOutcome(kind: .duplicate, request: seen, run: seen.coalescedInto.flatMap { state.runs[$0] } ?? seen)
            }
            let open = state.order.compactMap { state.runs[$0] }.filter { $0.dataset == request.dataset && $0.status.isOpen }
            var row = RunRecord(request: request, runID: UUID().uuidString.lowercased())
            func insert(_ record: RunRecord) {
                state.runs[record.runID] = record
                state.order.append(record.runID)
                state.dueAt[record.runID] = .now
            }
            switch EnqueuePlan.decide(request, openRuns: open) {
            case .merge(let queued):
                let merged = EnqueuePlan.merged(queued, with: request)
                state.runs[merged.runID] = merged
                row.status = .coalesced
                row.coalescedInto = merged.runID
                insert(row)
                let outcome = EnqueueOutcome(kind: .merged, request: row, run: merged)
                state.append(RunEvent(requestedBy: request, outcome: outcome))
                return outcome
            case .coalesce(let covering):
                row.status = .coalesced
                row.coalescedInto = covering.runID
                insert(row)
                let outcome = EnqueueOutcome(kind: .coalesced, request: row, run: covering)
                state.append(RunEvent(requestedBy: request, outcome: outcome))
                return outcome
            case .queue:
                insert(row)
                let outcome = EnqueueOutcome(kind: .queued, request: row, run: row)
                state.append(RunEvent(requestedBy: request, outcome: outcome))
                return outcome
            }
        }
    }

    public func record(_ runID: String) async throws -> RunRecord? {
        try check()
        return state.withLock { $0.runs[runID] }
    }

    public func records(dataset: DatasetURN?, status: RunStatus?, limit: Int) async throws -> [RunRecord] {
        try check()
        let records = Array(
            all.reversed().filter { ($0.dataset == dataset || dataset == nil) && ($0.status == status || status == nil) }.prefix(limit))
        recordsRead.withLock { $0 += records.count }
        return records
    }

    private func isDue(_ record: RunRecord) -> Bool { record.isRunnable || record.writeBack.state == .pending }

    public func datasetsWithDueWork(limit: Int) async throws -> [DatasetURN] {
        try check()
        let due = state.withLock { state in
            var datasets: [DatasetURN] = []
            for id in state.order {
                guard let record = state.runs[id], isDue(record), state.dueAt[id, default: .now] <= .now, !datasets.contains(record.dataset) else {
                    continue
                }
                datasets.append(record.dataset)
            }
            return Array(datasets.prefix(limit))
        }
        // The answer is read first and delivered late, as from a database that stalls after the read.
        while stallsPolls.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        return due
    }

    public func nextWork(dataset: DatasetURN) async throws -> RunWork? {
        try check()
        return state.withLock { state in
            let candidates = state.order.compactMap { state.runs[$0] }.filter { $0.dataset == dataset && isDue($0) }
            guard let next = candidates.first(where: { $0.writeBack.state == .pending }) ?? candidates.first,
                state.dueAt[next.runID, default: .now] <= .now
            else { return nil }
            return next.writeBack.state == .pending ? .writeBack(next) : .run(next)
        }
    }

    public func beginAttempt(_ run: RunRecord) async throws -> RunRecord {
        try check()
        return state.withLock { state in
            var current = state.runs[run.runID] ?? run
            current.attempts += 1
            current.attemptInProgress = true
            if current.startedAt == nil { current.startedAt = Date() }
            state.runs[run.runID] = current
            return current
        }
    }

    public func adoptRequester(_ run: RunRecord) async throws -> RunRecord? {
        try check()
        return state.withLock { state in
            let rows = state.order.compactMap { state.runs[$0] }.filter { $0.dataset == run.dataset }
            guard let current = state.runs[run.runID],
                let adoption = RequesterAdoption.decide(
                    for: current, openRuns: rows.filter(\.status.isOpen), coalescedInto: rows.filter { $0.coalescedInto == run.runID })
            else { return nil }
            state.runs[run.runID] = adoption.run
            for queued in adoption.absorbed {
                state.runs[queued.runID]?.status = .coalesced
                state.runs[queued.runID]?.coalescedInto = run.runID
                state.runs[queued.runID]?.details = adoption.absorbedDetails
            }
            for event in adoption.events { state.append(event) }
            return adoption.run
        }
    }

    public func save(_ record: RunRecord, retryIn: Duration?) async throws {
        try await save(record, retryIn: retryIn, attempting: false)
    }

    public func saveDuringAttempt(_ record: RunRecord) async throws {
        try await save(record, retryIn: nil, attempting: true)
    }

    private func save(_ record: RunRecord, retryIn: Duration?, attempting: Bool) async throws {
        try check()
        state.withLock { state in
            var saved = record
            saved.attemptInProgress = attempting
            if let existing = state.runs[record.runID] {
                saved.rowsUpdated = max(existing.rowsUpdated, record.rowsUpdated)
                saved.batches = max(existing.batches, record.batches)
                // As in PostgreSQL: only an approval writes who approved.
                saved.approvedBy = existing.approvedBy
                saved.approvedAt = existing.approvedAt
            }
            // As in PostgreSQL: progress is written by saveProgress alone and kept only while RUNNING.
            saved.progress = saved.status == .running ? state.runs[record.runID]?.progress : nil
            state.runs[record.runID] = saved
            state.dueAt[record.runID] = .now + (retryIn ?? .zero)
        }
    }

    public func saveWriteBack(_ record: RunRecord, retryIn: Duration?) async throws {
        try check()
        state.withLock { state in
            guard let current = state.runs[record.runID] else { return }
            var saved = current
            saved.writeBack = record.writeBack
            saved.writeBack.revision = current.writeBack.revision
            if current.writeBack.revision != record.writeBack.revision { saved.writeBack.state = .pending }
            state.runs[record.runID] = saved
            state.dueAt[record.runID] = .now + (retryIn ?? .zero)
        }
    }

    public func saveProgress(runID: String, _ progress: RunProgress) async throws {
        try check()
        state.withLock { state in
            guard var record = state.runs[runID] else { return }
            record.rowsUpdated = max(record.rowsUpdated, progress.rowsChanged)
            record.batches = max(record.batches, progress.batches)
            record.plannedBatches = progress.plannedBatches ?? record.plannedBatches
            record.progress = record.status == .running ? progress : nil
            state.runs[runID] = record
        }
    }

    public func latestRun(dataset: DatasetURN) async throws -> RunRecord? {
        try check()
        return all.last { $0.dataset == dataset && $0.status != .coalesced && $0.scope.kind == .tokenize }
    }

    public func approve(_ approval: ApprovalRequest, judge: @Sendable (RunRecord) -> ApprovalVerdict) async throws -> ApprovalOutcome {
        try check()
        return state.withLock { state in
            if let position = approval.position, !state.approvalPositions.insert(position).inserted {
                return ApprovalOutcome(duplicate: true, decisions: [])
            }
            let waiting = state.order.compactMap { state.runs[$0] }.filter {
                $0.dataset == approval.dataset && $0.status == .awaitingApproval && $0.approvedBy == nil
            }
            var decisions: [ApprovalOutcome.Decision] = []
            for run in waiting {
                let verdict = judge(run)
                let judged = run.judged(verdict, by: approval.approver, at: Date())
                state.runs[run.runID] = judged
                state.dueAt[run.runID] = .now
                state.approvals.append((approval.approver, run.runID, verdict))
                state.append(RunEvent(approval: approval, verdict: verdict, runID: run.runID))
                decisions.append(.init(run: judged, verdict: verdict))
            }
            if waiting.isEmpty { state.approvals.append((approval.approver, nil, .refused("no run was awaiting approval"))) }
            return ApprovalOutcome(duplicate: false, decisions: decisions)
        }
    }

    public func appendEvent(_ event: RunEvent) async throws {
        try check()
        state.withLock { $0.append(event) }
    }

    public func events(runID: String) async throws -> [StoredRunEvent] {
        try check()
        return state.withLock { $0.events.filter { $0.runID == runID } }
    }

    public func events(since: Date, limit: Int) async throws -> [StoredRunEvent] {
        try check()
        let cutoff = RunRecord.utcString(since)
        return state.withLock { Array($0.events.filter { $0.at >= cutoff }.prefix(limit)) }
    }

    /// Makes a postponed item due now (tests do not wait out backoffs).
    public func makeEverythingDue() {
        state.withLock { state in
            for id in state.dueAt.keys { state.dueAt[id] = .now }
        }
    }
}

/// Dataset locks within one process.
public final class InMemoryLocks: DatasetLocking {
    private let held = Mutex<Set<DatasetURN>>([])

    /// While true, `datasetsWithDueWork` waits (until cancelled) before it answers, as a poll does while PostgreSQL
    /// is unreachable.
    public let stallsPolls = Mutex(false)

    public init() {}

    public func withLock<T: Sendable>(dataset: DatasetURN, _ body: (any DatasetLease) async throws -> T) async throws -> T? {
        guard held.withLock({ $0.insert(dataset).inserted }) else { return nil }
        defer { _ = held.withLock { $0.remove(dataset) } }
        return try await body(Lease())
    }

    /// Holds a dataset's lock as another process would.
    public func hold(_ dataset: DatasetURN) -> Bool { held.withLock { $0.insert(dataset).inserted } }
    public func release(_ dataset: DatasetURN) { _ = held.withLock { $0.remove(dataset) } }

    struct Lease: DatasetLease {
        func check() async throws {}
    }
}
