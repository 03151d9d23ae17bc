import Catalog
import Kafka
import Logging
import MCL
import Metrics
import Resilience
import RunLedger
import Runs

/// Where poison messages go: the dead-letter table (`DeadLetterStore`).
protocol DeadLetterSink: Sendable {
    func add(topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8]?, reasonCode: String, reason: String) async throws
}

extension DeadLetterStore: DeadLetterSink {}

/// Makes what a message stands for durable: a trigger's request in the run ledger, a poison message in the
/// dead-letter table. Used by the Kafka router and by `dlq replay`.
struct TriggerRecorder: Sendable {
    let intake: RunIntake
    let deadLetters: any DeadLetterSink
    let logger: Logger

    /// Records the request a trigger stands for; a trigger on an unusable dataset URN is dead-lettered.
    @discardableResult
    func record(_ trigger: Trigger, _ message: KafkaMessage) async throws -> EnqueueOutcome? {
        Counter(label: "tokenize_mcl_triggers_total", dimensions: [("kind", "\(trigger.kind)")]).increment()
        let position = message.position
        let dataset: DatasetURN
        do {
            dataset = try DatasetURN(trigger.datasetURN)
        } catch {
            Counter(label: "tokenize_mcl_unusable_urns_total").increment()
            try await deadLetter(message, code: "unusable_urn", reason: "trigger on an unusable dataset URN: \(error.message)")
            return nil
        }
        if trigger.kind == .approval {
            guard let approver = trigger.actor else {
                logger.warning("approval tag added by an unknown actor; ignored", metadata: ["position": "\(position)", "dataset": "\(dataset)"])
                return nil
            }
            logger.info("approval", metadata: ["position": "\(position)", "dataset": "\(dataset)", "approver": "\(approver)"])
            _ = try await intake.approve(ApprovalRequest(dataset: dataset, approver: approver, position: position))
            return nil
        }
        let scope: RunScope
        switch trigger.scope {
        case .dataset: scope = RunScope(datasetLevel: true, kind: trigger.kind == .plan ? .plan : .tokenize)
        case .fields(let fields): scope = RunScope(triggerFields: Set(fields))
        }
        logger.info("trigger", metadata: ["position": "\(position)", "dataset": "\(dataset)", "aspect": "\(trigger.aspectName)"])
        return try await intake.submit(
            RunRequest(
                dataset: dataset, scope: scope, source: .kafka, position: position, requestedBy: trigger.actor))
    }

    /// Stores a message that can never be decoded, once per position.
    func deadLetter(_ message: KafkaMessage, code: String, reason: String) async throws {
        try await deadLetters.add(
            topic: message.topic, partition: message.partition, offset: message.offset, key: message.key, value: message.value, reasonCode: code,
            reason: reason)
        Counter(label: "tokenize_mcl_undecodable_total", dimensions: [("reason", code)]).increment()
        logger.error("poison message stored in the dead-letter table", metadata: ["position": "\(message.position)", "reason": "\(code): \(reason)"])
    }
}
