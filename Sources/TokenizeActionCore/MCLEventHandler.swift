import Kafka
import Logging
import MCL
import Metrics
import Runs

/// Turns MCL messages into runs: decode, detect the trigger, submit to the RunManager, and return only
/// when the message is fully handled. Undecodable messages are logged with their position and skipped.
public struct MCLEventHandler: Sendable {
    private let decoder: MCLDecoder
    private let detector: TriggerDetector
    private let runs: RunManager
    private let logger: Logger

    public init(decoder: MCLDecoder, detector: TriggerDetector, runs: RunManager, logger: Logger) {
        self.decoder = decoder
        self.detector = detector
        self.runs = runs
        self.logger = logger
    }

    public func handle(_ message: KafkaMessage) async {
        Counter(label: "tokenize_mcl_messages_total").increment()
        let position: Logger.Metadata = [
            "topic": "\(message.topic)", "partition": "\(message.partition)", "offset": "\(message.offset)",
        ]
        guard let value = message.value else {
            logger.debug("tombstone skipped", metadata: position)
            return
        }
        let trigger: Trigger?
        do {
            let event = try await decoder.decode(value)
            trigger = try detector.trigger(in: event)
        } catch {
            Counter(label: "tokenize_mcl_undecodable_total", dimensions: [("reason", error.code.name)]).increment()
            logger.error("undecodable MCL message skipped", metadata: position.merging(["reason": "\(error)"]) { $1 })
            return
        }
        guard let trigger else { return }
        let scope: RunScope
        switch trigger.scope {
        case .dataset: scope = RunScope(datasetLevel: true)
        case .fields(let fields): scope = RunScope(triggerFields: Set(fields))
        }
        let dataset: DatasetURN
        do {
            dataset = try DatasetURN(trigger.datasetURN)
        } catch {
            logger.error("trigger on an unusable dataset URN skipped", metadata: position.merging(["reason": "\(error)"]) { $1 })
            return
        }
        logger.info("trigger", metadata: position.merging(["dataset": "\(dataset)", "aspect": "\(trigger.aspectName)"]) { $1 })
        _ = await runs.submit(dataset: dataset, scope: scope)
    }
}
