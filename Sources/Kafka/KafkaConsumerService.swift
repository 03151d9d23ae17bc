import Dispatch
import Foundation
import Logging
import Metrics
import Resilience
import ServiceLifecycle
import Synchronization

/// Decides what each message needs and handles it.
public protocol KafkaMessageRouter: Sendable {
    /// What the async handler needs of a message (copied out of librdkafka's buffers).
    associatedtype Work: Sendable

    /// Called on the poll thread, in order, for every message; the buffers are valid only during the call.
    /// Returns nil when there is nothing to do, so the offset may move on at once.
    func route(_ message: KafkaMessageView) -> Work?

    /// Handles one message's work. Called sequentially, in arrival order. Returns true when the message is fully
    /// handled (its offset may be committed), false when it was abandoned because the service is shutting down
    /// (Kafka delivers it again after the restart).
    func handle(_ work: Work, at position: KafkaPosition) async -> Bool
}

/// Consumes topics with a dedicated poll thread and a router.
///
/// The blocking librdkafka calls run only on that thread, never on Swift's cooperative pool. The router looks
/// at each message on the poll thread and drops what needs no work (most of a busy MCL topic) without a copy
/// or a task; the rest is handled in order by one async loop. The poll thread keeps polling while messages
/// are handled (so the member stays in its group), and pauses fetching while too many wait. A message's offset
/// is stored once it and every earlier message of its partition are handled (`OffsetTracker`).
///
/// Graceful shutdown follows `ConsumerLifecycle`: fetching pauses, queued messages are dropped (delivered again
/// later), the running handler finishes, and only then are the stored offsets committed and the consumer closed.
public final class KafkaConsumerService<Router: KafkaMessageRouter>: Service, Sendable {
    private struct Delivery: Sendable {
        var work: Router.Work
        var ticket: OffsetTracker.Ticket
        var position: KafkaPosition
    }

    private let configuration: KafkaConsumerConfiguration
    private let router: Router
    private let logger: Logger
    private let shared: ConsumerSharedState
    private let handle: KafkaConsumerHandle
    private let pollQueue = DispatchQueue(label: "tokenize-action.kafka.poll")
    private let probeQueue = DispatchQueue(label: "tokenize-action.kafka.probe")
    /// Where the fetch wake-up requests block (never the poll thread, never the cooperative pool).
    private let wakeupQueue = DispatchQueue(label: "tokenize-action.kafka.fetch-wakeup")
    private let wakesStoppedFetchers: Bool
    private let fetchWakeups = Counter(label: "tokenize_kafka_fetch_wakeups_total")
    private let consumed = Counter(label: "tokenize_kafka_messages_total")
    private let lastPoll = Gauge(label: "tokenize_kafka_last_poll_timestamp_seconds")
    private let assignedPartitions = Gauge(label: "tokenize_kafka_assigned_partitions")
    /// Messages taken from the pre-fetch queue per poll iteration at most: the pause, the offset store and the
    /// liveness clock run once per iteration, and a pause takes effect at most this many messages late.
    static var messagesPerPoll: Int { 128 }

    public init(configuration: KafkaConsumerConfiguration, router: Router, logger: Logger) throws(KafkaError) {
        self.configuration = configuration
        self.router = router
        self.logger = logger
        self.shared = ConsumerSharedState(maximumQueued: configuration.maximumQueued, logger: logger)
        self.handle = try KafkaConsumerHandle(settings: configuration.librdkafkaSettings, topics: configuration.topics, shared: shared)
        self.wakesStoppedFetchers = configuration.wakesStoppedFetchers && KafkaConsumerHandle.fetcherNeedsWakeups
    }

    /// How many times the consumer has woken librdkafka's stopped fetcher (see `FetchWakeupPolicy`).
    public var fetchWakeupCount: Int { shared.withLock { $0.fetchWakeupCount } }

    /// Whether the consumer can work with the cluster: a broker answers a metadata request within `timeout`; else
    /// the last client error librdkafka reported says whether the cluster refused this client or could not be
    /// reached (runs on a dedicated queue, not the cooperative pool).
    public func probe(timeout: Duration = .seconds(5)) async -> ProbeOutcome {
        if await brokerReachable(timeout: timeout) { return .answers }
        switch shared.withLock({ $0.clientProblem }) {
        case .refused(let reason):
            return .refused("a broker refused this client (\(reason)); check KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM and the SASL credentials")
        case .unreachable(let reason):
            return .unavailable("no broker of \(configuration.bootstrapServers) answers (\(reason)); check KAFKA_BOOTSTRAP_SERVERS")
        case nil:
            return .unavailable(
                "no broker of \(configuration.bootstrapServers) answered within \(Int(timeout.seconds)) s; check KAFKA_BOOTSTRAP_SERVERS")
        }
    }

    /// Whether a broker answers a metadata request (runs on a dedicated queue, not the cooperative pool).
    public func brokerReachable(timeout: Duration = .seconds(2)) async -> Bool {
        await withCheckedContinuation { continuation in
            probeQueue.async { [handle] in
                continuation.resume(returning: handle.brokerReachable(timeoutMilliseconds: Int32(timeout.components.seconds * 1000)))
            }
        }
    }

    /// The group's committed offsets for `partitions` (blocking call on the probe queue).
    public func committedOffsets(_ partitions: [TopicPartition], timeout: Duration = .seconds(5)) async -> [TopicPartition: Int64] {
        await withCheckedContinuation { continuation in
            probeQueue.async { [handle] in
                continuation.resume(returning: handle.committed(partitions, timeoutMilliseconds: Int32(timeout.components.seconds * 1000)))
            }
        }
    }

    public func run() async throws {
        let (deliveries, continuation) = AsyncStream<Delivery>.makeStream()
        let pollLoopDone = PollLoopCompletion()
        pollQueue.async { [self] in
            let fatal = pollLoop(continuation)
            continuation.finish()
            pollLoopDone.complete(fatal)
        }
        await withGracefulShutdownHandler {
            for await delivery in deliveries {
                let shouldHandle = shared.withLock { inner -> Bool in
                    guard inner.lifecycle.deliveryDequeued() == .handle else { return false }
                    guard inner.tracker.isCurrent(delivery.ticket) else {
                        inner.lifecycle.handlerFinished()  // its partition was revoked: the new owner handles it
                        return false
                    }
                    return true
                }
                guard shouldHandle else { continue }
                let handled = await router.handle(delivery.work, at: delivery.position)
                shared.withLock { inner in
                    inner.lifecycle.handlerFinished()
                    if handled, let next = inner.tracker.finish(delivery.ticket) {
                        inner.pendingStores[delivery.ticket.partition] = next
                    }
                }
            }
        } onGracefulShutdown: { [shared, logger] in
            logger.info("consumer draining: the running handler finishes, then offsets are committed")
            shared.withLock { $0.lifecycle.shutdownRequested() }
        }
        if let fatal = await pollLoopDone.value { throw fatal }
    }

    /// The poll thread's loop; returns a fatal error, if one ended it.
    private func pollLoop(_ continuation: AsyncStream<Delivery>.Continuation) -> KafkaError? {
        var fatal: KafkaError?
        var reportedAssignment = -1
        let clock = ContinuousClock()
        let start = clock.now
        var nextWakeupCheck = start
        var nextLivenessRecord = start
        while true {
            let assigned = shared.withLock { $0.assigned.count }
            if assigned != reportedAssignment {
                assignedPartitions.record(assigned)
                reportedAssignment = assigned
            }
            switch shared.withLock({ $0.lifecycle.nextPollAction() }) {
            case .pauseFetch:
                handle.setPaused(true)
                logger.debug("fetching paused")
                continue
            case .resumeFetch:
                handle.setPaused(false)
                logger.debug("fetching resumed")
                continue
            case .close:
                wakeupQueue.sync {}  // no wake-up request may be in flight while the consumer closes
                flushStoredOffsets()
                if let failure = handle.commitStored() {
                    logger.warning("final offset commit failed", metadata: ["reason": "\(failure)"])
                }
                if let failure = handle.close() {
                    logger.warning("consumer close reported an error", metadata: ["reason": "\(failure)"])
                } else {
                    logger.info("consumer closed; stored offsets committed")
                }
                shared.withLock { $0.lifecycle.closeCompleted() }
                continue
            case .exit:
                return fatal
            case .poll:
                break
            }
            flushStoredOffsets()
            func serve(_ event: KafkaConsumerHandle.PollEvent) {
                switch event {
                case .idle:
                    break
                case .error(let reason, let isFatal):
                    if isFatal {
                        logger.critical("fatal Kafka error", metadata: ["reason": "\(reason)"])
                        fatal = KafkaError(.fatal, reason)
                        shared.withLock { $0.lifecycle.fatalErrorOccurred() }
                    } else {
                        logger.warning("Kafka error", metadata: ["reason": "\(reason)"])
                    }
                case .message(let message):
                    consumed.increment()
                    route(message, continuation)
                }
            }
            // What is already fetched, in one call (offsets are stored once per such batch); else wait for one event.
            if handle.pollAvailable(limit: Self.messagesPerPoll, serve) == 0 {
                handle.poll(timeoutMilliseconds: 100, serve)
            }
            let reportedFatal = shared.withLock { inner -> String? in
                defer { inner.pendingFatal = nil }
                return inner.pendingFatal
            }
            if let reportedFatal { serve(.error(reportedFatal, fatal: true)) }
            let now = clock.now
            if now >= nextLivenessRecord {  // the liveness probe's clock, 10 times a second at most
                lastPoll.record(Date().timeIntervalSince1970)
                nextLivenessRecord = now.advanced(by: .milliseconds(100))
            }
            if wakesStoppedFetchers, now >= nextWakeupCheck {
                nextWakeupCheck = now.advanced(by: .milliseconds(2))
                considerFetchWakeup(at: now - start)
            }
        }
    }

    /// Observes the pre-fetch queue and, when `FetchWakeupPolicy` says so, wakes the lagging partitions' brokers
    /// from the wake-up queue. Poll thread only; costs a queue-length read, and a position read when it may wake.
    private func considerFetchWakeup(at now: Duration) {
        let (assigned, fetching) = shared.withLock { ($0.assigned, $0.lifecycle.state == .running && !$0.lifecycle.fetchPaused) }
        guard fetching, !assigned.isEmpty else { return }
        let queueLength = handle.prefetchQueueLength()
        let action = shared.withLock { inner in
            let action = inner.fetchWakeup.observe(queueLength: queueLength, now: now) { handle.lag(of: assigned) }
            if case .wake = action { inner.fetchWakeupCount += 1 }  // counted when sent, as the metric is
            return action
        }
        guard case .wake(let partitions) = action else { return }
        fetchWakeups.increment()
        wakeupQueue.async { [handle, shared, logger] in
            if let failure = handle.wakeFetchers(partitions, timeoutMilliseconds: 500) {
                logger.debug("fetch wake-up request failed (the broker woke regardless)", metadata: ["reason": "\(failure)"])
            }
            shared.withLock { $0.fetchWakeup.wakeupFinished() }
        }
    }

    private func route(_ message: KafkaMessageView, _ continuation: AsyncStream<Delivery>.Continuation) {
        let partition = message.position.topicPartition
        guard let work = router.route(message) else {
            shared.withLock { inner in
                guard inner.lifecycle.state == .running, let next = inner.tracker.complete(partition, offset: message.position.offset) else { return }
                inner.pendingStores[partition] = next
            }
            return
        }
        let ticket = shared.withLock { inner -> OffsetTracker.Ticket? in
            guard inner.lifecycle.messageArrived() == .deliver else { return nil }
            return inner.tracker.begin(partition, offset: message.position.offset)
        }
        guard let ticket else { return }
        continuation.yield(Delivery(work: work, ticket: ticket, position: message.position))
    }

    private func flushStoredOffsets() {
        let pending = shared.withLock { inner in
            defer { inner.pendingStores = [:] }
            return inner.pendingStores
        }
        for (partition, reason) in handle.storeOffsets(pending) {
            logger.warning("offset not stored", metadata: ["partition": "\(partition)", "reason": "\(reason)"])
        }
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
