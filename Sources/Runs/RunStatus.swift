/// Where a run stands. `QUEUED`, `RUNNING` and `AWAITING_APPROVAL` are open; the rest are final.
public enum RunStatus: String, Sendable, Codable, CaseIterable {
    /// Recorded, not started (or waiting to be retried).
    case queued = "QUEUED"
    /// Started; an interrupted run stays RUNNING until it resumes and finishes.
    case running = "RUNNING"
    case success = "SUCCESS"
    case failed = "FAILED"
    /// The dataset's platform is known but not configured; nothing was changed.
    case skipped = "SKIPPED"
    /// A tag trigger whose tag was gone from DataHub when the run would have started: nothing done or written.
    case stale = "STALE"
    /// A request another run covered; see `coalesced_into`.
    case coalesced = "COALESCED"
    /// The policy wants a second person: the run starts once an approver (not its requester) adds the
    /// approval tag in DataHub.
    case awaitingApproval = "AWAITING_APPROVAL"
    /// Outside the policy (dataset, requester, scheme or rekey): nothing was changed; the reason is recorded.
    case rejected = "REJECTED"
    /// The batches ran, but the verification found plaintext left (an application wrote rows meanwhile): the
    /// trigger stays, and a re-trigger finishes the work.
    case incomplete = "INCOMPLETE"
    /// A plan (dry run) finished: what a run would do is recorded and written to DataHub; no row changed.
    case planned = "PLANNED"

    /// Not final: the run may still change data.
    public var isOpen: Bool { self == .queued || self == .running || self == .awaitingApproval }

    /// Whether the worker takes a run in this status up (and an approved AWAITING_APPROVAL run, see
    /// `RunRecord.isRunnable`).
    public var isRunnable: Bool { self == .queued || self == .running }
}

/// Where a request came from.
public enum RunSource: String, Sendable, Codable {
    /// A tag added in DataHub, heard on the MCL topic.
    case kafka
    /// `POST /trigger`.
    case api
    /// Found by reconciliation: DataHub carries the trigger and no run was recorded for it.
    case reconcile
    /// `tokenize-action run`.
    case cli
    /// The periodic verification (`VERIFY_INTERVAL`).
    case verification
}

/// The DataHub write-back of a finished run: a durable step of its own (the outbox).
public enum WriteBackState: String, Sendable, Codable {
    /// Nothing to write (STALE, COALESCED, or not finished yet).
    case none
    /// To be written; retried with backoff while GMS is unavailable, resumed after a restart.
    case pending
    case done
    /// GMS refused it permanently (a 4xx other than 429); the error is recorded.
    case failed
}
