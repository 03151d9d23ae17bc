import Catalog
import Logging
import Metrics
import Resilience
import ServiceLifecycle
import Synchronization
import WarehouseKit

/// Works through the ledger: starts and resumes runs, and sends their write-backs, one dataset at a time
/// per dataset lock. A Service; its lifecycle is `RunScheduler`.
///
/// Work is found by polling the ledger (and at once when nudged), so runs recorded by any replica, runs left
/// open by a crash or a shutdown, and write-backs postponed while GMS was down are all picked up by whichever
/// process holds the dataset's lock.
public final class RunWorker: Service, Sendable {
    public struct Settings: Sendable, Equatable {
        /// Datasets worked on at once (default 4).
        public var capacity: Int
        /// How often the ledger is polled for due work (default 2 s).
        public var pollInterval: Duration
        /// After SIGTERM, how long running runs may go on before they stop at a batch boundary (default 25 s).
        public var shutdownGrace: Duration
        /// When a postponed run is tried again.
        public var runRetry: Backoff
        /// When a postponed write-back is tried again.
        public var writeBackRetry: Backoff

        public init(
            capacity: Int = 4, pollInterval: Duration = .seconds(2), shutdownGrace: Duration = .seconds(25),
            runRetry: Backoff = Backoff(initial: .seconds(2), maximum: .seconds(60), jitter: 0.2),
            writeBackRetry: Backoff = Backoff(initial: .seconds(1), maximum: .seconds(30), jitter: 0.2)
        ) {
            self.capacity = capacity
            self.pollInterval = pollInterval
            self.shutdownGrace = shutdownGrace
            self.runRetry = runRetry
            self.writeBackRetry = writeBackRetry
        }
    }

    private enum Event: Sendable {
        /// Time to look for due work (the poll timer, or a nudge).
        case tick
        /// A poll of the ledger answered (empty when it failed).
        case due([DueDataset])
        case finished(DatasetURN)
        case shutdown, graceExpired
    }

    private let store: any RunStore
    private let locks: any DatasetLocking
    private let executor: RunExecutor
    private let publisher: WriteBackPublisher
    private let settings: Settings
    private let changes: RunChanges
    private let logger: Logger
    private let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    private let stops = Mutex<[DatasetURN: StopSignal]>([:])
    private let acceptsNewRuns = Atomic(true)
    private let inProgress = Meter(label: "tokenize_runs_in_progress")

    public init(
        store: any RunStore, locks: any DatasetLocking, executor: RunExecutor, publisher: WriteBackPublisher, settings: Settings,
        changes: RunChanges = RunChanges(), logger: Logger
    ) {
        self.changes = changes
        self.store = store
        self.locks = locks
        self.executor = executor
        self.publisher = publisher
        self.settings = settings
        self.logger = logger
        (events, continuation) = AsyncStream.makeStream()
    }

    /// Looks for due work now (a request was just recorded).
    public func nudge() {
        continuation.yield(.tick)
    }

    public func run() async throws {
        var scheduler = RunScheduler<DatasetURN>(capacity: settings.capacity)
        await withDiscardingTaskGroup { group in
            group.addTask { [continuation, settings] in
                while (try? await Task.sleep(for: settings.pollInterval)) != nil { continuation.yield(.tick) }
            }
            continuation.yield(.tick)
            await withGracefulShutdownHandler {
                for await event in events {
                    let actions: [RunScheduler<DatasetURN>.Action]
                    switch event {
                    case .tick:
                        actions = scheduler.tick()
                    case .due(let due):
                        actions = scheduler.workDue(due.map(\.dataset), alone: Set(due.filter(\.alone).map(\.dataset)))
                    case .finished(let dataset):
                        actions = scheduler.datasetFinished(dataset)
                    case .shutdown:
                        acceptsNewRuns.store(false, ordering: .sequentiallyConsistent)
                        logger.info("run worker draining", metadata: ["active": "\(scheduler.active.count)", "grace": "\(settings.shutdownGrace)"])
                        group.addTask { [continuation, settings] in
                            if (try? await Task.sleep(for: settings.shutdownGrace)) != nil { continuation.yield(.graceExpired) }
                        }
                        actions = scheduler.shutdownRequested()
                    case .graceExpired:
                        actions = scheduler.graceExpired()
                    }
                    for action in actions {
                        switch action {
                        case .start(let dataset):
                            group.addTask { [self] in
                                await work(on: dataset)
                                continuation.yield(.finished(dataset))
                            }
                        case .stopRuns:
                            logger.warning("shutdown grace expired: running runs stop at their next batch boundary and resume on the next start")
                            stops.withLock { for stop in $0.values { stop.stop() } }
                        case .poll:
                            // Its own task: a poll waiting for PostgreSQL (down, restarting) must not hold up the
                            // events that drain the worker on SIGTERM.
                            group.addTask { [self, continuation, settings] in
                                continuation.yield(.due(await dueDatasets(limit: settings.capacity * 4)))
                            }
                        case .finish:
                            break
                        }
                    }
                    if scheduler.phase == .finished { break }
                }
            } onGracefulShutdown: { [continuation] in
                continuation.yield(.shutdown)
            }
            group.cancelAll()
        }
        logger.info("run worker stopped")
    }

    private func dueDatasets(limit: Int) async -> [DueDataset] {
        do {
            return try await store.dueDatasets(limit: limit)
        } catch {
            logger.warning("cannot read the run ledger; retrying", metadata: ["error": "\(error)"])
            return []
        }
    }

    /// Works through one dataset's due work now, outside the service loop (the `run` command). Returns at once
    /// when another process holds the dataset's lock.
    public func workNow(on dataset: DatasetURN) async {
        await work(on: dataset)
    }

    /// Works through one dataset's due work while holding its lock.
    private func work(on dataset: DatasetURN) async {
        let stop = StopSignal()
        stops.withLock { $0[dataset] = stop }
        defer { _ = stops.withLock { $0.removeValue(forKey: dataset) } }
        do {
            let held: Void? = try await locks.withLock(dataset: dataset) { lease in
                while !stop.isStopped, let work = try await store.nextWork(dataset: dataset) {
                    switch work {
                    case .run(let record):
                        guard acceptsNewRuns.load(ordering: .sequentiallyConsistent) else { return }
                        guard try await attempt(record, stop: stop) else { return }
                    case .writeBack(let record):
                        guard try await writeBack(record) else { return }
                    }
                    try await lease.check()
                }
            }
            if held == nil { logger.debug("dataset is being worked on by another process", metadata: ["dataset": "\(dataset)"]) }
        } catch {
            logger.warning("work on the dataset stopped; it is retried", metadata: ["dataset": "\(dataset)", "error": "\(error)"])
        }
    }

    /// Saves an attempt's outcome in the ledger, then tells the run's waiters (`RunIntake.final`).
    private func save(_ record: RunRecord, retryIn: Duration?) async throws {
        try await store.save(record, retryIn: retryIn)
        changes.saved(record.runID)
    }

    /// One attempt of a run; false when it was postponed.
    private func attempt(_ record: RunRecord, stop: StopSignal) async throws -> Bool {
        inProgress.increment()
        defer { inProgress.decrement() }
        // Cancelled when the shutdown grace expires (`stop`): an attempt waiting for DataHub or Databricks ends then,
        // not when their retries give up; its outcome (postponed) is still saved below.
        let executor = self.executor
        switch await stop.cancelling({ await executor.attempt(record, stop: stop) }) {
        case .finished(let finished):
            try await save(finished, retryIn: nil)
            Counter(label: "tokenize_runs_total", dimensions: [("status", finished.status.rawValue)]).increment()
            if let started = finished.startedAt, let ended = finished.finishedAt, !finished.status.isOpen {
                let platform = finished.dataset.platform
                Timer(
                    label: "tokenize_run_duration_seconds",
                    dimensions: [("platform", platform), ("scheme", finished.schemeLabel), ("status", finished.status.rawValue)]
                )
                .recordNanoseconds(Int64(max(0, ended.timeIntervalSince(started)) * 1e9))
            }
            Counter(label: "tokenize_rows_updated_total").increment(by: max(0, finished.rowsUpdated - record.rowsUpdated))
            return true
        case .postponed(let open):
            let retryIn = stop.isStopped ? nil : settings.runRetry.delay(beforeRetry: open.attempts)
            try await save(open, retryIn: retryIn)
            Counter(label: "tokenize_runs_postponed_total").increment()
            return false
        }
    }

    /// Saves a write-back attempt's outcome (its fields alone: an approval may have changed the run meanwhile),
    /// then tells the run's waiters.
    private func saveWriteBack(_ record: RunRecord, retryIn: Duration?) async throws {
        try await store.saveWriteBack(record, retryIn: retryIn)
        changes.saved(record.runID)
    }

    /// One write-back attempt; false when it was postponed.
    private func writeBack(_ run: RunRecord) async throws -> Bool {
        var record = run
        record.writeBack.attempts += 1
        let failure: DataHubError?
        do {
            try await publisher.publish(record)
            failure = nil
        } catch {
            failure = error
        }
        let outcome = failure == nil ? "done" : failure!.isTransient ? "retry" : "failed"
        var event = ["attempt": "\(record.writeBack.attempts)", "outcome": outcome, "status_shown": record.status.rawValue]
        if let failure { event["error"] = failure.message }
        try await store.appendEvent(RunEvent(runID: record.runID, kind: .writeBack, data: event))
        guard let failure else {
            record.writeBack.state = .done
            record.writeBack.error = nil
            try await saveWriteBack(record, retryIn: nil)
            Counter(label: "tokenize_writebacks_total", dimensions: [("outcome", "done")]).increment()
            return true
        }
        record.writeBack.error = failure.message
        guard failure.isTransient else {
            record.writeBack.state = .failed
            logger.error("DataHub write-back failed permanently", metadata: ["run_id": "\(record.runID)", "error": "\(failure)"])
            try await saveWriteBack(record, retryIn: nil)
            Counter(label: "tokenize_writebacks_total", dimensions: [("outcome", "failed")]).increment()
            return true
        }
        let retryIn = settings.writeBackRetry.delay(beforeRetry: record.writeBack.attempts)
        logger.warning("DataHub write-back postponed", metadata: ["run_id": "\(record.runID)", "error": "\(failure)", "retry_in": "\(retryIn)"])
        try await saveWriteBack(record, retryIn: retryIn)
        Counter(label: "tokenize_writebacks_total", dimensions: [("outcome", "retry")]).increment()
        return false
    }
}
