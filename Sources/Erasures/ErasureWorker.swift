import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// The erasure queue's worker: takes due requests by due date, a batch at a time, and keeps the gauges the alerts
/// read (open requests by status, time left of the most urgent, overdue requests). On SIGTERM it finishes the pass
/// under way and stops. The requests of a pass are leased to this process and the lease renewed while it works
/// (`lease` / 3); a request of a process killed mid-pass is taken again, by any replica, once its lease ends.
public final class ErasureWorker: Service {
    public struct Settings: Sendable {
        /// How often the queue is looked at when nothing nudges it.
        public var pollInterval: Duration = .seconds(5)
        /// Requests per pass; requests that share a destination are erased in one statement.
        public var batch = 100
        /// How long a taken request stays this process's without a renewal before another replica may take it.
        public var lease: Duration = .seconds(60)

        public init() {}
    }

    private let store: any ErasureStore
    private let executor: ErasureExecutor
    private let settings: Settings
    private let logger: Logger
    private let wake = Mutex<CheckedContinuation<Void, Never>?>(nil)
    private let nudged = Atomic(false)

    public init(store: any ErasureStore, executor: ErasureExecutor, settings: Settings, logger: Logger) {
        self.store = store
        self.executor = executor
        self.settings = settings
        self.logger = logger
    }

    /// Looks at the queue now (a request was filed or approved).
    public func nudge() {
        nudged.store(true, ordering: .sequentiallyConsistent)
        wake.withLock { $0.take() }?.resume()
    }

    public func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            await pass()
            await sleep()
        }
        logger.info("erasure worker stopped")
    }

    private func pass() async {
        do {
            var claimed = try await store.claimDue(limit: settings.batch, lease: settings.lease)
            while !claimed.isEmpty {
                await work(claimed)
                guard claimed.count == settings.batch, !Task.isShuttingDownGracefully else { break }
                claimed = try await store.claimDue(limit: settings.batch, lease: settings.lease)
            }
            publish(try await store.summary())
        } catch {
            logger.warning("cannot read the erasure queue; retrying", metadata: ["error": "\(error)"])
        }
    }

    /// One pass, its lease renewed until it ends.
    private func work(_ claimed: [(record: ErasureRecord, sealed: String?)]) async {
        let ids = claimed.map(\.record.id)
        let (store, settings, logger) = (self.store, self.settings, self.logger)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while (try? await Task.sleep(for: settings.lease / 3)) != nil {
                    do {
                        try await store.renew(ids, lease: settings.lease)
                    } catch {
                        logger.warning("erasure lease not renewed; another replica may take these requests", metadata: ["error": "\(error)"])
                    }
                }
            }
            await executor.work(claimed)
            group.cancelAll()
        }
    }

    private func publish(_ summary: ErasureSummary) {
        for status in ErasureStatus.allCases where status.isOpen {
            Gauge(label: "tokenize_erasures_open", dimensions: [("status", status.rawValue)]).record(summary.openByStatus[status] ?? 0)
        }
        Gauge(label: "tokenize_erasures_overdue").record(summary.overdue)
        let left = summary.mostUrgentDue.map { $0.timeIntervalSinceNow } ?? 366 * 86_400
        Gauge(label: "tokenize_erasure_most_urgent_seconds_left").record(left)
    }

    /// Until the poll interval passes, a nudge, or shutdown.
    private func sleep() async {
        if nudged.exchange(false, ordering: .sequentiallyConsistent) { return }
        let interval = settings.pollInterval
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                await withCheckedContinuation { continuation in
                    // A nudge that came before the continuation was stored wakes it at once.
                    let early = wake.withLock { stored -> Bool in
                        if nudged.load(ordering: .sequentiallyConsistent) { return true }
                        stored = continuation
                        return false
                    }
                    if early { continuation.resume() }
                }
            }
            group.addTask { [weak self] in
                try? await Task.sleep(for: interval)
                self?.nudge()
            }
            await withGracefulShutdownHandler {
                await group.next()
            } onGracefulShutdown: { [weak self] in
                self?.nudge()
            }
            group.cancelAll()
        }
        nudged.store(false, ordering: .sequentiallyConsistent)
    }
}
