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
    /// TLS and SASL (`KAFKA_SECURITY_PROTOCOL`, `KAFKA_SASL_*`).
    public var security: KafkaSecurity
    /// Extra librdkafka settings (`KAFKA_EXTRA_CONFIG`), applied last.
    public var extraSettings: [String: String]
    /// Wake librdkafka's fetcher once its pre-fetch queue has drained (`KAFKA_FETCH_WAKEUPS`, default true); only
    /// librdkafka before 2.1 needs it, and only there is it done (`FetchWakeupPolicy`).
    public var wakesStoppedFetchers: Bool

    public init(
        bootstrapServers: String, groupID: String, topics: [String], sessionTimeout: Duration = .seconds(10),
        maxPollInterval: Duration = .seconds(300), autoOffsetReset: String = "earliest", maximumQueued: Int = 1000,
        security: KafkaSecurity = KafkaSecurity(), extraSettings: [String: String] = [:], wakesStoppedFetchers: Bool = true
    ) {
        self.wakesStoppedFetchers = wakesStoppedFetchers
        self.security = security
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
            // The pre-fetch queue (librdkafka's default, 64 MiB, shared by the assigned partitions). librdkafka 2.0
            // stops fetching while it is over this and looks again only when its broker thread wakes; the consumer
            // wakes it once the queue has drained (`FetchWakeupPolicy`). KAFKA_EXTRA_CONFIG overrides it.
            "queued.max.messages.kbytes": "65536",
            // Statistics (consumer lag per partition, for /metrics) every 15 s, delivered on the poll thread.
            "statistics.interval.ms": "15000",
        ]
        settings.merge(security.librdkafkaSettings) { _, security in security }
        settings.merge(extraSettings) { _, extra in extra }
        return settings
    }
}

/// How the consumer reaches the brokers: TLS, and SASL credentials (PLAIN or SCRAM), as Confluent Cloud, MSK
/// (SASL/SCRAM) and Aiven expect.
public struct KafkaSecurity: Sendable, Equatable, CustomStringConvertible {
    public enum SecurityProtocol: String, Sendable, CaseIterable {
        case plaintext = "PLAINTEXT"
        case ssl = "SSL"
        case saslPlaintext = "SASL_PLAINTEXT"
        case saslSSL = "SASL_SSL"

        public var usesSASL: Bool { self == .saslPlaintext || self == .saslSSL }
    }

    public enum Mechanism: String, Sendable, CaseIterable {
        case plain = "PLAIN"
        case scramSHA256 = "SCRAM-SHA-256"
        case scramSHA512 = "SCRAM-SHA-512"
    }

    /// `KAFKA_SECURITY_PROTOCOL` (default PLAINTEXT).
    public var securityProtocol: SecurityProtocol
    /// `KAFKA_SASL_MECHANISM` (default PLAIN).
    public var mechanism: Mechanism
    /// `KAFKA_SASL_USERNAME`, `KAFKA_SASL_PASSWORD` (secret; or `KAFKA_SASL_PASSWORD_FILE`).
    public var username: String?
    public var password: String?
    /// `KAFKA_SSL_CA_LOCATION`: a PEM file of the brokers' CA (default: the system's trust store).
    public var caLocation: String?

    public init(
        securityProtocol: SecurityProtocol = .plaintext, mechanism: Mechanism = .plain, username: String? = nil, password: String? = nil,
        caLocation: String? = nil
    ) {
        self.securityProtocol = securityProtocol
        self.mechanism = mechanism
        self.username = username
        self.password = password
        self.caLocation = caLocation
    }

    var librdkafkaSettings: [String: String] {
        var settings = ["security.protocol": securityProtocol.rawValue]
        if securityProtocol.usesSASL {
            settings["sasl.mechanisms"] = mechanism.rawValue
            settings["sasl.username"] = username
            settings["sasl.password"] = password
        }
        if let caLocation { settings["ssl.ca.location"] = caLocation }
        return settings
    }

    /// For the startup summary (the password only as set or unset).
    public var description: String {
        guard securityProtocol.usesSASL else { return securityProtocol.rawValue }
        return "\(securityProtocol.rawValue)/\(mechanism.rawValue)/user:\(username ?? "-")/password:\(password == nil ? "unset" : "set")"
    }
}
