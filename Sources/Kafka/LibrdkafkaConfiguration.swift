import CRdKafka

/// Builds an `rd_kafka_conf_t` from a string map: the only place string settings meet C.
package func makeConfiguration(_ settings: [String: String]) throws(KafkaError) -> OpaquePointer {
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
package func cString(_ buffer: [CChar]) -> String {
    buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}

/// Validates librdkafka settings without creating a client: the configuration error, if any.
public func validateKafkaSettings(_ settings: [String: String]) throws(KafkaError) {
    rd_kafka_conf_destroy(try makeConfiguration(settings))
}
