import AccessControl
import Catalog
import Foundation
import KafkaModel
import PostgresNIO
import PostgresSupport
import Runs

extension PostgresRunStore {
    public func approve(_ approval: ApprovalRequest, judge: @Sendable (RunRecord) -> ApprovalVerdict) async throws -> ApprovalOutcome {
        let dataset = approval.dataset
        return try await client.guardedTransaction(logger: logger) { connection in
            try await lockDataset(dataset, connection)
            if let position = approval.position, try await approvalRecorded(at: position, connection) {
                return ApprovalOutcome(duplicate: true, decisions: [])
            }
            let waiting = try await many(LedgerSQL.Where.awaitingApproval, [dataset.description], connection)
            let now = Date()
            var decisions: [ApprovalOutcome.Decision] = []
            for run in waiting {
                let verdict = judge(run)
                let judged = run.judged(verdict, by: approval.approver, at: now)
                var binds = PostgresBindings()
                binds.append(judged.runID)
                binds.append(judged.approvedBy)
                binds.append(judged.approvedAt)
                binds.append(judged.details)
                binds.append(judged.writeBack.state.rawValue)
                binds.append(Int32(judged.writeBack.revision))
                // Under the dataset's lock, approvals are the only writers of the revision.
                try await connection.guardedQuery(PostgresQuery(unsafeSQL: LedgerSQL.judgeApproval, binds: binds), logger: logger)
                try await recordApproval(approval, run: judged.runID, verdict: verdict, connection)
                try await appendEvent(RunEvent(approval: approval, verdict: verdict, runID: judged.runID), connection)
                decisions.append(ApprovalOutcome.Decision(run: judged, verdict: verdict))
            }
            if waiting.isEmpty { try await recordApproval(approval, run: nil, verdict: .refused("no run was awaiting approval"), connection) }
            return ApprovalOutcome(duplicate: false, decisions: decisions)
        }
    }

    private func approvalRecorded(at position: KafkaPosition, _ connection: PostgresConnection) async throws -> Bool {
        var binds = PostgresBindings()
        binds.append(position.topic)
        binds.append(position.partition)
        binds.append(position.offset)
        for try await _ in try await connection.guardedQuery(PostgresQuery(unsafeSQL: LedgerSQL.approvalAtPosition, binds: binds), logger: logger) {
            return true
        }
        return false
    }

    private func recordApproval(_ approval: ApprovalRequest, run: String?, verdict: ApprovalVerdict, _ connection: PostgresConnection) async throws {
        var binds = PostgresBindings()
        binds.append(approval.dataset.description)
        binds.append(approval.approver)
        binds.append(run)
        switch verdict {
        case .approved:
            binds.append("approved")
            binds.append(String?.none)
        case .refused(let reason):
            binds.append("ignored")
            binds.append(reason)
        }
        binds.append(approval.position?.topic)
        binds.append(approval.position?.partition)
        binds.append(approval.position?.offset)
        try await connection.guardedQuery(PostgresQuery(unsafeSQL: LedgerSQL.insertApproval, binds: binds), logger: logger)
    }
}
