import Synchronization
import WarehouseKit

/// A warehouse in memory: tables by name; tokenizing reports one batch per call (or a configured failure),
/// and records each request.
public final class InMemoryWarehouse: Warehouse {
    public struct State: Sendable {
        public var tables: [TableReference: TableDescription] = [:]
        public var requests: [TokenizationRequest] = []
        /// Tables described (read from the catalog), in order.
        public var described: [TableReference] = []
        /// Thrown by `tokenize` while set.
        public var failure: WarehouseError?
        public var rowsPerRun = 3
        /// What `sample` returns, by table and column.
        public var samples: [TableReference: [String: [String?]]] = [:]
        /// Every verification asked for, in order.
        public var verifications: [VerificationRequest] = []
    }

    public let state = Mutex(State())
    /// Waited on inside `tokenize` when set: tests control when runs end.
    public let gate = Mutex<(@Sendable () async -> Void)?>(nil)

    public init(tables: [TableDescription] = []) {
        state.withLock { state in
            for table in tables { state.tables[table.table] = table }
        }
    }

    public var requests: [TokenizationRequest] { state.withLock { $0.requests } }
    public var described: [TableReference] { state.withLock { $0.described } }
    public var verifications: [VerificationRequest] { state.withLock { $0.verifications } }

    public func describe(_ table: TableReference) async throws(WarehouseError) -> TableDescription {
        let found = state.withLock { state in
            state.described.append(table)
            return state.tables[table]
        }
        guard let found else { throw WarehouseError(.tableNotFound, "table \(table) was not found", table: table) }
        return found
    }

    /// Plaintext values the next verifications report (an application wrote them); tokens otherwise.
    public let plaintextLeft = Mutex(0)

    /// Verifications answer like a warehouse that records marks: a clean one returns `mark-<n>` (n counts
    /// verifications), and one given a mark reports the rows written since (`plaintextLeft`) as the only ones checked.
    public func verify(_ request: VerificationRequest) async throws(WarehouseError) -> VerificationReport {
        let count = state.withLock { state in
            state.verifications.append(request)
            return state.verifications.count
        }
        // A table given sample values is counted from them (nothing in them is a token yet).
        if let stored = state.withLock({ $0.samples[request.table.table] }) {
            let rows = stored.values.map(\.count).max() ?? 0
            return VerificationReport(
                rows: rows,
                columns: request.columns.map { column in
                    let values = stored[column.name] ?? []
                    let empty = values.filter { ($0 ?? "").isEmpty }.count + (rows - values.count)
                    return ColumnVerification(column: column.name, scheme: column.scheme, empty: empty, tokens: 0, plaintext: rows - empty)
                })
        }
        let left = plaintextLeft.withLock { $0 }
        let rows = state.withLock { $0.rowsPerRun }
        return VerificationReport(
            rows: rows + left,
            columns: request.columns.enumerated().map { index, column in
                ColumnVerification(
                    column: column.name, scheme: column.scheme, empty: 0, tokens: rows, plaintext: index == 0 ? left : 0,
                    plaintextKeys: index == 0 && left > 0 ? ["42"] : [])
            },
            watermark: left == 0 ? "mark-\(count)" : nil, rowsCheckedSince: request.since == nil ? nil : left)
    }

    public func sample(_ table: TableDescription, columns: [String], rows: Int) async throws(WarehouseError) -> TableSample {
        let stored = state.withLock { $0.samples[table.table] ?? [:] }
        let values = Dictionary(uniqueKeysWithValues: columns.map { ($0, Array((stored[$0] ?? []).prefix(rows))) })
        let count = values.values.map(\.count).max() ?? 0
        return TableSample(values: values, rows: count, estimatedRows: count, method: "every row")
    }

    public func cleanUp(_ table: TableReference) async throws(WarehouseError) -> Residue {
        Residue(done: "cleaned", remaining: "nowhere else")
    }

    public func tokenize(_ request: TokenizationRequest, progress: any ProgressSink) async throws(WarehouseError) -> TokenizationOutcome {
        let (failure, rows) = state.withLock { state in
            state.requests.append(request)
            return (state.failure, state.rowsPerRun)
        }
        if let wait = gate.withLock({ $0 }) { await wait() }
        if let failure { throw failure }
        await progress.progressed(TokenizationProgress(rowsUpdated: rows, batches: 1))
        return TokenizationOutcome(rowsUpdated: rows, batches: 1)
    }

    public func ping() async -> Bool { true }
}
