import CRdKafka
import Resilience

/// A Kafka failure with librdkafka's reason in words, never a raw C code.
public typealias KafkaError = ServiceError<KafkaErrorCode>

public enum KafkaErrorCode: String, ErrorCode {
    /// A setting librdkafka rejects (`KAFKA_EXTRA_CONFIG`).
    case configuration
    /// The client could not be created.
    case client
    case subscription
    /// librdkafka reported an unrecoverable error.
    case fatal
    case produce

    public static var subject: String? { "Kafka" }
}

extension ServiceError where Code == KafkaErrorCode {
    init(_ code: KafkaErrorCode, _ context: String, rdkafka error: rd_kafka_resp_err_t) {
        self.init(code, "\(context): \(String(cString: rd_kafka_err2str(error)))")
    }
}

/// Builds an `rd_kafka_conf_t` from a string map: the only place string settings meet C.
func makeConfiguration(_ settings: [String: String]) throws(KafkaError) -> OpaquePointer {
    guard let conf = rd_kafka_conf_new() else { throw KafkaError(.configuration, "rd_kafka_conf_new failed") }
    var errorBuffer = [CChar](repeating: 0, count: 512)
    for (key, value) in settings.sorted(by: { $0.key < $1.key }) {
        let result = rd_kafka_conf_set(conf, key, value, &errorBuffer, errorBuffer.count)
        guard result == RD_KAFKA_CONF_OK else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(.configuration, "setting '\(key)': \(cString(errorBuffer))")
        }
    }
    return conf
}

/// A NUL-terminated C buffer as a Swift string.
func cString(_ buffer: [CChar]) -> String {
    buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}

/// Validates librdkafka settings without creating a client: the configuration error, if any.
public func validateKafkaSettings(_ settings: [String: String]) throws(KafkaError) {
    rd_kafka_conf_destroy(try makeConfiguration(settings))
}
