import Foundation
import Logging
import Metrics
import Resilience
import Synchronization
import WarehouseKit

/// Follows a run's committed batches: mirrors each into the ledger with its pace (`GET /runs/{id}`), records
/// the batch duration, logs a progress line at most every `logInterval`, and once the run has gone on for
/// `dataHubInterval`, refreshes the dataset's documentation section in DataHub ("Running — 45 % …") at most that
/// often. Every report is best effort: the warehouse's own bookkeeping is authoritative.
final class RunProgressReporter: ProgressSink, Sendable {
    struct Intervals: Sendable {
        var log: Duration
        var dataHub: Duration
    }

    private struct State {
        var estimator = ProgressEstimator()
        var batches: Int
        var lastBatchAt: ContinuousClock.Instant
        var lastLogAt: ContinuousClock.Instant
        var lastDataHubAt: ContinuousClock.Instant
    }

    private let record: RunRecord
    private let store: any RunStore
    private let publishProgress: @Sendable (RunRecord) async -> Void
    private let intervals: Intervals
    private let batchTimer: Timer
    private let logger: Logger
    private let state: Mutex<State>

    init(
        record: RunRecord, platform: String, store: any RunStore, intervals: Intervals, logger: Logger,
        publishProgress: @escaping @Sendable (RunRecord) async -> Void
    ) {
        self.record = record
        self.store = store
        self.intervals = intervals
        self.publishProgress = publishProgress
        self.logger = logger
        self.batchTimer = Timer(label: "tokenize_batch_duration_seconds", dimensions: [("platform", platform), ("scheme", record.schemeLabel)])
        let now = ContinuousClock.now
        state = Mutex(State(batches: record.batches, lastBatchAt: now, lastLogAt: now, lastDataHubAt: now))
    }

    func progressed(_ progress: TokenizationProgress) async {
        let now = ContinuousClock.now
        let intervals = self.intervals
        let (report, perBatch, log, publish) = state.withLock { state -> (RunProgress, Duration?, Bool, Bool) in
            let report = state.estimator.report(progress, at: Date())
            var perBatch: Duration?
            if progress.batches > state.batches {
                perBatch = (now - state.lastBatchAt) / (progress.batches - state.batches)
                state.batches = progress.batches
                state.lastBatchAt = now
            }
            let log = now - state.lastLogAt >= intervals.log
            if log { state.lastLogAt = now }
            let publish = now - state.lastDataHubAt >= intervals.dataHub
            if publish { state.lastDataHubAt = now }
            return (report, perBatch, log, publish)
        }
        if let perBatch { batchTimer.recordNanoseconds(perBatch.nanoseconds) }
        do {
            try await store.saveProgress(runID: record.runID, report)
        } catch {
            logger.debug("progress not mirrored to the ledger", metadata: ["error": "\(error)"])
        }
        if log {
            var metadata: Logger.Metadata = ["batches": "\(report.batches)", "rows_changed": "\(report.rowsChanged)"]
            if let planned = report.plannedBatches { metadata["planned_batches"] = "\(planned)" }
            if let percent = report.percent { metadata["percent"] = "\(percent)" }
            if let rate = report.rowsPerSecond { metadata["rows_per_second"] = "\(Int(rate.rounded()))" }
            if let eta = report.etaSeconds { metadata["eta_seconds"] = "\(eta)" }
            if let key = report.currentKey { metadata["current_key"] = "\(key)" }
            logger.info("run progress", metadata: metadata)
        }
        if publish {
            var running = record
            running.rowsUpdated = report.rowsChanged
            running.batches = report.batches
            running.progress = report
            await publishProgress(running)
        }
    }
}

extension RunProgressReporter {
    /// A suspect run's careful rows passed (`CrashGuard`): its later attempts are ordinary again.
    func carefulRowsPassed() async {
        do {
            try await store.clearStoppedAttempts(runID: record.runID)
            logger.notice("the careful rows after the stopped attempts passed; the run goes on in ordinary batches")
        } catch {
            logger.warning("the careful rows passed but the ledger did not record it", metadata: ["error": "\(error)"])
        }
    }
}

extension RunRecord {
    /// The scheme for metrics: the columns' one scheme, `mixed`, or `none` before the plan is known.
    var schemeLabel: String {
        let schemes = Set(schemes.values.map(\.rawValue))
        return schemes.count == 1 ? schemes.first! : schemes.isEmpty ? "none" : "mixed"
    }
}
