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
    package init(_ code: KafkaErrorCode, _ context: String, rdkafka error: rd_kafka_resp_err_t) {
        self.init(code, "\(context): \(String(cString: rd_kafka_err2str(error)))")
    }
}
