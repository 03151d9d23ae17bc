import Foundation
import Logging
import Metrics

/// Where every request enters: recorded in the ledger (durably, before the caller moves on), then the worker
/// is nudged to pick it up.
public struct RunIntake: Sendable {
    private let store: any RunStore
    private let gate: any RunGate
    private let nudge: @Sendable () -> Void
    private let changes: RunChanges
    private let logger: Logger

    /// `changes` are the saves the worker of this process announces (`final` returns as the run settles).
    public init(
        store: any RunStore, gate: any RunGate = OpenGate(), changes: RunChanges = RunChanges(), logger: Logger, nudge: @escaping @Sendable () -> Void
    ) {
        self.store = store
        self.gate = gate
        self.changes = changes
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

    /// Applies an approval to the dataset's runs awaiting one (the approver's groups are looked up first).
    public func approve(_ approval: ApprovalRequest) async throws -> ApprovalOutcome {
        let judge = try await gate.approvalJudge(approver: approval.approver, dataset: approval.dataset)
        let outcome = try await store.approve(approval, judge: judge)
        guard !outcome.duplicate else { return outcome }
        if outcome.decisions.isEmpty {
            Counter(label: "tokenize_approvals_total", dimensions: [("outcome", "nothing_awaiting")]).increment()
            logger.notice(
                "approval tag added, but no run awaits approval", metadata: ["dataset": "\(approval.dataset)", "approver": "\(approval.approver)"])
        }
        for decision in outcome.decisions {
            var metadata: Logger.Metadata = ["dataset": "\(approval.dataset)", "approver": "\(approval.approver)", "run_id": "\(decision.run.runID)"]
            switch decision.verdict {
            case .approved:
                Counter(label: "tokenize_approvals_total", dimensions: [("outcome", "approved")]).increment()
                logger.info("run approved", metadata: metadata)
            case .refused(let reason):
                Counter(label: "tokenize_approvals_total", dimensions: [("outcome", "ignored")]).increment()
                metadata["reason"] = "\(reason)"
                logger.warning("approval ignored", metadata: metadata)
            }
        }
        if !outcome.decisions.isEmpty { nudge() }
        return outcome
    }

    /// Waits until the run (or the run it was coalesced into) is final and its write-back settled: the ledger is
    /// read again each time this process's worker saves the run, and at least every `interval` (a run worked on
    /// by another replica).
    public func final(_ runID: String, pollEvery interval: Duration = .milliseconds(200)) async throws -> RunRecord? {
        try await changes.watching(runID, atLeastEvery: interval) { watch in
            var id = runID
            while true {
                try Task.checkCancellation()
                guard let record = try await store.record(id) else { return nil }
                if let target = record.coalescedInto {
                    id = target
                    watch.follow(target)
                    continue
                }
                if record.isSettled, record.writeBack.state != .pending { return record }
                await watch.next()
            }
        }
    }
}
