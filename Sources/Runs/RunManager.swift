import Foundation
import Logging

/// Schedules runs: one run per dataset at a time; triggers that arrive while a dataset runs are coalesced.
///
/// A trigger the running scope already covers joins that run and gets its record. Anything else waits
/// for a single follow-up run that merges every trigger that arrived meanwhile. The caller that starts
/// a run executes it in its own task (no unstructured tasks); waiters are resumed with the record.
public actor RunManager {
    private enum Ticket {
        case finished(RunRecord)
        case execute(runID: String, scope: RunScope)
    }

    private struct Slot {
        var runningScope: RunScope
        var runningWaiters: [CheckedContinuation<Ticket, Never>] = []
        var followUpScope: RunScope?
        var followUpWaiters: [CheckedContinuation<Ticket, Never>] = []
    }

    private let executor: @Sendable (String, DatasetURN, RunScope) async -> RunRecord
    private var slots: [String: Slot] = [:]
    private var history: [String: RunRecord] = [:]
    private var historyOrder: [String] = []
    private let historyLimit: Int

    /// - Parameters:
    ///   - historyLimit: finished records kept for `GET /runs/{id}` (default 1000).
    ///   - executor: carries out a run (run id, dataset, scope) and returns its record.
    public init(historyLimit: Int = 1000, executor: @escaping @Sendable (String, DatasetURN, RunScope) async -> RunRecord) {
        self.historyLimit = historyLimit
        self.executor = executor
    }

    public init(executor: RunExecutor, historyLimit: Int = 1000) {
        self.init(historyLimit: historyLimit) { runID, dataset, scope in
            await executor.execute(runID: runID, dataset: dataset, scope: scope)
        }
    }

    /// Runs (or joins a run of) `scope` on `dataset` and returns the record of the run that covered it.
    public func submit(dataset: DatasetURN, scope: RunScope) async -> RunRecord {
        let key = dataset.description
        let ticket: Ticket
        if var slot = slots[key] {
            if slot.followUpScope == nil, slot.runningScope.covers(scope) {
                ticket = await withCheckedContinuation { continuation in
                    slot.runningWaiters.append(continuation)
                    slots[key] = slot
                }
            } else {
                ticket = await withCheckedContinuation { continuation in
                    slot.followUpScope = slot.followUpScope.map { $0.merged(with: scope) } ?? scope
                    slot.followUpWaiters.append(continuation)
                    slots[key] = slot
                }
            }
        } else {
            slots[key] = Slot(runningScope: scope)
            ticket = .execute(runID: UUID().uuidString.lowercased(), scope: scope)
        }
        switch ticket {
        case .finished(let record):
            return record
        case .execute(let runID, let runScope):
            let record = await executor(runID, dataset, runScope)
            finish(key: key, record: record)
            return record
        }
    }

    /// A finished run's record, while it is in the history.
    public func record(runID: String) -> RunRecord? {
        history[runID]
    }

    /// Datasets with a run in progress.
    public var activeDatasets: [String] { slots.keys.sorted() }

    private func finish(key: String, record: RunRecord) {
        remember(record)
        guard var slot = slots.removeValue(forKey: key) else { return }
        for waiter in slot.runningWaiters { waiter.resume(returning: .finished(record)) }
        slot.runningWaiters = []
        guard let followUp = slot.followUpScope, !slot.followUpWaiters.isEmpty else { return }
        // The first follow-up waiter executes the merged run; the rest join it.
        let executorWaiter = slot.followUpWaiters.removeFirst()
        slots[key] = Slot(runningScope: followUp, runningWaiters: slot.followUpWaiters)
        executorWaiter.resume(returning: .execute(runID: UUID().uuidString.lowercased(), scope: followUp))
    }

    private func remember(_ record: RunRecord) {
        if history.updateValue(record, forKey: record.runID) == nil { historyOrder.append(record.runID) }
        while historyOrder.count > historyLimit {
            history.removeValue(forKey: historyOrder.removeFirst())
        }
    }
}
