import Logging
import PostgresNIO
import PostgresSupport
import Synchronization
import WarehouseKit

extension ServiceSideBatches {
    /// Runs every batch after `start.lastKey`, each in its own transaction, and returns the run's totals.
    ///
    /// With two connections, batch k+1 is locked, read and decided while batch k is written: the service's CPU
    /// and the database's overlap. The order of commits stays the order of the keys: batch k+1 writes only once
    /// batch k has committed, and rolls back if batch k failed, so the progress row only ever moves forward and
    /// an interrupted run resumes after the last committed batch, as with one connection. Batch k+1 locks
    /// only rows after batch k's last key, so the two never wait on each other's rows. A stop lets the batch
    /// already locked and decided commit, then ends the run at the boundary after it.
    func run(start: TokenizationProgress, sink: any ProgressSink) async throws -> TokenizationProgress {
        guard connections.count > 1 else { return try await runOneByOne(start: start, sink: sink) }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            var current = start
            var lower = start.lastKey
            var previous: InFlightBatch?
            var index = 0
            while true {
                try connections[index % 2].ensureOpen()
                if isStopped {
                    // The batch already locked and decided is written first: the run stops at the boundary after it.
                    if let previous, let progress = try await previous.committed.value {
                        current = progressed(progress, from: current)
                        await sink.progressed(current)
                    }
                    throw interruption(current)
                }
                let batch = InFlightBatch()
                let connection = connections[index % 2]
                let (after, before) = (lower, previous)
                group.addTask {
                    do {
                        let progress = try await connection.guardedTransaction(logger: logger) { connection in
                            let prepared = try await self.prepare(connection, after: after)
                            batch.locked.resolve(.success((prepared.lastKey, prepared.rowsRead)))
                            // Commits in key order: wait for the batch before (its failure rolls this one back).
                            if let before { _ = try await before.committed.value }
                            return prepared.rowsRead == 0 ? nil : try await self.apply(prepared, on: connection)
                        }
                        batch.committed.resolve(.success(progress))
                    } catch {
                        batch.locked.resolve(.failure(error))
                        batch.committed.resolve(.failure(error))
                        throw error
                    }
                }
                let (lastKey, rowsRead) = try await batch.locked.value
                // The batch before has finished (its connection is free for the next one); report it.
                if let before, let progress = try await before.committed.value {
                    current = progressed(progress, from: current)
                    await sink.progressed(current)
                }
                guard lastKey != nil, rowsRead == batchSize else {
                    if let progress = try await batch.committed.value {
                        current = progressed(progress, from: current)
                        await sink.progressed(current)
                    }
                    try await group.waitForAll()
                    return current
                }
                previous = batch
                lower = lastKey
                index += 1
            }
        }
    }

    /// One batch at a time on one connection: lock, read and decide, then write and commit.
    private func runOneByOne(start: TokenizationProgress, sink: any ProgressSink) async throws -> TokenizationProgress {
        var current = start
        let connection = connections[0]
        while true {
            try connection.ensureOpen()
            if isStopped { throw interruption(current) }
            let lower = current.lastKey
            let (progress, rowsRead) = try await connection.guardedTransaction(logger: logger) { connection in
                let prepared = try await self.prepare(connection, after: lower)
                return (prepared.rowsRead == 0 ? nil : try await self.apply(prepared, on: connection), prepared.rowsRead)
            }
            guard let progress else { return current }
            current = progressed(progress, from: current)
            await sink.progressed(current)
            if rowsRead < batchSize { return current }
        }
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
}

/// A value set once and awaited by any number of tasks; later results are ignored.
final class OneShot<Value: Sendable>: Sendable {
    private enum State {
        case waiting([CheckedContinuation<Value, any Error>])
        case done(Result<Value, any Error>)
    }

    private let state = Mutex(State.waiting([]))

    func resolve(_ result: Result<Value, any Error>) {
        let waiters: [CheckedContinuation<Value, any Error>] = state.withLock { state in
            guard case .waiting(let waiters) = state else { return [] }
            state = .done(result)
            return waiters
        }
        for waiter in waiters { waiter.resume(with: result) }
    }

    var value: Value {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                let result: Result<Value, any Error>? = state.withLock { state in
                    switch state {
                    case .waiting(let waiters):
                        state = .waiting(waiters + [continuation])
                        return nil
                    case .done(let result):
                        return result
                    }
                }
                if let result { continuation.resume(with: result) }
            }
        }
    }
}
