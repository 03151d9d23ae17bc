import Catalog
import Foundation
import KafkaModel
import Logging
import PostgresNIO
import PostgresSupport
import Runs
import WarehouseKit

/// The run ledger in PostgreSQL (`tokenize_action.runs` in the state database).
public struct PostgresRunStore: RunStore {
    let client: PostgresClient
    /// This process, recorded as the owner of the runs it works on.
    private let owner: String
    let logger: Logger
    /// The tail of each run's audit trail as this store last appended it (`appendEvent`).
    let chainTails = ChainTails()

    public init(client: PostgresClient, owner: String, logger: Logger) {
        self.client = client
        self.owner = owner
        self.logger = logger
    }

    /// Serialises enqueues and approvals of one dataset until the transaction ends.
    func lockDataset(_ dataset: DatasetURN, _ connection: PostgresConnection) async throws {
        var binds = PostgresBindings()
        binds.append(dataset.description)
        try await connection.guardedQuery(
            PostgresQuery(unsafeSQL: LedgerSQL.lockDatasetForEnqueue, binds: binds), logger: logger)
    }

    public func enqueue(_ request: RunRequest) async throws -> EnqueueOutcome {
        let (outcome, requested) = try await recordRequest(request)
        // Committed: the run's next event is one statement after this tail (`appendEvent`).
        if let requested { chainTails.record(requested) }
        return outcome
    }

    /// The enqueue's transaction: its outcome, and the `requested` event it appended (nil for a duplicate).
    private func recordRequest(_ request: RunRequest) async throws -> (EnqueueOutcome, StoredRunEvent?) {
        try await client.guardedTransaction(logger: logger) { connection in
            try await lockDataset(request.dataset, connection)
            if let position = request.position, let seen = try await recordAt(position, connection) {
                let run = try await seen.coalescedInto.asyncMap { try await one(LedgerSQL.Where.runID, [$0], connection) } ?? seen
                return (EnqueueOutcome(kind: .duplicate, request: seen, run: run ?? seen), nil)
            }
            let openRuns = try await many(LedgerSQL.Where.openOfDataset, [request.dataset.description], connection)
            var newRow = RunRecord(request: request, runID: UUID().uuidString.lowercased())
            switch EnqueuePlan.decide(request, openRuns: openRuns) {
            case .merge(let queued):
                let merged = EnqueuePlan.merged(queued, with: request)
                var binds = PostgresBindings()
                binds.append(merged.runID)
                binds.append(RunRow.json(merged.scope))
                binds.append(merged.tagTriggered)
                binds.append(merged.mode.rawValue)
                binds.append(merged.requestedBy)
                // Only while no attempt has begun (`beginAttempt` takes the row lock this re-checks): else a new run.
                var updated = false
                for try await _ in try await connection.guardedQuery(
                    PostgresQuery(unsafeSQL: LedgerSQL.mergeIntoQueued, binds: binds), logger: logger)
                {
                    updated = true
                }
                guard updated else {
                    let inserted = try await insert(newRow, connection)
                    let outcome = EnqueueOutcome(kind: .queued, request: inserted, run: inserted)
                    return (outcome, try await appendEvent(RunEvent(requestedBy: request, outcome: outcome), connection))
                }
                let outcome = EnqueueOutcome(kind: .merged, request: try await insertCoalesced(&newRow, into: merged, connection), run: merged)
                return (outcome, try await appendEvent(RunEvent(requestedBy: request, outcome: outcome), connection))
            case .coalesce(let covering):
                let outcome = EnqueueOutcome(kind: .coalesced, request: try await insertCoalesced(&newRow, into: covering, connection), run: covering)
                return (outcome, try await appendEvent(RunEvent(requestedBy: request, outcome: outcome), connection))
            case .queue:
                let inserted = try await insert(newRow, connection)
                let outcome = EnqueueOutcome(kind: .queued, request: inserted, run: inserted)
                return (outcome, try await appendEvent(RunEvent(requestedBy: request, outcome: outcome), connection))
            }
        }
    }

    private func insertCoalesced(_ row: inout RunRecord, into run: RunRecord, _ connection: PostgresConnection) async throws -> RunRecord {
        row.status = .coalesced
        row.coalescedInto = run.runID
        return try await insert(row, connection)
    }

    private func insert(_ record: RunRecord, _ connection: PostgresConnection) async throws -> RunRecord {
        for try await row in try await connection.guardedQuery(
            PostgresQuery(unsafeSQL: RunRow.insert, binds: RunRow.insertBinds(record)), logger: logger)
        {
            return try RunRow.decode(row)
        }
        return record
    }

    private func recordAt(_ position: KafkaPosition, _ connection: PostgresConnection) async throws -> RunRecord? {
        var binds = PostgresBindings()
        binds.append(position.topic)
        binds.append(position.partition)
        binds.append(position.offset)
        let sql = "\(RunRow.select) WHERE \(LedgerSQL.Where.kafkaPosition)"
        for try await row in try await connection.guardedQuery(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger) {
            return try RunRow.decode(row)
        }
        return nil
    }

    func many(_ predicate: String, _ values: [String], _ connection: PostgresConnection) async throws -> [RunRecord] {
        var binds = PostgresBindings()
        for value in values { binds.append(value) }
        var records: [RunRecord] = []
        for try await row in try await connection.guardedQuery(
            PostgresQuery(unsafeSQL: "\(RunRow.select) WHERE \(predicate)", binds: binds), logger: logger)
        {
            records.append(try RunRow.decode(row))
        }
        return records
    }

    private func one(_ predicate: String, _ values: [String], _ connection: PostgresConnection) async throws -> RunRecord? {
        try await many(predicate, values, connection).first
    }

    public func record(_ runID: String) async throws -> RunRecord? {
        guard UUID(uuidString: runID) != nil else { return nil }
        return try await client.guardedConnection { try await one(LedgerSQL.Where.runID, [runID], $0) }
    }

    public func records(dataset: DatasetURN?, status: RunStatus?, limit: Int) async throws -> [RunRecord] {
        let values = [dataset?.description, status?.rawValue].compactMap { $0 }
        let predicate = LedgerSQL.Where.listing(dataset: dataset != nil, status: status != nil, limit: limit)
        return try await client.guardedConnection { try await many(predicate, values, $0) }
    }

    public func datasetsWithDueWork(limit: Int) async throws -> [DatasetURN] {
        try await dueDatasets(limit: limit).map(\.dataset)
    }

    public func dueDatasets(limit: Int) async throws -> [DueDataset] {
        let rows = try await client.guardedRows(PostgresQuery(unsafeSQL: LedgerSQL.dueDatasets(limit: limit)), logger: logger)
        return try Self.dueDatasets(rows)
    }

    /// The rows of `LedgerSQL.dueDatasets`, decoded outside the async function: Swift 6.3's optimizer crashes
    /// (splitting the coroutine) on a typed `throws(DatasetURNError)` inside it in release builds.
    private static func dueDatasets(_ rows: [PostgresRow]) throws -> [DueDataset] {
        var due: [DueDataset] = []
        for row in rows {
            let (dataset, alone) = try row.decode((String, Bool?).self)
            due.append(DueDataset(try DatasetURN(dataset), alone: alone ?? false))
        }
        return due
    }

    public func nextWork(dataset: DatasetURN) async throws -> RunWork? {
        return try await client.guardedConnection { connection in
            guard let record = try await one(LedgerSQL.Where.nextWork, [dataset.description], connection) else { return nil }
            var binds = PostgresBindings()
            binds.append(record.runID)
            for try await due in try await connection.guardedQuery(
                PostgresQuery(unsafeSQL: LedgerSQL.isDue, binds: binds),
                logger: logger
            ).decode(Bool.self) where !due {
                return nil  // the oldest item waits for its retry time; later ones wait behind it
            }
            return record.writeBack.state == .pending ? .writeBack(record) : .run(record)
        }
    }

    public func save(_ record: RunRecord, retryIn: Duration?) async throws {
        try await client.guardedRows(
            PostgresQuery(unsafeSQL: RunRow.save, binds: RunRow.saveBinds(record, retryIn: retryIn, owner: owner)), logger: logger)
    }

    public func saveDuringAttempt(_ record: RunRecord) async throws {
        try await client.guardedRows(
            PostgresQuery(unsafeSQL: RunRow.save, binds: RunRow.saveBinds(record, retryIn: nil, owner: owner, attempting: true)), logger: logger)
    }

    public func saveWriteBack(_ record: RunRecord, retryIn: Duration?) async throws {
        try await client.guardedRows(
            PostgresQuery(unsafeSQL: RunRow.saveWriteBack, binds: RunRow.saveWriteBackBinds(record, retryIn: retryIn, owner: owner)), logger: logger)
    }

    /// Marks the attempt begun (its row locked meanwhile, so no request merges into it from now on) and applies
    /// `CrashGuard` to how the previous attempt ended: one statement, and a second only after a stopped attempt.
    public func beginAttempt(_ run: RunRecord) async throws -> RunRecord {
        var binds = PostgresBindings()
        binds.append(run.runID)
        binds.append(owner)
        let sql = LedgerSQL.beginAttempt(returning: RunRow.columns(alias: "r"))
        guard let row = try await client.guardedRows(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).first else {
            throw PostgresFailure(.statement, "run \(run.runID) is not in the ledger")
        }
        var record = try RunRow.decode(row)
        let cells = row.makeRandomAccess()
        let width = cells.count
        let previous = CrashGuard.Previous(
            attempting: try cells[width - 6].decode(Bool.self), owner: try cells[width - 5].decode(String?.self),
            batchesAtStart: try cells[width - 4].decode(Int?.self), batches: try cells[width - 3].decode(Int.self),
            stoppedAttempts: Int(try cells[width - 2].decode(Int32.self)), careful: try cells[width - 1].decode(Bool.self))
        let next = CrashGuard.next(after: previous, beganBy: owner)
        if next.stoppedAttempts != previous.stoppedAttempts || next.careful != previous.careful {
            var update = PostgresBindings()
            update.append(run.runID)
            update.append(Int32(next.stoppedAttempts))
            update.append(next.careful)
            try await client.guardedRows(
                PostgresQuery(unsafeSQL: LedgerSQL.setStoppedAttempts, binds: update),
                logger: logger)
        }
        record.stoppedAttempts = next.stoppedAttempts > 0 ? next.stoppedAttempts : nil
        record.careful = next.careful
        return record
    }

    /// The careful rows of a suspect run passed (`CrashGuard`): its attempts are ordinary again.
    public func clearStoppedAttempts(runID: String) async throws {
        var binds = PostgresBindings()
        binds.append(runID)
        try await client.guardedRows(
            PostgresQuery(unsafeSQL: LedgerSQL.clearStoppedAttempts, binds: binds), logger: logger)
    }

    public func saveProgress(runID: String, _ progress: RunProgress) async throws {
        var binds = PostgresBindings()
        binds.append(runID)
        binds.append(Int64(progress.rowsChanged))
        binds.append(progress.batches)
        binds.append(progress.currentKey)
        binds.append(progress.plannedBatches)
        binds.append(RunRow.json(progress))
        try await client.guardedRows(PostgresQuery(unsafeSQL: LedgerSQL.saveProgress, binds: binds), logger: logger)
    }

    public func latestRun(dataset: DatasetURN) async throws -> RunRecord? {
        try await client.guardedConnection {
            try await one(LedgerSQL.Where.latestRun, [dataset.description], $0)
        }
    }
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
