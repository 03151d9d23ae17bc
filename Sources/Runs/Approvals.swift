import AccessControl
import Catalog
import Foundation
import KafkaModel

/// An approval heard in DataHub: the approval tag added to a dataset by `approver`.
public struct ApprovalRequest: Sendable, Equatable {
    public var dataset: DatasetURN
    /// The principal who added the tag (the MCL's `created.actor`).
    public var approver: String
    /// The Kafka message that carried it: recorded once, so a redelivery or replay approves nothing.
    public var position: KafkaPosition?

    public init(dataset: DatasetURN, approver: String, position: KafkaPosition? = nil) {
        self.dataset = dataset
        self.approver = approver
        self.position = position
    }
}

/// What an approval did.
public struct ApprovalOutcome: Sendable, Equatable {
    /// What it did to one run awaiting approval.
    public struct Decision: Sendable, Equatable {
        public var run: RunRecord
        public var verdict: ApprovalVerdict

        public init(run: RunRecord, verdict: ApprovalVerdict) {
            self.run = run
            self.verdict = verdict
        }
    }

    /// Its Kafka position was recorded before: nothing happened.
    public var duplicate: Bool
    /// One per run of the dataset that was awaiting approval (none: nothing was waiting).
    public var decisions: [Decision]

    public init(duplicate: Bool, decisions: [Decision]) {
        self.duplicate = duplicate
        self.decisions = decisions
    }
}

extension RunRecord {
    /// The record after `verdict` on an approval by `approver`: approved runs become runnable; a refused
    /// approval is explained in the details and shown in DataHub again (which also removes the approval tag,
    /// so another approver can add it). A refusal moves the write-back's revision, so a write-back published
    /// meanwhile does not mark the new one done (`RunStore.saveWriteBack`).
    public func judged(_ verdict: ApprovalVerdict, by approver: String, at time: Date) -> RunRecord {
        var record = self
        switch verdict {
        case .approved:
            record.approvedBy = approver
            record.approvedAt = time
        case .refused(let reason):
            record.details = "approval ignored: \(reason)"
            record.writeBack.state = .pending
            record.writeBack.revision += 1  // a write-back being published now shows the old details: it must run again
        }
        return record
    }
}
