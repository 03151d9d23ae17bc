import Erasures
import Foundation
import Runs
import Synchronization

/// The erasure ledger in memory, for the executor's and the API's tests.
public final class InMemoryErasureStore: ErasureStore {
    public struct Row: Sendable {
        public var record: ErasureRecord
        public var sealed: String?
        public var receipt: Data?
        public var due = Date.distantPast
        public var events: [StoredRunEvent] = []
    }

    public let rows = Mutex<[String: Row]>([:])

    public func insert(_ record: ErasureRecord, sealed: String) async throws -> (record: ErasureRecord, duplicate: Bool) {
        rows.withLock { rows in
            if let existing = rows.values.first(where: { $0.record.source == record.source && $0.record.sourceID == record.sourceID }) {
                return (existing.record, true)
            }
            rows[record.id] = Row(record: record, sealed: sealed)
            return (record, false)
        }
    }

    public func record(_ id: String) async throws -> ErasureRecord? { rows.withLock { $0[id]?.record } }

    public func records(status: ErasureStatus?, dueBefore: Date?, limit: Int) async throws -> [ErasureRecord] {
        rows.withLock { rows in
            Array(rows.values.map(\.record).filter { status == nil || $0.status == status }.sorted { $0.dueAt < $1.dueAt }.prefix(limit))
        }
    }

    public func claimDue(limit: Int, lease: Duration) async throws -> [(record: ErasureRecord, sealed: String?)] {
        rows.withLock { rows in
            let due = rows.values.filter { $0.record.status == .open && $0.due <= Date() }.sorted { $0.record.dueAt < $1.record.dueAt }.prefix(limit)
            for row in due { rows[row.record.id]?.due = Date().addingTimeInterval(TimeInterval(lease.components.seconds)) }
            return due.map { ($0.record, $0.sealed) }
        }
    }

    public func renew(_ ids: [String], lease: Duration) async throws {
        rows.withLock { rows in
            for id in ids where rows[id]?.record.status == .open { rows[id]?.due = Date().addingTimeInterval(TimeInterval(lease.components.seconds)) }
        }
    }

    public func save(_ record: ErasureRecord, retryIn: Duration?) async throws {
        rows.withLock { rows in
            rows[record.id]?.record = record
            if let retryIn { rows[record.id]?.due = Date().addingTimeInterval(TimeInterval(retryIn.components.seconds)) }
        }
    }

    public func save(_ records: [(record: ErasureRecord, retryIn: Duration)]) async throws {
        for (record, retryIn) in records { try await save(record, retryIn: retryIn) }
    }

    public func close(_ closed: [(record: ErasureRecord, receipt: Data?)]) async throws {
        rows.withLock { rows in
            for (record, receipt) in closed {
                rows[record.id]?.record = record
                rows[record.id]?.sealed = nil
                rows[record.id]?.receipt = receipt
            }
        }
    }

    public func receipt(_ id: String) async throws -> Data? { rows.withLock { $0[id]?.receipt } }

    public func appendEvents(_ events: [ErasureEvent]) async throws -> [String: StoredRunEvent] {
        rows.withLock { rows in
            var tails: [String: StoredRunEvent] = [:]
            for event in events where rows[event.id] != nil {
                let last = rows[event.id]?.events.last
                let sequence = (last?.sequence ?? 0) + 1
                let previous = last?.hash ?? AuditChain.genesis
                let data = "\(event.data.sorted { $0.key < $1.key })"
                let hash = AuditChain.hash(previous: previous, runID: event.id, sequence: sequence, at: "t", kind: event.kind, data: data)
                let stored = StoredRunEvent(
                    runID: event.id, sequence: sequence, at: "t", kind: event.kind, data: data, previousHash: previous, hash: hash)
                rows[event.id]?.events.append(stored)
                tails[event.id] = stored
            }
            return tails
        }
    }

    public func events(_ id: String) async throws -> [StoredRunEvent] { rows.withLock { $0[id]?.events ?? [] } }

    public init() {}

    public func summary() async throws -> ErasureSummary {
        rows.withLock { rows in
            let open = rows.values.filter { $0.record.status.isOpen }
            return ErasureSummary(
                openByStatus: Dictionary(grouping: open, by: \.record.status).mapValues(\.count), mostUrgentDue: open.map(\.record.dueAt).min(),
                overdue: open.filter { $0.record.dueAt < Date() }.count)
        }
    }
}
