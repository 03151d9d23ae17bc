import Erasures
import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import Runs

/// The erasure ledger in the state database: `tokenize_action.erasures` (one row per request, its state as JSON, its
/// sealed identifiers while open, its receipt once complete) and `tokenize_action.erasure_events` (append-only,
/// hash-chained per request, appends serialised by a row lock on the request).
public struct PostgresErasureStore: ErasureStore {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func insert(_ record: ErasureRecord, sealed: String) async throws -> (record: ErasureRecord, duplicate: Bool) {
        try await client.guardedTransaction(logger: logger) { connection in
            var binds = PostgresBindings()
            binds.append(record.id)
            binds.append(record.status.rawValue)
            binds.append(record.source)
            binds.append(record.sourceID)
            binds.append(record.receivedAt)
            binds.append(record.dueAt)
            binds.append(try ErasureLedgerSQL.json(record))
            binds.append(sealed)
            for try await _ in try await connection.guardedQuery(PostgresQuery(unsafeSQL: ErasureLedgerSQL.insert, binds: binds), logger: logger) {
                return (record, false)
            }
            var existing = PostgresBindings()
            existing.append(record.source)
            existing.append(record.sourceID)
            let rows = try await connection.guardedQuery(PostgresQuery(unsafeSQL: ErasureLedgerSQL.bySource, binds: existing), logger: logger)
            for try await json in rows.decode(String.self) { return (try ErasureLedgerSQL.record(json), true) }
            throw ErasureError(.conflict, "request from \(record.source) \(record.sourceID) neither inserted nor found; send it again")
        }
    }

    public func record(_ id: String) async throws -> ErasureRecord? {
        guard UUID(uuidString: id) != nil else { return nil }
        var binds = PostgresBindings()
        binds.append(id)
        for row in try await client.guardedRows(PostgresQuery(unsafeSQL: ErasureLedgerSQL.byID, binds: binds), logger: logger) {
            return try ErasureLedgerSQL.record(try row.decode(String.self))
        }
        return nil
    }

    public func records(status: ErasureStatus?, dueBefore: Date?, limit: Int) async throws -> [ErasureRecord] {
        var binds = PostgresBindings()
        binds.append(status?.rawValue)
        binds.append(dueBefore)
        binds.append(limit)
        return try await client.guardedRows(PostgresQuery(unsafeSQL: ErasureLedgerSQL.list, binds: binds), logger: logger).map {
            try ErasureLedgerSQL.record(try $0.decode(String.self))
        }
    }

    public func claimDue(limit: Int, lease: Duration) async throws -> [(record: ErasureRecord, sealed: String?)] {
        var binds = PostgresBindings()
        binds.append(limit)
        binds.append(Double(lease.components.seconds))
        return try await client.guardedRows(PostgresQuery(unsafeSQL: ErasureLedgerSQL.claimDue, binds: binds), logger: logger).map { row in
            let (json, sealed) = try row.decode((String, String?).self)
            return (try ErasureLedgerSQL.record(json), sealed)
        }
    }

    public func renew(_ ids: [String], lease: Duration) async throws {
        var binds = PostgresBindings()
        binds.append(ids)
        binds.append(Double(lease.components.seconds))
        try await client.guardedRows(PostgresQuery(unsafeSQL: ErasureLedgerSQL.renew, binds: binds), logger: logger)
    }

    public func save(_ record: ErasureRecord, retryIn: Duration?) async throws {
        var binds = PostgresBindings()
        binds.append(record.id)
        binds.append(record.status.rawValue)
        binds.append(try ErasureLedgerSQL.json(record))
        binds.append(retryIn.map { Double($0.components.seconds) })
        try await client.guardedRows(PostgresQuery(unsafeSQL: ErasureLedgerSQL.save, binds: binds), logger: logger)
    }

    public func save(_ records: [(record: ErasureRecord, retryIn: Duration)]) async throws {
        guard !records.isEmpty else { return }
        var binds = PostgresBindings()
        binds.append(records.map(\.record.id))
        binds.append(records.map(\.record.status.rawValue))
        binds.append(try records.map { try ErasureLedgerSQL.json($0.record) })
        binds.append(records.map { Double($0.retryIn.components.seconds) })
        try await client.guardedRows(PostgresQuery(unsafeSQL: ErasureLedgerSQL.saveMany, binds: binds), logger: logger)
    }

    public func close(_ closed: [(record: ErasureRecord, receipt: Data?)]) async throws {
        guard !closed.isEmpty else { return }
        var binds = PostgresBindings()
        binds.append(closed.map(\.record.id))
        binds.append(closed.map(\.record.status.rawValue))
        binds.append(try closed.map { try ErasureLedgerSQL.json($0.record) })
        binds.append(closed.map { $0.receipt.map { String(decoding: $0, as: UTF8.self) } ?? "" })
        try await client.guardedRows(PostgresQuery(unsafeSQL: ErasureLedgerSQL.close, binds: binds), logger: logger)
    }

    public func receipt(_ id: String) async throws -> Data? {
        guard UUID(uuidString: id) != nil else { return nil }
        var binds = PostgresBindings()
        binds.append(id)
        for row in try await client.guardedRows(PostgresQuery(unsafeSQL: ErasureLedgerSQL.receipt, binds: binds), logger: logger) {
            return try row.decode(String?.self).map { Data($0.utf8) }
        }
        return nil
    }

    @discardableResult
    public func appendEvents(_ events: [ErasureEvent]) async throws -> [String: StoredRunEvent] {
        guard !events.isEmpty else { return [:] }
        let ids = Array(Set(events.map(\.id))).sorted()
        return try await client.guardedTransaction(logger: logger) { connection in
            var binds = PostgresBindings()
            binds.append(ids)
            try await connection.guardedQuery(PostgresQuery(unsafeSQL: ErasureLedgerSQL.lockForEvents, binds: binds), logger: logger)
            var tails: [String: StoredRunEvent] = [:]
            for try await row in try await connection.guardedQuery(
                PostgresQuery(unsafeSQL: ErasureLedgerSQL.lastEvents, binds: binds), logger: logger)
            {
                let event = try Self.event(row)
                tails[event.runID] = event
            }
            let at = ISO8601DateFormatter().string(from: Date())
            var stored: [StoredRunEvent] = []
            for event in events {
                let payload = ErasureLedgerSQL.eventJSON(event.data)
                let last = tails[event.id]
                let sequence = (last?.sequence ?? 0) + 1
                let previous = last?.hash ?? AuditChain.genesis
                let hash = AuditChain.hash(previous: previous, runID: event.id, sequence: sequence, at: at, kind: event.kind, data: payload)
                let next = StoredRunEvent(
                    runID: event.id, sequence: sequence, at: at, kind: event.kind, data: payload, previousHash: previous, hash: hash)
                tails[event.id] = next
                stored.append(next)
            }
            var insert = PostgresBindings()
            insert.append(stored.map(\.runID))
            insert.append(stored.map(\.sequence))
            insert.append(stored.map(\.at))
            insert.append(stored.map(\.kind))
            insert.append(stored.map(\.data))
            insert.append(stored.map(\.previousHash))
            insert.append(stored.map(\.hash))
            try await connection.guardedQuery(PostgresQuery(unsafeSQL: ErasureLedgerSQL.appendEvents, binds: insert), logger: logger)
            return tails.filter { ids.contains($0.key) }
        }
    }

    public func events(_ id: String) async throws -> [StoredRunEvent] {
        guard UUID(uuidString: id) != nil else { return [] }
        var binds = PostgresBindings()
        binds.append(id)
        return try await client.guardedRows(PostgresQuery(unsafeSQL: ErasureLedgerSQL.events, binds: binds), logger: logger).map(Self.event)
    }

    public func summary() async throws -> ErasureSummary {
        var open: [ErasureStatus: Int] = [:]
        var urgent: Date?
        var overdue = 0
        for row in try await client.guardedRows(PostgresQuery(unsafeSQL: ErasureLedgerSQL.summary), logger: logger) {
            let (status, count, due, late) = try row.decode((String, Int64, Date?, Int64).self)
            if let status = ErasureStatus(rawValue: status) { open[status] = Int(count) }
            if let due, urgent.map({ due < $0 }) ?? true { urgent = due }
            overdue += Int(late)
        }
        return ErasureSummary(openByStatus: open, mostUrgentDue: urgent, overdue: overdue)
    }

    private static func event(_ row: PostgresRow) throws -> StoredRunEvent {
        let (id, sequence, at, kind, data, previous, hash) = try row.decode((String, Int, String, String, String, String, String).self)
        return StoredRunEvent(runID: id, sequence: sequence, at: at, kind: kind, data: data, previousHash: previous, hash: hash)
    }
}
