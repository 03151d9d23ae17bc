import Kafka
import Logging
import MCL
import Metrics
import PostgresSupport
import Resilience
import RunLedger
import Runs
import ServiceLifecycle

/// Routes MetadataChangeLog messages: the poll thread drops everything that is not a trigger (from the
/// cached writer schema, without a copy); triggers are recorded in the run ledger, poison messages in the
/// dead-letter table, and messages whose schema is not cached yet are classified after fetching it.
///
/// A message is handled only once what it stands for is durable: a trigger's request in the ledger, a poison
/// message in the dead-letter table. While the ledger, the registry or PostgreSQL is unavailable the handler
/// retries with backoff, so the offset never moves past an unhandled message; on shutdown it gives up and the
/// message is delivered again after the restart.
struct MCLRouter: KafkaMessageRouter {
    enum Work: Sendable {
        case trigger(Trigger, KafkaMessage)
        case poison(MCLDecodingError, KafkaMessage)
        case needsSchema(KafkaMessage)

        /// The message the work came from.
        var message: KafkaMessage {
            switch self {
            case .trigger(_, let message), .poison(_, let message), .needsSchema(let message): message
            }
        }
    }

    let classifier: MCLClassifier
    let registry: SchemaRegistryClient
    let recorder: TriggerRecorder
    let retry: Backoff
    let logger: Logger

    init(classifier: MCLClassifier, registry: SchemaRegistryClient, recorder: TriggerRecorder, logger: Logger) {
        self.classifier = classifier
        self.registry = registry
        self.recorder = recorder
        self.retry = Backoff(initial: .milliseconds(500), maximum: .seconds(30), jitter: 0.2)
        self.logger = logger
    }

    func route(_ message: KafkaMessageView) -> Work? {
        guard let value = message.value else { return nil }  // a tombstone
        switch classifier.classify(value) {
        case .irrelevant: return nil
        case .trigger(let trigger): return .trigger(trigger, message.copy())
        case .poison(let error): return .poison(error, message.copy())
        case .needsSchema: return .needsSchema(message.copy())
        }
    }

    /// Handles a message until what it stands for is durable. A fault that passes (the ledger, the registry or
    /// PostgreSQL unavailable, a setting an operator fixes) is retried and holds the partition; a message whose
    /// content the ledger refuses for good (`PostgresFailure.refusedValue`: a value PostgreSQL cannot store) goes
    /// to the dead-letter table with the reason, and the partition moves on.
    func handle(_ work: Work, at position: KafkaPosition) async -> Bool {
        var attempt = 0
        while true {
            let failure: any Error
            do {
                // Ends at graceful shutdown too (a registry or ledger call waiting on a dependency that is down): the
                // message is delivered again after the restart, and recorded once (its position is unique).
                try await cancelWhenGracefulShutdown { try await self.handleOnce(work, at: position) }
                return true
            } catch is CancellationError {
                logger.notice("shutting down: the message is delivered again after the restart", metadata: ["position": "\(position)"])
                return false
            } catch let refused as PostgresFailure where refused.code == .refusedValue {
                do {
                    let reason = "the run ledger cannot store what the message carries: \(refused.message)"
                    try await recorder.deadLetter(work.message, code: "refused_by_ledger", reason: reason)
                    return true
                } catch {
                    failure = error
                }
            } catch {
                failure = error
            }
            attempt += 1
            let delay = retry.delay(beforeRetry: attempt)
            logger.warning("message not handled yet; retrying", metadata: ["position": "\(position)", "error": "\(failure)", "retry_in": "\(delay)"])
            Counter(label: "tokenize_mcl_retries_total").increment()
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
            } catch {
                logger.notice("shutting down: the message is delivered again after the restart", metadata: ["position": "\(position)"])
                return false
            }
        }
    }

    private func handleOnce(_ work: Work, at position: KafkaPosition) async throws {
        switch work {
        case .trigger(let trigger, let message):
            try await recorder.record(trigger, message)
        case .poison(let error, let message):
            try await recorder.deadLetter(message, code: error.code.rawValue, reason: error.message)
        case .needsSchema(let message):
            switch try await classifier.classify(message.value ?? [], registry: registry) {
            case .irrelevant, .needsSchema: return
            case .trigger(let trigger): try await recorder.record(trigger, message)
            case .poison(let error): try await recorder.deadLetter(message, code: error.code.rawValue, reason: error.message)
            }
        }
    }
}
