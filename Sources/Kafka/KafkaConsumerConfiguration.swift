/// Consumer settings. Typed here; turned into librdkafka's string map only at the C boundary.
public struct KafkaConsumerConfiguration: Sendable, Equatable {
    /// `host:port[,host:port…]`.
    public var bootstrapServers: String
    public var groupID: String
    public var topics: [String]
    /// Session timeout (default 10 s; use ≈6 s against the mock cluster).
    public var sessionTimeout: Duration
    /// How long the poll thread may go without polling before the group drops the member (default 5 min).
    /// The poll thread keeps polling while messages are handled, so this bounds only a stuck poll thread.
    public var maxPollInterval: Duration
    /// Where to start without a committed offset: `earliest` (default) or `latest`.
    public var autoOffsetReset: String
    /// Messages queued for the handler before fetching pauses (default 1000).
    public var maximumQueued: Int
    /// Extra librdkafka settings (`KAFKA_EXTRA_CONFIG`), applied last.
    public var extraSettings: [String: String]

    public init(
        bootstrapServers: String, groupID: String, topics: [String], sessionTimeout: Duration = .seconds(10),
        maxPollInterval: Duration = .seconds(300), autoOffsetReset: String = "earliest", maximumQueued: Int = 1000,
        extraSettings: [String: String] = [:]
    ) {
        self.bootstrapServers = bootstrapServers
        self.groupID = groupID
        self.topics = topics
        self.sessionTimeout = sessionTimeout
        self.maxPollInterval = maxPollInterval
        self.autoOffsetReset = autoOffsetReset
        self.maximumQueued = maximumQueued
        self.extraSettings = extraSettings
    }

    /// The librdkafka settings. Offsets are stored only by the service (`enable.auto.offset.store=false`)
    /// after a message is fully handled; the stored offsets are committed every second and on close.
    public var librdkafkaSettings: [String: String] {
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
            // librdkafka prefetches up to 64 MiB per partition by default; the router drops most MCLs at once,
            // so 16 MiB keeps throughput and bounds memory on topics with large aspects.
            "queued.max.messages.kbytes": "16384",
        ]
        settings.merge(extraSettings) { _, extra in extra }
        return settings
    }
}
