import Logging
import PostgresNIO
import PostgresSupport
import WarehouseKit

extension ServiceSideBatches {
    /// Runs every batch after `start.lastKey`, each in its own transaction, and returns the run's totals.
    ///
    /// With n connections, up to n batches are in flight: each is locked, read, decided and written while the ones
    /// before it are still working, so the service's CPU and the database's overlap, and so do the batches' writes.
    /// Each batch locks only rows after the last key of the batch before it, so they never wait on each other's rows.
    /// The order of commits stays the order of the keys: a batch records itself in the run's progress and commits only
    /// once the batch before it has committed, and rolls back if that one failed, so the progress row only ever moves
    /// forward and an interrupted run resumes after the last committed batch, as with one connection. A stop lets
    /// the batches already locked and decided commit, then ends the run at the boundary after them.
    func run(start: TokenizationProgress, sink: any ProgressSink) async throws -> TokenizationProgress {
        // With triggers skipped, each batch's ALTER TABLE takes a lock the next batch's would wait for: one at a time.
        guard connections.count > 1, request.skip.isEmpty else { return try await runOneByOne(start: start, sink: sink) }
        // A discarding group: a finished batch's task is freed at once. A plain task group keeps every finished child
        // (its task and stack allocation, about 7 KiB) until the group ends, so a run's memory grew with its batches.
        // Children never throw (a batch's error reaches the loop through its `locked` and `committed`), so no batch
        // is cancelled because another failed: the loop reports the failures in order, as before.
        return try await withThrowingDiscardingTaskGroup { group in
            var current = start
            var lower = start.lastKey
            var inFlight: [InFlightBatch] = []  // oldest first
            var index = 0
            func report(_ batch: InFlightBatch) async throws {
                guard let progress = try await batch.committed.value else { return }
                current = progressed(progress, from: current)
                await sink.progressed(current)
            }
            while true {
                // The next batch takes the connection of the oldest in flight, once that one has committed.
                if inFlight.count == connections.count { try await report(inFlight.removeFirst()) }
                let connection = connections[index % connections.count]
                try connection.ensureOpen()
                if isStopped {
                    // The batches already locked and decided are written first: the run stops at the boundary after them.
                    for batch in inFlight { try await report(batch) }
                    throw interruption(current)
                }
                let batch = InFlightBatch()
                let (after, before) = (lower, inFlight.last)
                group.addTask {
                    do {
                        let progress = try await connection.guardedTransaction(logger: logger) { connection -> TokenizationProgress? in
                            let prepared = try await self.prepare(connection, after: after) { lastKey, rows in
                                batch.locked.resolve(.success((lastKey, rows)))
                            }
                            guard prepared.rowsRead > 0 else { return try await InFlightBatch.inOrder(after: before) { nil } }
                            let changedRows = try await self.write(prepared, on: connection)
                            return try await InFlightBatch.inOrder(after: before) {
                                try await self.record(prepared, changedRows: changedRows, on: connection)
                            }
                        }
                        batch.committed.resolve(.success(progress))
                    } catch {
                        batch.locked.resolve(.failure(error))
                        batch.committed.resolve(.failure(error))
                    }
                }
                let (lastKey, rowsRead) = try await batch.locked.value
                inFlight.append(batch)
                guard lastKey != nil, rowsRead == batchSize else {
                    for batch in inFlight { try await report(batch) }
                    return current
                }
                lower = lastKey
                index += 1
            }
        }
    }

    /// One batch at a time on one connection: lock, read and decide, then write and commit.
    private func runOneByOne(start: TokenizationProgress, sink: any ProgressSink) async throws -> TokenizationProgress {
        try await runOneByOne(start: start, sink: sink, batches: nil).progress
    }

    /// At most `batches` batches one at a time (all of them when nil); whether the table ended within them.
    func runOneByOne(start: TokenizationProgress, sink: any ProgressSink, batches limit: Int?) async throws -> (
        progress: TokenizationProgress, ended: Bool
    ) {
        var current = start
        let connection = connections[0]
        var done = 0
        while limit.map({ done < $0 }) ?? true {
            done += 1
            try connection.ensureOpen()
            if isStopped { throw interruption(current) }
            let lower = current.lastKey
            let (progress, rowsRead) = try await connection.guardedTransaction(logger: logger) { connection -> (TokenizationProgress?, Int) in
                for statement in TriggerSkipSQL.disable(request.skip) {
                    try await connection.guardedQuery(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                let prepared = try await self.prepare(connection, after: lower)
                var outcome: (TokenizationProgress?, Int) = (nil, 0)
                if prepared.rowsRead > 0 {
                    let changedRows = try await self.write(prepared, on: connection)
                    outcome = (try await self.record(prepared, changedRows: changedRows, on: connection), prepared.rowsRead)
                }
                // Enabled again before the commit, whatever the batch found: no other session ever sees them disabled.
                for statement in TriggerSkipSQL.enable(request.skip) {
                    try await connection.guardedQuery(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                return outcome
            }
            guard let progress else { return (current, true) }
            current = progressed(progress, from: current)
            await sink.progressed(current)
            if rowsRead < batchSize { return (current, true) }
        }
        return (current, false)
    }

    /// Whether the run must stop at this batch boundary: asked to, or cancelled.
    private var isStopped: Bool { request.stop.isStopped || Task.isCancelled }

    private func interruption(_ current: TokenizationProgress) -> WarehouseError {
        WarehouseError(.interrupted, "stopped at a batch boundary after \(current.batches) batch(es); the run resumes there", table: table)
    }

    private func progressed(_ progress: TokenizationProgress, from current: TokenizationProgress) -> TokenizationProgress {
        var next = progress
        next.plannedBatches = current.plannedBatches
        return next
    }
}

/// A batch in flight: when its rows are locked (its last key and row count, so the next batch may start), and
/// when it has committed (the run's totals after it; nil when it had no rows).
final class InFlightBatch: Sendable {
    let locked = OneShot<(String?, Int)>()
    let committed = OneShot<TokenizationProgress?>()

    /// The commit order of batches in flight: runs `record` (a batch's last step before its commit) once the batch
    /// `before` it has committed, and never when that one failed: its error is thrown instead, so this batch rolls
    /// back too and the run's progress only ever moves past committed batches.
    static func inOrder<T>(after before: InFlightBatch?, _ record: () async throws -> T) async throws -> T {
        if let before { _ = try await before.committed.value }
        return try await record()
    }
}
