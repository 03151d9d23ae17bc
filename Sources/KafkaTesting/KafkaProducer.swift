import CRdKafka
import Kafka

/// A minimal librdkafka producer, for tests, benchmarks and tools that put messages on a topic.
///
/// `@unchecked Sendable`: librdkafka producer handles are thread-safe; the blocking `flush` is the caller's
/// to keep off the cooperative pool.
public final class KafkaProducer: @unchecked Sendable {
    private let handle: OpaquePointer

    /// - Parameter settings: librdkafka settings; `bootstrap.servers` at least.
    public init(settings: [String: String]) throws(KafkaError) {
        let conf = try makeConfiguration(settings)
        var errorBuffer = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errorBuffer, errorBuffer.count) else {
            throw KafkaError(.client, "cannot create producer: \(cString(errorBuffer))")
        }
        self.handle = handle
    }

    deinit {
        rd_kafka_flush(handle, 10_000)
        rd_kafka_destroy(handle)
    }

    /// Queues one message (copied); `partition` nil lets the partitioner choose by key.
    public func produce(topic: String, partition: Int32? = nil, key: [UInt8]?, value: [UInt8]?) throws(KafkaError) {
        var attempt = 0
        while true {
            let error = topic.withCString { topicName in
                withOptionalBytes(key) { keyPointer, keyCount in
                    withOptionalBytes(value) { valuePointer, valueCount in
                        var values = [rd_kafka_vu_t](repeating: rd_kafka_vu_t(), count: 5)
                        values[0].vtype = RD_KAFKA_VTYPE_TOPIC
                        values[0].u.cstr = topicName
                        values[1].vtype = RD_KAFKA_VTYPE_MSGFLAGS
                        values[1].u.i = RD_KAFKA_MSG_F_COPY
                        values[2].vtype = RD_KAFKA_VTYPE_KEY
                        values[2].u.mem.ptr = UnsafeMutableRawPointer(mutating: keyPointer)
                        values[2].u.mem.size = keyCount
                        values[3].vtype = RD_KAFKA_VTYPE_VALUE
                        values[3].u.mem.ptr = UnsafeMutableRawPointer(mutating: valuePointer)
                        values[3].u.mem.size = valueCount
                        values[4].vtype = RD_KAFKA_VTYPE_PARTITION
                        values[4].u.i32 = partition ?? RD_KAFKA_PARTITION_UA
                        return values.withUnsafeBufferPointer { rd_kafka_produceva(handle, $0.baseAddress, $0.count) }
                    }
                }
            }
            guard let error else { return }
            let code = rd_kafka_error_code(error)
            let reason = String(cString: rd_kafka_error_string(error))
            rd_kafka_error_destroy(error)
            guard code == RD_KAFKA_RESP_ERR__QUEUE_FULL, attempt < 100 else { throw KafkaError(.produce, reason) }
            rd_kafka_poll(handle, 100)  // let deliveries drain, then try again
            attempt += 1
        }
    }

    /// Waits until every queued message is delivered. Blocks.
    public func flush(timeoutMilliseconds: Int32 = 30_000) throws(KafkaError) {
        let result = rd_kafka_flush(handle, timeoutMilliseconds)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(.produce, "flush", rdkafka: result) }
    }
}

private func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawPointer?, Int) -> R) -> R {
    guard let bytes else { return body(nil, 0) }
    return bytes.withUnsafeBytes { body($0.baseAddress, $0.count) }
}
