/// When to wake librdkafka's fetcher. Pure: it returns actions; the poll thread observes and a dedicated queue acts.
///
/// librdkafka before 2.1 (Debian 12 ships 2.0.2) stops fetching every partition while the consumer's pre-fetch
/// queue is over `queued.min.messages` or `queued.max.messages.kbytes`, with no backoff timer: its broker thread
/// looks again only when something else wakes it, at the latest after a second (`rd_kafka_toppar_fetch_decide`;
/// 2.1 added `fetch.queue.backoff.ms` for this). A consumer that spends even microseconds per message drains the
/// queue long before that second is up and then idles: on a 100k-MCL backlog that capped the service near 20k
/// messages/s, and a bare C consumer spending 8 µs per message at 14k/s.
///
/// The cure is to wake the brokers once the queue has drained while they still hold messages for us: the
/// service asks the lagging partitions' leaders for their end offsets (one small ListOffsets request per
/// leader, answered from the broker's index); queuing that request wakes the broker thread, which re-decides
/// every partition and fetches again. The policy sends such a wake-up only when
/// - the queue is at most half as long as at its peak since the previous wake-up (it has drained, so the fetcher
///   is likely stopped and the refill arrives before the queue runs dry),
/// - the partitions' high watermarks (as of their last fetch) lie further ahead of the consumed positions than
///   the queue holds (so the brokers have messages that are not fetched yet; an idle topic never gets one),
/// - no wake-up is in flight and the last one is at least `minimumInterval` old (so at most a few dozen small
///   requests per second, and only while behind).
public struct FetchWakeupPolicy: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        case none
        /// Ask these partitions' leaders for their end offsets.
        case wake([TopicPartition])
    }

    public let minimumInterval: Duration
    public private(set) var inFlight = false
    private var peakQueueLength = 0
    private var lastWakeup: Duration?

    public init(minimumInterval: Duration = .milliseconds(10)) {
        self.minimumInterval = minimumInterval
    }

    /// One look at the consumer: `queueLength` is the pre-fetch queue's length, `lag` gives each assigned
    /// partition's high watermark minus its consumed position (asked only when the rest allows a wake-up), `now`
    /// is a monotonic time.
    public mutating func observe(queueLength: Int, now: Duration, lag: () -> [TopicPartition: Int64]) -> Action {
        peakQueueLength = max(peakQueueLength, queueLength)
        guard !inFlight, queueLength <= peakQueueLength / 2 else { return .none }
        if let lastWakeup, now - lastWakeup < minimumInterval { return .none }
        let behind = lag().filter { $0.value > 0 }
        let unfetched = behind.values.reduce(0, +) - Int64(queueLength)
        guard unfetched > 0 else { return .none }
        inFlight = true
        lastWakeup = now
        peakQueueLength = queueLength
        return .wake(behind.keys.sorted())
    }

    /// The wake-up request came back (answered or failed: either way the broker thread woke).
    public mutating func wakeupFinished() {
        inFlight = false
    }
}
