import Foundation
import Runs

/// The erasure ledger: requests, their destinations, their sealed identifiers while open, their audit trail and
/// receipts. PostgreSQL in `RunLedger` (`PostgresErasureStore`).
public protocol ErasureStore: Sendable {
    /// Records a new request with its sealed identifiers, or returns the one already recorded from the same source and
    /// source id (`duplicate`), unchanged.
    func insert(_ record: ErasureRecord, sealed: String) async throws -> (record: ErasureRecord, duplicate: Bool)
    func record(_ id: String) async throws -> ErasureRecord?
    /// Requests by due date, soonest first.
    func records(status: ErasureStatus?, dueBefore: Date?, limit: Int) async throws -> [ErasureRecord]
    /// Open requests whose next attempt is due, soonest due date first, each leased to this process for `lease`
    /// (another replica skips them meanwhile), with their sealed identifiers.
    func claimDue(limit: Int, lease: Duration) async throws -> [(record: ErasureRecord, sealed: String?)]
    /// Extends the lease of requests this process works on (a heartbeat: a process killed stops renewing, and its
    /// requests are taken again once their lease ends).
    func renew(_ ids: [String], lease: Duration) async throws
    /// Saves a request's state; the next attempt after `retryIn` (nil: not before its lease ends).
    func save(_ record: ErasureRecord, retryIn: Duration?) async throws
    /// Saves many requests at once, each due again after its own delay.
    func save(_ records: [(record: ErasureRecord, retryIn: Duration)]) async throws
    /// Saves closed requests (COMPLETE or REJECTED) with their receipts, and deletes their sealed identifiers in the same
    /// statement: from then on only their digests are kept.
    func close(_ closed: [(record: ErasureRecord, receipt: Data?)]) async throws
    /// The signed receipt of a complete request.
    func receipt(_ id: String) async throws -> Data?
    /// Appends to the requests' hash-chained audit trails, in order, in one transaction; returns each request's new tail.
    @discardableResult
    func appendEvents(_ events: [ErasureEvent]) async throws -> [String: StoredRunEvent]
    func events(_ id: String) async throws -> [StoredRunEvent]
    /// Open requests by status, and the due date of the most urgent one.
    func summary() async throws -> ErasureSummary
}

/// An event to append to a request's audit trail.
public struct ErasureEvent: Sendable, Equatable {
    public var id: String
    public var kind: String
    public var data: [String: String]

    public init(_ id: String, _ kind: String, _ data: [String: String]) {
        self.id = id
        self.kind = kind
        self.data = data
    }
}

extension ErasureStore {
    /// Appends one event to a request's audit trail; returns it as stored (its hash).
    @discardableResult
    public func appendEvent(_ id: String, kind: String, data: [String: String]) async throws -> StoredRunEvent {
        guard let stored = try await appendEvents([ErasureEvent(id, kind, data)])[id] else {
            throw ErasureError(.notFound, "no erasure request with id '\(id)'")
        }
        return stored
    }

    public func close(_ record: ErasureRecord, receipt: Data?) async throws { try await close([(record, receipt)]) }
}

/// The open requests, for the metrics and alerts.
public struct ErasureSummary: Sendable, Equatable {
    public var openByStatus: [ErasureStatus: Int]
    public var mostUrgentDue: Date?
    public var overdue: Int

    public init(openByStatus: [ErasureStatus: Int], mostUrgentDue: Date?, overdue: Int) {
        self.openByStatus = openByStatus
        self.mostUrgentDue = mostUrgentDue
        self.overdue = overdue
    }
}
