import Catalog
import Foundation
import PostgresNIO
import PostgresSupport
import Runs
import Synchronization

/// The audit trail in `tokenize_action.run_events`: append-only (a trigger refuses UPDATE, DELETE and TRUNCATE),
/// hash-chained per run; appends to one run are serialised by an advisory lock.
extension PostgresRunStore {

    /// Appends `event` to its run's chain. After this store's previous append to the run, one statement: the event
    /// chained to the tail this store wrote, inserted under the run's lock. When another appender went first, the
    /// primary key (run, sequence) refuses it, and the event is appended after the tail read under the lock.
    public func appendEvent(_ event: RunEvent) async throws {
        if let tail = chainTails.tail(of: event.runID) {
            let next = AuditChain.next(after: tail, event, at: Date())
            do {
                try await client.guardedRows(
                    PostgresQuery(unsafeSQL: LedgerSQL.appendEventAfterKnownTail, binds: Self.insertBinds(next)), logger: logger)
                chainTails.record(next)
                return
            } catch  where PostgresFailure(error).sqlState == "23505" {
                logger.debug("the run's audit trail grew elsewhere; appending after its tail", metadata: ["run_id": "\(event.runID)"])
            }
        }
        let stored = try await client.guardedTransaction(logger: logger) { connection in try await appendEvent(event, connection) }
        chainTails.record(stored)
    }

    private static func insertBinds(_ event: StoredRunEvent) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(event.runID)
        binds.append(event.sequence)
        binds.append(event.at)
        binds.append(event.kind)
        binds.append(event.data)
        binds.append(event.previousHash)
        binds.append(event.hash)
        return binds
    }

    /// Appends inside the caller's transaction (an enqueue records its request with the run it joins).
    @discardableResult
    func appendEvent(_ event: RunEvent, _ connection: PostgresConnection) async throws -> StoredRunEvent {
        var lock = PostgresBindings()
        lock.append(event.runID)
        try await connection.guardedQuery(
            PostgresQuery(unsafeSQL: LedgerSQL.lockRunEvents, binds: lock), logger: logger)
        var binds = PostgresBindings()
        binds.append(event.runID)
        var last: StoredRunEvent?
        for try await row in try await connection.guardedQuery(PostgresQuery(unsafeSQL: LedgerSQL.lastEvent, binds: binds), logger: logger) {
            last = try Self.decodeEvent(row)
        }
        let next = AuditChain.next(after: last, event, at: Date())
        try await connection.guardedQuery(PostgresQuery(unsafeSQL: LedgerSQL.appendEvent, binds: Self.insertBinds(next)), logger: logger)
        return next
    }

    public func events(runID: String) async throws -> [StoredRunEvent] {
        guard UUID(uuidString: runID) != nil else { return [] }
        var binds = PostgresBindings()
        binds.append(runID)
        return try await events(LedgerSQL.eventsOfRun, binds)
    }

    public func events(since: Date, limit: Int) async throws -> [StoredRunEvent] {
        var binds = PostgresBindings()
        binds.append(since)
        return try await events(LedgerSQL.eventsSince(limit: limit), binds)
    }

    private func events(_ sql: String, _ binds: PostgresBindings) async throws -> [StoredRunEvent] {
        var events: [StoredRunEvent] = []
        for row in try await client.guardedRows(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger) {
            events.append(try Self.decodeEvent(row))
        }
        return events
    }

    private static func decodeEvent(_ row: PostgresRow) throws -> StoredRunEvent {
        let (runID, sequence, at, kind, data, previous, hash) = try row.decode((String, Int, String, String, String, String, String).self)
        return StoredRunEvent(runID: runID, sequence: sequence, at: at, kind: kind, data: data, previousHash: previous, hash: hash)
    }
}

/// The last event this store appended to each run (bounded: forgotten all at once past `limit` runs).
final class ChainTails: Sendable {
    private let tails = Mutex<[String: StoredRunEvent]>([:])
    private let limit = 4_096

    func tail(of runID: String) -> StoredRunEvent? { tails.withLock { $0[runID] } }

    func record(_ event: StoredRunEvent) {
        tails.withLock { tails in
            if tails.count >= limit, tails[event.runID] == nil { tails.removeAll(keepingCapacity: true) }
            tails[event.runID] = event
        }
    }
}
