import AccessControl
import Catalog
import Foundation
import WarehouseKit

/// How a request was recorded.
public struct EnqueueOutcome: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        /// A new run was queued for it.
        case queued
        /// It merged into a run of the dataset that had not started yet (that run's scope grew).
        case merged
        /// A run in progress already covers it.
        case coalesced
        /// Its Kafka position was recorded before: a redelivery or a replay. Nothing new happens.
        case duplicate
    }

    public var kind: Kind
    /// The request's own row (the new run, or a COALESCED row pointing at `run`); for a duplicate, the row
    /// recorded the first time.
    public var request: RunRecord
    /// The run that does the work.
    public var run: RunRecord

    public init(kind: Kind, request: RunRecord, run: RunRecord) {
        self.kind = kind
        self.request = request
        self.run = run
    }
}

/// A dataset with work due, and whether it must be worked on alone (a suspect run: `CrashGuard`).
public struct DueDataset: Sendable, Equatable {
    public var dataset: DatasetURN
    public var alone: Bool

    public init(_ dataset: DatasetURN, alone: Bool = false) {
        self.dataset = dataset
        self.alone = alone
    }
}

extension RunStore {
    /// A store that keeps no crash bookkeeping: nothing runs alone.
    public func dueDatasets(limit: Int) async throws -> [DueDataset] {
        try await datasetsWithDueWork(limit: limit).map { DueDataset($0) }
    }

    public func clearStoppedAttempts(runID: String) async throws {}
}

/// Work due on a dataset.
public enum RunWork: Sendable, Equatable {
    /// An open run to start or resume.
    case run(RunRecord)
    /// A finished run whose DataHub write-back is pending.
    case writeBack(RunRecord)
}

/// The durable run ledger: every request, every run and its progress, and the write-back outbox.
///
/// Implemented over PostgreSQL by `RunLedger`; the executor and worker only see this protocol.
public protocol RunStore: Sendable {
    /// Records a request, atomically per dataset: it joins an open run that covers it (COALESCED), merges into a
    /// queued run, or queues a new run. A Kafka position is recorded at most once.
    func enqueue(_ request: RunRequest) async throws -> EnqueueOutcome
    func record(_ runID: String) async throws -> RunRecord?
    /// Newest first.
    func records(dataset: DatasetURN?, status: RunStatus?, limit: Int) async throws -> [RunRecord]
    /// Datasets with work due now (open runs, pending write-backs), oldest first.
    func datasetsWithDueWork(limit: Int) async throws -> [DatasetURN]
    /// `datasetsWithDueWork`, each with whether its work must run alone in the process: an open run of it is a
    /// suspect (`CrashGuard`: an attempt stopped with the process gone).
    func dueDatasets(limit: Int) async throws -> [DueDataset]
    /// The careful rows of a suspect run passed (`CrashGuard`): its attempts are ordinary again.
    func clearStoppedAttempts(runID: String) async throws
    /// The dataset's next due work: its oldest pending write-back first, else its oldest open run.
    func nextWork(dataset: DatasetURN) async throws -> RunWork?
    /// Saves an attempt's outcome: the run's state, and the attempt over; `retryIn` sets when its open run or pending
    /// write-back is next due (nil: now).
    func save(_ record: RunRecord, retryIn: Duration?) async throws
    /// Saves a run's state during its attempt (its plan, before any row changes): the attempt stays marked as working,
    /// so a process that dies from now on is known to have stopped it (`CrashGuard`).
    func saveDuringAttempt(_ record: RunRecord) async throws
    /// Saves the outcome of a write-back attempt of `record`: its write-back fields alone, and its state only if
    /// no other write-back was asked for while it was published (`WriteBack.revision` unchanged); else the
    /// write-back stays pending, due after `retryIn` (nil: now), so the newer state is shown too.
    func saveWriteBack(_ record: RunRecord, retryIn: Duration?) async throws
    /// Starts an attempt of `run`: one more attempt and its start time, recorded atomically, and the ledger's row
    /// returned, so a request merged into the queued run up to this moment is part of the attempt (and none merges
    /// until the attempt's record is saved again: `EnqueuePlan` merges only into runs no attempt is working on).
    func beginAttempt(_ run: RunRecord) async throws -> RunRecord
    /// For a run waiting for its requester (`RequesterAdoption.applies`): applies `RequesterAdoption`, atomically
    /// per dataset, so the run takes the requester of a request recorded while its attempt began, and the queued
    /// runs behind it merge into it (COALESCED). Returns the run as saved, or nil when no request names a requester.
    func adoptRequester(_ run: RunRecord) async throws -> RunRecord?
    /// Saves a running run's progress (rows, batches, last key, pace) alone.
    func saveProgress(runID: String, _ progress: RunProgress) async throws
    /// The newest tokenizing run of a dataset: not a COALESCED request, a verification or a plan.
    func latestRun(dataset: DatasetURN) async throws -> RunRecord?
    /// Applies an approval to the dataset's runs awaiting one, atomically per dataset: `judge` decides each
    /// (`RunRecord.judged`), and the approval is recorded with its outcome. A Kafka position is applied at
    /// most once.
    func approve(_ approval: ApprovalRequest, judge: @Sendable (RunRecord) -> ApprovalVerdict) async throws -> ApprovalOutcome
    /// Appends an event to the run's audit trail (hash-chained to the one before). `enqueue` and `approve` record
    /// theirs themselves, in their own transaction.
    func appendEvent(_ event: RunEvent) async throws
    /// A run's audit trail, in order.
    func events(runID: String) async throws -> [StoredRunEvent]
    /// Events recorded at or after `since` (at most `limit`), oldest first.
    func events(since: Date, limit: Int) async throws -> [StoredRunEvent]
}

/// A held dataset lock.
public protocol DatasetLease: Sendable {
    /// Throws when the lock was lost (its connection went away): stop working on the dataset.
    func check() async throws
}

/// One worker per dataset, across processes.
public protocol DatasetLocking: Sendable {
    /// Runs `body` holding the dataset's lock; returns nil at once, without running it, when another process
    /// holds the lock.
    func withLock<T: Sendable>(dataset: DatasetURN, _ body: (any DatasetLease) async throws -> T) async throws -> T?
}

/// Where a new request goes, given the dataset's open runs (oldest first). Pure: both stores apply it inside
/// their per-dataset critical section.
public enum EnqueuePlan: Sendable, Equatable {
    /// Grow the scope of this queued run, which has not resolved its columns yet.
    case merge(into: RunRecord)
    /// This run in progress already covers the request.
    case coalesce(into: RunRecord)
    /// Queue a new run.
    case queue

    public static func decide(_ request: RunRequest, openRuns: [RunRecord]) -> EnqueuePlan {
        // A plan and a run never merge: a plan writes no row, and a run is never shrunk into a plan.
        let openRuns = openRuns.filter { ($0.scope.kind == .plan) == (request.scope.kind == .plan) }
        // Only a queued run no attempt is working on takes more scope: an attempt works on the scope it began with.
        if let queued = openRuns.first(where: { $0.status == .queued && $0.columns.isEmpty && !$0.attemptInProgress }) { return .merge(into: queued) }
        // A run that stands for a tag may end STALE when the tag is gone: it covers only requests that do too.
        if let covering = openRuns.first(where: { $0.scope.covers(request.scope) && (request.isTagTrigger || !$0.tagTriggered) }) {
            return .coalesce(into: covering)
        }
        return .queue
    }

    /// A queued run after merging `request` into it.
    public static func merged(_ run: RunRecord, with request: RunRequest) -> RunRecord {
        merged(run, scope: request.scope, tagTriggered: request.isTagTrigger, requestedBy: request.requestedBy)
    }

    /// A queued run after merging a request with this scope, trigger kind and requester into it.
    static func merged(_ run: RunRecord, scope: RunScope, tagTriggered: Bool, requestedBy: String?) -> RunRecord {
        var merged = run
        merged.scope = run.scope.merged(with: scope)
        merged.tagTriggered = run.tagTriggered && tagTriggered
        merged.mode = merged.scope.rekey ? .rekey : .tokenize
        merged.requestedBy = run.requestedBy ?? requestedBy
        return merged
    }
}

extension RunRecord {
    /// The row a new request starts as.
    public init(request: RunRequest, runID: String) {
        self.init(
            runID: runID, dataset: request.dataset, scope: request.scope, source: request.source, requestedBy: request.requestedBy,
            position: request.position, tagTriggered: request.isTagTrigger, mode: request.scope.rekey ? .rekey : .tokenize)
    }
}

extension RunStore {
    /// The newest of the dataset's latest `limit` runs that `matches`, read a few at a time (4, then 20, then all):
    /// the run wanted is nearly always among the newest, and every record read is decoded, so a dataset with a long
    /// history (periodic verification adds a run a day) does not cost its run a hundred decoded records.
    public func latestRecord(dataset: DatasetURN, among limit: Int = 100, where matches: (RunRecord) -> Bool) async throws -> RunRecord? {
        var page = min(4, limit)
        while true {
            let records = try await records(dataset: dataset, status: nil, limit: page)
            if let found = records.first(where: matches) { return found }
            if records.count < page || page >= limit { return nil }
            page = min(limit, page * 5)
        }
    }
}
