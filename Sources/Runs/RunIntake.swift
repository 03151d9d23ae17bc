import Foundation
import Logging
import Metrics

/// Where every request enters: recorded in the ledger (durably, before the caller moves on), then the worker
/// is nudged to pick it up.
public struct RunIntake: Sendable {
    private let store: any RunStore
    private let nudge: @Sendable () -> Void
    private let logger: Logger

    public init(store: any RunStore, logger: Logger, nudge: @escaping @Sendable () -> Void) {
        self.store = store
        self.logger = logger
        self.nudge = nudge
    }

    public func submit(_ request: RunRequest) async throws -> EnqueueOutcome {
        let outcome = try await store.enqueue(request)
        Counter(label: "tokenize_requests_total", dimensions: [("source", request.source.rawValue), ("outcome", outcome.kind.rawValue)]).increment()
        logger.info(
            "request recorded",
            metadata: [
                "dataset": "\(request.dataset)", "source": "\(request.source.rawValue)", "outcome": "\(outcome.kind.rawValue)",
                "run_id": "\(outcome.run.runID)", "position": "\(request.position.map(\.description) ?? "-")",
            ])
        if outcome.kind != .duplicate { nudge() }
        return outcome
    }

    /// Waits until the run (or the run it was coalesced into) is final and its write-back settled.
    public func final(_ runID: String, pollEvery interval: Duration = .milliseconds(200)) async throws -> RunRecord? {
        var id = runID
        while true {
            guard let record = try await store.record(id) else { return nil }
            if let target = record.coalescedInto {
                id = target
                continue
            }
            if !record.status.isOpen, record.writeBack.state != .pending { return record }
            try await Task.sleep(for: interval)
        }
    }
}
