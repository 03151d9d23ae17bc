import CRdKafka

/// A Kafka failure with librdkafka's reason in words, never a raw C code.
public struct KafkaError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public static let configuration = Code(name: "configuration")
        public static let client = Code(name: "client")
        public static let subscription = Code(name: "subscription")
        public static let fatal = Code(name: "fatal")
        public static let produce = Code(name: "produce")
        public var description: String { name }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    init(_ code: Code, _ context: String, rdkafka error: rd_kafka_resp_err_t) {
        self.init(code, "\(context): \(String(cString: rd_kafka_err2str(error)))")
    }

    public var description: String { "Kafka \(code): \(message)" }
}

/// Builds an `rd_kafka_conf_t` from a string map: the only place string settings meet C.
func makeConfiguration(_ settings: [String: String]) throws(KafkaError) -> OpaquePointer {
    guard let conf = rd_kafka_conf_new() else { throw KafkaError(.configuration, "rd_kafka_conf_new failed") }
    var errorBuffer = [CChar](repeating: 0, count: 512)
    for (key, value) in settings.sorted(by: { $0.key < $1.key }) {
        let result = rd_kafka_conf_set(conf, key, value, &errorBuffer, errorBuffer.count)
        guard result == RD_KAFKA_CONF_OK else {
            rd_kafka_conf_destroy(conf)
            let reason = errorBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw KafkaError(.configuration, "setting '\(key)': \(reason)")
        }
    }
    return conf
}
