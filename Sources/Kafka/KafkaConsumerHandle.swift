import CRdKafka
import Synchronization

/// Shared between the poll thread and the async side: the offset tracker.
final class ConsumerSharedState: Sendable {
    let tracker = Mutex(OffsetTracker())
}

/// Owns one librdkafka consumer handle.
///
/// `@unchecked Sendable`: librdkafka handles are thread-safe for the calls made here (offset store,
/// pause/resume, metadata); the blocking poll and close are only ever called from the one poll thread.
final class KafkaConsumerHandle: @unchecked Sendable {
    private let handle: OpaquePointer
    private let shared: ConsumerSharedState
    private let sharedReference: Unmanaged<ConsumerSharedState>

    enum PollEvent {
        case message(KafkaMessage)
        case error(String, fatal: Bool)
        case idle
    }

    init(settings: [String: String], topics: [String], shared: ConsumerSharedState) throws(KafkaError) {
        let conf = try makeConfiguration(settings)
        self.shared = shared
        self.sharedReference = Unmanaged.passRetained(shared)
        rd_kafka_conf_set_opaque(conf, sharedReference.toOpaque())
        rd_kafka_conf_set_rebalance_cb(conf, kafkaRebalanceCallback)
        var errorBuffer = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(RD_KAFKA_CONSUMER, conf, &errorBuffer, errorBuffer.count) else {
            sharedReference.release()
            let reason = errorBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw KafkaError(.client, "cannot create consumer: \(reason)")
        }
        self.handle = handle
        rd_kafka_poll_set_consumer(handle)
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics { rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA) }
        let result = rd_kafka_subscribe(handle, list)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(.subscription, "cannot subscribe to \(topics.joined(separator: ","))", rdkafka: result)
        }
    }

    deinit {
        rd_kafka_destroy(handle)
        sharedReference.release()
    }

    /// Blocks up to `timeoutMilliseconds`. Poll thread only.
    func poll(timeoutMilliseconds: Int32) -> PollEvent {
        guard let message = rd_kafka_consumer_poll(handle, timeoutMilliseconds) else { return .idle }
        defer { rd_kafka_message_destroy(message) }
        let m = message.pointee
        if m.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            if m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF { return .idle }
            var fatal = m.err == RD_KAFKA_RESP_ERR__FATAL
            var reason = String(cString: rd_kafka_err2str(m.err))
            if fatal {
                var buffer = [CChar](repeating: 0, count: 512)
                _ = rd_kafka_fatal_error(handle, &buffer, buffer.count)
                reason = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            }
            if m.err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC || m.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART {
                fatal = false
            }
            return .error(reason, fatal: fatal)
        }
        let topic = m.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        let value = m.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: m.len)) }
        let key = m.key.map { Array(UnsafeRawBufferPointer(start: $0, count: m.key_len)) }
        return .message(KafkaMessage(topic: topic, partition: m.partition, offset: m.offset, key: key, value: value))
    }

    /// Stores `offset` (the next offset to consume) for commit. Returns librdkafka's reason on failure.
    func storeOffset(_ partition: TopicPartition, offset: Int64) -> String? {
        let list = rd_kafka_topic_partition_list_new(1)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition)?.pointee.offset = offset
        let result = rd_kafka_offsets_store(handle, list)
        if result != RD_KAFKA_RESP_ERR_NO_ERROR { return String(cString: rd_kafka_err2str(result)) }
        if let element = list?.pointee.elems, element.pointee.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            return String(cString: rd_kafka_err2str(element.pointee.err))
        }
        return nil
    }

    /// Pauses or resumes fetching on every assigned partition.
    func setPaused(_ paused: Bool) {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(handle, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        _ = paused ? rd_kafka_pause_partitions(handle, list) : rd_kafka_resume_partitions(handle, list)
    }

    /// Whether a broker answers a metadata request within the timeout. Blocks: call off the cooperative pool.
    func brokerReachable(timeoutMilliseconds: Int32) -> Bool {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let result = rd_kafka_metadata(handle, 0, nil, &metadata, timeoutMilliseconds)
        if let metadata { rd_kafka_metadata_destroy(metadata) }
        return result == RD_KAFKA_RESP_ERR_NO_ERROR
    }

    /// Leaves the group and commits stored offsets. Blocks; poll thread only.
    func close() -> String? {
        let result = rd_kafka_consumer_close(handle)
        return result == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : String(cString: rd_kafka_err2str(result))
    }
}

/// Eager rebalance handling: assign what the group gives; on revoke, forget in-flight offsets of the
/// revoked partitions (their messages will be delivered again to the new owner, and runs are idempotent).
private func kafkaRebalanceCallback(
    _ handle: OpaquePointer?, _ error: rd_kafka_resp_err_t,
    _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, _ opaque: UnsafeMutableRawPointer?
) {
    guard let handle else { return }
    let cooperative = rd_kafka_rebalance_protocol(handle).map { String(cString: $0) } == "COOPERATIVE"
    switch error {
    case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
        if cooperative {
            if let failure = rd_kafka_incremental_assign(handle, partitions) { rd_kafka_error_destroy(failure) }
        } else {
            rd_kafka_assign(handle, partitions)
        }
    default:
        if let opaque, let partitions {
            let shared = Unmanaged<ConsumerSharedState>.fromOpaque(opaque).takeUnretainedValue()
            var revoked: [TopicPartition] = []
            let list = partitions.pointee
            for index in 0..<Int(list.cnt) {
                let element = list.elems[index]
                revoked.append(TopicPartition(topic: String(cString: element.topic), partition: element.partition))
            }
            shared.tracker.withLock { $0.forget(revoked) }
        }
        if cooperative {
            if let failure = rd_kafka_incremental_unassign(handle, partitions) { rd_kafka_error_destroy(failure) }
        } else {
            rd_kafka_assign(handle, nil)
        }
    }
}
