import CRdKafka
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Consumer settings. Typed here; turned into librdkafka's string map only at the C boundary.
public struct KafkaConsumerConfiguration: Sendable {
    /// `host:port[,host:port…]`.
    public var bootstrapServers: String
    public var groupID: String
    public var topics: [String]
    /// Session timeout (default 10 s; use ≈6 s against the mock cluster).
    public var sessionTimeout: Duration
    /// How long one handler may run before the group considers the member dead (default 30 min). The
    /// poll thread keeps polling during runs, so this bounds only a stuck poll thread.
    public var maxPollInterval: Duration
    /// Where to start without a committed offset: `earliest` (default) or `latest`.
    public var autoOffsetReset: String
    /// Messages in flight before fetching pauses (default 256).
    public var maxInFlight: Int
    /// Extra librdkafka settings (`KAFKA_EXTRA_CONFIG`), applied last.
    public var extraSettings: [String: String]

    public init(
        bootstrapServers: String, groupID: String, topics: [String], sessionTimeout: Duration = .seconds(10),
        maxPollInterval: Duration = .seconds(1800), autoOffsetReset: String = "earliest", maxInFlight: Int = 256,
        extraSettings: [String: String] = [:]
    ) {
        self.bootstrapServers = bootstrapServers
        self.groupID = groupID
        self.topics = topics
        self.sessionTimeout = sessionTimeout
        self.maxPollInterval = maxPollInterval
        self.autoOffsetReset = autoOffsetReset
        self.maxInFlight = maxInFlight
        self.extraSettings = extraSettings
    }

    /// The librdkafka settings. Offsets are stored only by the service (`enable.auto.offset.store=false`)
    /// after a message is fully handled; the stored offsets are committed periodically and on close.
    var librdkafkaSettings: [String: String] {
        var settings = [
            "bootstrap.servers": bootstrapServers,
            "group.id": groupID,
            "enable.auto.offset.store": "false",
            "enable.auto.commit": "true",
            "auto.commit.interval.ms": "1000",
            "auto.offset.reset": autoOffsetReset,
            "session.timeout.ms": "\(sessionTimeout.components.seconds * 1000)",
            "max.poll.interval.ms": "\(maxPollInterval.components.seconds * 1000)",
            "client.id": "tokenize-action",
        ]
        settings.merge(extraSettings) { _, extra in extra }
        return settings
    }
}

/// Consumes topics with a dedicated poll thread and hands each message to `handler` concurrently.
///
/// The blocking `rd_kafka_consumer_poll` and `rd_kafka_consumer_close` run only on that thread, never on
/// Swift's cooperative pool. The thread keeps polling while handlers run (so long runs do not get the
/// member kicked from its group) and pauses fetching when `maxInFlight` messages are unfinished. A
/// message's offset is stored once it and every earlier message of its partition finished. On graceful
/// shutdown delivery stops, in-flight handlers finish, and the consumer closes, committing what is stored.
public final class KafkaConsumerService: Service, Sendable {
    /// Handles one message; returns when it is fully handled (its offset may then be committed).
    public typealias Handler = @Sendable (KafkaMessage) async -> Void

    private let configuration: KafkaConsumerConfiguration
    private let handler: Handler
    private let logger: Logger
    private let shared = ConsumerSharedState()
    private let handle: KafkaConsumerHandle
    private let stopRequested = Atomic<Bool>(false)
    private let pollQueue = DispatchQueue(label: "tokenize-action.kafka.poll")
    private let probeQueue = DispatchQueue(label: "tokenize-action.kafka.probe")

    public init(configuration: KafkaConsumerConfiguration, logger: Logger, handler: @escaping Handler) throws(KafkaError) {
        self.configuration = configuration
        self.handler = handler
        self.logger = logger
        self.handle = try KafkaConsumerHandle(settings: configuration.librdkafkaSettings, topics: configuration.topics, shared: shared)
    }

    /// Whether a broker answers a metadata request (runs on a dedicated queue, not the cooperative pool).
    public func brokerReachable(timeout: Duration = .seconds(2)) async -> Bool {
        await withCheckedContinuation { continuation in
            probeQueue.async { [handle] in
                continuation.resume(returning: handle.brokerReachable(timeoutMilliseconds: Int32(timeout.components.seconds * 1000)))
            }
        }
    }

    public func run() async throws {
        let (messages, continuation) = AsyncStream<KafkaMessage>.makeStream()
        let pollThreadDone = startPollThread(continuation: continuation)
        await withDiscardingTaskGroup { group in
            for await message in messages.cancelOnGracefulShutdown() {
                group.addTask { [self] in
                    await handler(message)
                    markHandled(message)
                }
            }
            // Stop delivering; the group waits here for in-flight handlers to finish.
            stopRequested.store(true, ordering: .sequentiallyConsistent)
        }
        stopRequested.store(true, ordering: .sequentiallyConsistent)
        continuation.finish()
        if let fatal = await pollThreadDone.value {
            throw fatal
        }
    }

    private func markHandled(_ message: KafkaMessage) {
        let partition = TopicPartition(topic: message.topic, partition: message.partition)
        guard let next = shared.tracker.withLock({ $0.finish(partition, offset: message.offset) }) else { return }
        if let failure = handle.storeOffset(partition, offset: next) {
            logger.debug("offset not stored", metadata: ["partition": "\(partition)", "offset": "\(next)", "reason": "\(failure)"])
        }
    }

    /// Starts the poll loop on the dedicated queue; the returned task completes when the consumer closed.
    private func startPollThread(continuation: AsyncStream<KafkaMessage>.Continuation) -> PollLoopCompletion {
        let completion = PollLoopCompletion()
        pollQueue.async { [self] in
            var paused = false
            var fatal: KafkaError?
            while !stopRequested.load(ordering: .sequentiallyConsistent) {
                let inFlight = shared.tracker.withLock { $0.inFlightCount }
                if !paused, inFlight >= configuration.maxInFlight {
                    handle.setPaused(true)
                    paused = true
                    logger.info("pausing fetch", metadata: ["in_flight": "\(inFlight)"])
                } else if paused, inFlight <= configuration.maxInFlight / 2 {
                    handle.setPaused(false)
                    paused = false
                }
                switch handle.poll(timeoutMilliseconds: 100) {
                case .idle:
                    continue
                case .error(let reason, let isFatal):
                    if isFatal {
                        logger.critical("fatal Kafka error", metadata: ["reason": "\(reason)"])
                        fatal = KafkaError(.fatal, reason)
                        continuation.finish()
                        stopRequested.store(true, ordering: .sequentiallyConsistent)
                    } else {
                        logger.warning("Kafka error", metadata: ["reason": "\(reason)"])
                    }
                case .message(let message):
                    if stopRequested.load(ordering: .sequentiallyConsistent) { break }
                    shared.tracker.withLock { $0.begin(TopicPartition(topic: message.topic, partition: message.partition), offset: message.offset) }
                    continuation.yield(message)
                }
            }
            if let failure = handle.close() {
                logger.warning("consumer close reported an error", metadata: ["reason": "\(failure)"])
            } else {
                logger.info("consumer closed; stored offsets committed")
            }
            completion.complete(fatal)
        }
        return completion
    }
}

/// Signals the poll loop's end to the async side.
final class PollLoopCompletion: Sendable {
    private let state = Mutex<(done: Bool, result: KafkaError?, waiter: CheckedContinuation<KafkaError?, Never>?)>((false, nil, nil))

    func complete(_ result: KafkaError?) {
        let waiter = state.withLock { state -> CheckedContinuation<KafkaError?, Never>? in
            state.done = true
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: result)
    }

    var value: KafkaError? {
        get async {
            await withCheckedContinuation { continuation in
                let immediate = state.withLock { state -> KafkaError?? in
                    if state.done { return .some(state.result) }
                    state.waiter = continuation
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        }
    }
}
