import Catalog
import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// Verifies again, every `VERIFY_INTERVAL`, each dataset whose latest tokenization succeeded: plaintext that
/// applications wrote later is found, recorded (INCOMPLETE) and shown in DataHub. Off by default.
public final class PeriodicVerifier: Service, Sendable {
    private let store: any RunStore
    private let intake: RunIntake
    private let interval: Duration
    private let logger: Logger

    public init(store: any RunStore, intake: RunIntake, interval: Duration, logger: Logger) {
        self.store = store
        self.intake = intake
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while (try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }) != nil {
            do {
                let queued = try await cancelWhenGracefulShutdown { try await self.verifyOnce() }
                logger.info("periodic verification queued", metadata: ["datasets": "\(queued)"])
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { break }
                logger.warning("periodic verification failed; tried again next interval", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Records a verify-only request for each dataset whose newest tokenization succeeded; returns how many.
    @discardableResult
    public func verifyOnce() async throws -> Int {
        var seen: Set<DatasetURN> = []
        var queued = 0
        for run in try await store.records(dataset: nil, status: .success, limit: 1000) where seen.insert(run.dataset).inserted {
            let request = RunRequest(dataset: run.dataset, scope: RunScope(datasetLevel: true, kind: .verify), source: .verification)
            if try await intake.submit(request).kind == .queued { queued += 1 }
        }
        Counter(label: "tokenize_periodic_verifications_total").increment(by: queued)
        return queued
    }
}
