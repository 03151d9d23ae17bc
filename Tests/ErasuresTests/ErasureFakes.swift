import Catalog
import Erasures
import Foundation
import Runs
import Synchronization
import WarehouseKit

/// The erasure ledger in memory, for the executor's tests.
final class InMemoryErasureStore: ErasureStore {
    struct Row {
        var record: ErasureRecord
        var sealed: String?
        var receipt: Data?
        var due = Date.distantPast
        var events: [StoredRunEvent] = []
    }

    let rows = Mutex<[String: Row]>([:])

    func insert(_ record: ErasureRecord, sealed: String) async throws -> (record: ErasureRecord, duplicate: Bool) {
        rows.withLock { rows in
            if let existing = rows.values.first(where: { $0.record.source == record.source && $0.record.sourceID == record.sourceID }) {
                return (existing.record, true)
            }
            rows[record.id] = Row(record: record, sealed: sealed)
            return (record, false)
        }
    }

    func record(_ id: String) async throws -> ErasureRecord? { rows.withLock { $0[id]?.record } }

    func records(status: ErasureStatus?, dueBefore: Date?, limit: Int) async throws -> [ErasureRecord] {
        rows.withLock { rows in
            Array(rows.values.map(\.record).filter { status == nil || $0.status == status }.sorted { $0.dueAt < $1.dueAt }.prefix(limit))
        }
    }

    func claimDue(limit: Int, lease: Duration) async throws -> [(record: ErasureRecord, sealed: String?)] {
        rows.withLock { rows in
            let due = rows.values.filter { $0.record.status == .open && $0.due <= Date() }.sorted { $0.record.dueAt < $1.record.dueAt }.prefix(limit)
            for row in due { rows[row.record.id]?.due = Date().addingTimeInterval(TimeInterval(lease.components.seconds)) }
            return due.map { ($0.record, $0.sealed) }
        }
    }

    func save(_ record: ErasureRecord, retryIn: Duration?) async throws {
        rows.withLock { rows in
            rows[record.id]?.record = record
            if let retryIn { rows[record.id]?.due = Date().addingTimeInterval(TimeInterval(retryIn.components.seconds)) }
        }
    }

    func close(_ record: ErasureRecord, receipt: Data?) async throws {
        rows.withLock { rows in
            rows[record.id]?.record = record
            rows[record.id]?.sealed = nil
            rows[record.id]?.receipt = receipt
        }
    }

    func receipt(_ id: String) async throws -> Data? { rows.withLock { $0[id]?.receipt } }

    func appendEvent(_ id: String, kind: String, data: [String: String]) async throws -> StoredRunEvent {
        rows.withLock { rows in
            let last = rows[id]?.events.last
            let sequence = (last?.sequence ?? 0) + 1
            let previous = last?.hash ?? AuditChain.genesis
            let hash = AuditChain.hash(
                previous: previous, runID: id, sequence: sequence, at: "t", kind: kind, data: "\(data.sorted { $0.key < $1.key })")
            let event = StoredRunEvent(runID: id, sequence: sequence, at: "t", kind: kind, data: "", previousHash: previous, hash: hash)
            rows[id]?.events.append(event)
            return event
        }
    }

    func events(_ id: String) async throws -> [StoredRunEvent] { rows.withLock { $0[id]?.events ?? [] } }

    func summary() async throws -> ErasureSummary {
        rows.withLock { rows in
            let open = rows.values.filter { $0.record.status.isOpen }
            return ErasureSummary(
                openByStatus: Dictionary(grouping: open, by: \.record.status).mapValues(\.count), mostUrgentDue: open.map(\.record.dueAt).min(),
                overdue: open.filter { $0.record.dueAt < Date() }.count)
        }
    }
}

/// A table of e-mails that can be erased: every `erase` call is recorded.
final class FakeEraser: Warehouse, SubjectEraser {
    struct Call: Equatable {
        var table: String
        var values: Set<String>
        var effect: ErasureEffect
    }

    let tables: Mutex<[String: [String]]>
    let calls = Mutex<[Call]>([])
    /// Thrown by `erase` on these tables.
    let failing = Mutex<[String: WarehouseError]>([:])

    init(tables: [String: [String]]) { self.tables = Mutex(tables) }

    func describe(_ table: TableReference) async throws(WarehouseError) -> TableDescription {
        guard tables.withLock({ $0[table.table] }) != nil else { throw WarehouseError(.tableNotFound, "no table \(table)", table: table) }
        return TableDescription(
            table: table, columns: [.init(name: "id", dataType: "bigint", isText: false), .init(name: "email", dataType: "text", isText: true)])
    }

    func tokenize(_ request: TokenizationRequest, progress: any ProgressSink) async throws(WarehouseError) -> TokenizationOutcome {
        throw WarehouseError(.unsupported, "not in this fake", table: request.table.table)
    }

    func verify(_ request: VerificationRequest) async throws(WarehouseError) -> VerificationReport {
        throw WarehouseError(.unsupported, "not in this fake", table: request.table.table)
    }

    func sample(_ table: TableDescription, columns: [String], rows: Int) async throws(WarehouseError) -> TableSample {
        throw WarehouseError(.unsupported, "not in this fake", table: table.table)
    }

    func cleanUp(_ table: TableReference) async throws(WarehouseError) -> Residue { Residue(done: "cleaned", remaining: "backups") }

    func ping() async -> Bool { true }

    func countMatching(_ table: TableDescription, match: [String], values: [String]) async throws(WarehouseError) -> Int {
        let wanted = Set(values)
        return tables.withLock { $0[table.table.table]?.filter(wanted.contains).count ?? 0 }
    }

    func erase(_ request: SubjectErasureRequest) async throws(WarehouseError) -> SubjectErasureOutcome {
        let name = request.table.table.table
        if let error = failing.withLock({ $0[name] }) { throw error }
        calls.withLock { $0.append(Call(table: name, values: Set(request.values), effect: request.effect)) }
        let wanted = Set(request.values)
        return tables.withLock { tables in
            var byValue: [String: Int] = [:]
            for value in tables[name] ?? [] where wanted.contains(value) { byValue[value, default: 0] += 1 }
            tables[name] = tables[name]?.filter { !wanted.contains($0) }
            return SubjectErasureOutcome(rowsAffected: byValue.values.reduce(0, +), rowsByValue: byValue, remaining: 0, indexed: true)
        }
    }

    func indexed(_ table: TableDescription, columns: [String]) async throws(WarehouseError) -> [String: Bool] {
        Dictionary(uniqueKeysWithValues: columns.map { ($0, true) })
    }
}
