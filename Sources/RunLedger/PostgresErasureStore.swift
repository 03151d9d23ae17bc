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

    public func close(_ record: ErasureRecord, receipt: Data?) async throws {
        var binds = PostgresBindings()
        binds.append(record.id)
        binds.append(record.status.rawValue)
        binds.append(try ErasureLedgerSQL.json(record))
        binds.append(receipt.map { String(decoding: $0, as: UTF8.self) })
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
    public func appendEvent(_ id: String, kind: String, data: [String: String]) async throws -> StoredRunEvent {
        try await client.guardedTransaction(logger: logger) { connection in
            var binds = PostgresBindings()
            binds.append(id)
            try await connection.guardedQuery(PostgresQuery(unsafeSQL: ErasureLedgerSQL.lockForEvent, binds: binds), logger: logger)
            var last: StoredRunEvent?
            for try await row in try await connection.guardedQuery(PostgresQuery(unsafeSQL: ErasureLedgerSQL.lastEvent, binds: binds), logger: logger)
            {
                last = try Self.event(row)
            }
            let payload = ErasureLedgerSQL.eventJSON(data)
            let sequence = (last?.sequence ?? 0) + 1
            let at = ISO8601DateFormatter().string(from: Date())
            let previous = last?.hash ?? AuditChain.genesis
            let hash = AuditChain.hash(previous: previous, runID: id, sequence: sequence, at: at, kind: kind, data: payload)
            let event = StoredRunEvent(runID: id, sequence: sequence, at: at, kind: kind, data: payload, previousHash: previous, hash: hash)
            var insert = PostgresBindings()
            insert.append(id)
            insert.append(sequence)
            insert.append(at)
            insert.append(kind)
            insert.append(payload)
            insert.append(previous)
            insert.append(hash)
            try await connection.guardedQuery(PostgresQuery(unsafeSQL: ErasureLedgerSQL.appendEvent, binds: insert), logger: logger)
            return event
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
