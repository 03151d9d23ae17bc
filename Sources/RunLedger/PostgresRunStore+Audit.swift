import Foundation
import PostgresNIO
import PostgresSupport
import Runs

/// The audit trail in `tokenize_action.run_events`: append-only (a trigger refuses UPDATE, DELETE and TRUNCATE),
/// hash-chained per run; appends to one run are serialised by an advisory lock.
extension PostgresRunStore {
    private static let eventColumns = "run_id::text, seq, at, kind, data, prev_hash, hash"

    public func appendEvent(_ event: RunEvent) async throws {
        try await client.guardedTransaction(logger: logger) { connection in try await appendEvent(event, connection) }
    }

    /// Appends inside the caller's transaction (an enqueue records its request with the run it joins).
    func appendEvent(_ event: RunEvent, _ connection: PostgresConnection) async throws {
        var lock = PostgresBindings()
        lock.append(event.runID)
        try await connection.guardedQuery(
            PostgresQuery(unsafeSQL: "SELECT pg_advisory_xact_lock(hashtextextended('tokenize-action/events/' || $1, 0))", binds: lock), logger: logger)
        var binds = PostgresBindings()
        binds.append(event.runID)
        let lastSQL = "SELECT \(Self.eventColumns) FROM tokenize_action.run_events WHERE run_id = $1::uuid ORDER BY seq DESC LIMIT 1"
        var last: StoredRunEvent?
        for try await row in try await connection.guardedQuery(PostgresQuery(unsafeSQL: lastSQL, binds: binds), logger: logger) {
            last = try Self.decodeEvent(row)
        }
        let next = AuditChain.next(after: last, event, at: Date())
        var insert = PostgresBindings()
        insert.append(next.runID)
        insert.append(next.sequence)
        insert.append(next.at)
        insert.append(next.kind)
        insert.append(next.data)
        insert.append(next.previousHash)
        insert.append(next.hash)
        let sql = "INSERT INTO tokenize_action.run_events (run_id, seq, at, kind, data, prev_hash, hash) VALUES ($1::uuid, $2, $3, $4, $5, $6, $7)"
        try await connection.guardedQuery(PostgresQuery(unsafeSQL: sql, binds: insert), logger: logger)
    }

    public func events(runID: String) async throws -> [StoredRunEvent] {
        guard UUID(uuidString: runID) != nil else { return [] }
        var binds = PostgresBindings()
        binds.append(runID)
        return try await events("SELECT \(Self.eventColumns) FROM tokenize_action.run_events WHERE run_id = $1::uuid ORDER BY seq", binds)
    }

    public func events(since: Date, limit: Int) async throws -> [StoredRunEvent] {
        var binds = PostgresBindings()
        binds.append(since)
        return try await events(
            "SELECT \(Self.eventColumns) FROM tokenize_action.run_events WHERE recorded_at >= $1 ORDER BY recorded_at, run_id, seq LIMIT \(max(1, limit))",
            binds)
    }

    private func events(_ sql: String, _ binds: PostgresBindings) async throws -> [StoredRunEvent] {
        var events: [StoredRunEvent] = []
        for try await row in try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger) {
            events.append(try Self.decodeEvent(row))
        }
        return events
    }

    private static func decodeEvent(_ row: PostgresRow) throws -> StoredRunEvent {
        let (runID, sequence, at, kind, data, previous, hash) = try row.decode((String, Int, String, String, String, String, String).self)
        return StoredRunEvent(runID: runID, sequence: sequence, at: at, kind: kind, data: data, previousHash: previous, hash: hash)
    }
}
