import Catalog
import Erasures
import Foundation
import Runs
import Synchronization
import WarehouseKit

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
