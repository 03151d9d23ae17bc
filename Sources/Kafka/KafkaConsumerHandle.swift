import CRdKafka
import Logging
import Synchronization

/// What the poll thread and the rebalance callback share with the async handler loop.
final class ConsumerSharedState: Sendable {
    struct Inner: Sendable {
        var tracker = OffsetTracker()
        var lifecycle: ConsumerLifecycle
        /// Offsets to store on the next poll iteration (librdkafka is only called from the poll thread).
        var pendingStores: [TopicPartition: Int64] = [:]
        /// Partitions assigned to this member now.
        var assigned: Set<TopicPartition> = []
        /// When to wake librdkafka's stopped fetcher (the poll thread observes, the wake-up queue reports back).
        var fetchWakeup = FetchWakeupPolicy()
        var fetchWakeupCount = 0
        /// The last client error librdkafka reported that is about reaching the cluster (`kafkaErrorCallback`).
        var clientProblem: KafkaClientProblem?
        /// A fatal error reported by the error callback, for the poll loop to act on.
        var pendingFatal: String?
    }

    let inner: Mutex<Inner>
    /// Where librdkafka's own log lines and client errors go (`kafkaLogCallback`, `kafkaErrorCallback`).
    let logger: Logger

    init(maximumQueued: Int, logger: Logger) {
        inner = Mutex(Inner(lifecycle: ConsumerLifecycle(maximumQueued: maximumQueued)))
        self.logger = logger
    }

    func withLock<T>(_ body: (inout Inner) -> T) -> T { inner.withLock { body(&$0) } }
}

/// Owns one librdkafka consumer handle.
///
/// `@unchecked Sendable`: librdkafka handles are thread-safe for the metadata probe; every other call
/// (poll, offset store, pause/resume, commit, close) is made only from the one poll thread.
final class KafkaConsumerHandle: @unchecked Sendable {
    let handle: OpaquePointer
    /// The consumer queue every assigned partition's messages are forwarded to (librdkafka's pre-fetch queue).
    let consumerQueue: OpaquePointer
    private let sharedReference: Unmanaged<ConsumerSharedState>
    /// `pollAvailable`'s message array, and the last topic handle's name (poll thread only).
    private let batch = UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>.allocate(capacity: KafkaConsumerHandle.batchCapacity)
    private var lastTopic: (OpaquePointer, String)?

    enum PollEvent {
        case message(KafkaMessageView)
        case error(String, fatal: Bool)
        case idle
    }

    init(settings: [String: String], topics: [String], shared: ConsumerSharedState) throws(KafkaError) {
        let conf = try makeConfiguration(settings)
        sharedReference = Unmanaged.passRetained(shared)
        rd_kafka_conf_set_opaque(conf, sharedReference.toOpaque())
        rd_kafka_conf_set_rebalance_cb(conf, kafkaRebalanceCallback)
        rd_kafka_conf_set_stats_cb(conf, kafkaStatisticsCallback)
        rd_kafka_conf_set_log_cb(conf, kafkaLogCallback)
        rd_kafka_conf_set_error_cb(conf, kafkaErrorCallback)
        var errorBuffer = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(RD_KAFKA_CONSUMER, conf, &errorBuffer, errorBuffer.count) else {
            sharedReference.release()
            throw KafkaError(.client, "cannot create consumer: \(cString(errorBuffer))")
        }
        rd_kafka_poll_set_consumer(handle)
        guard let consumerQueue = rd_kafka_queue_get_consumer(handle) else {
            rd_kafka_destroy(handle)
            sharedReference.release()
            throw KafkaError(.client, "the consumer has no consumer queue; check group.id")
        }
        self.handle = handle
        self.consumerQueue = consumerQueue
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics { rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA) }
        let result = rd_kafka_subscribe(handle, list)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(.subscription, "cannot subscribe to \(topics.joined(separator: ","))", rdkafka: result)
        }
    }

    deinit {
        batch.deallocate()
        rd_kafka_queue_destroy(consumerQueue)
        rd_kafka_destroy(handle)
        sharedReference.release()
    }

    /// Waits up to `timeoutMilliseconds` for one event and lends it to `body`. Poll thread only.
    func poll(timeoutMilliseconds: Int32, _ body: (PollEvent) -> Void) {
        guard let message = rd_kafka_consumer_poll(handle, timeoutMilliseconds) else { return body(.idle) }
        lend(message, body)
    }

    /// Lends the events already waiting in the consumer queue, at most `limit`, to `body` without blocking, and
    /// returns how many there were. One call for many messages (`rd_kafka_consume_batch_queue` with no wait, which
    /// serves callbacks such as rebalances as `rd_kafka_consumer_poll` does). Poll thread only.
    func pollAvailable(limit: Int, _ body: (PollEvent) -> Void) -> Int {
        let count = rd_kafka_consume_batch_queue(consumerQueue, 0, batch, min(limit, Self.batchCapacity))
        guard count > 0 else { return 0 }
        for index in 0..<count {
            if let message = batch[index] { lend(message, body) }
        }
        return count
    }

    /// At most this many messages per `pollAvailable`.
    static let batchCapacity = 512

    /// Lends one message or error event to `body`, then destroys it.
    private func lend(_ message: UnsafeMutablePointer<rd_kafka_message_t>, _ body: (PollEvent) -> Void) {
        defer { rd_kafka_message_destroy(message) }
        let m = message.pointee
        if m.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            if m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF { return body(.idle) }
            var reason = String(cString: rd_kafka_err2str(m.err))
            let fatal = m.err == RD_KAFKA_RESP_ERR__FATAL
            if fatal {
                var buffer = [CChar](repeating: 0, count: 512)
                _ = rd_kafka_fatal_error(handle, &buffer, buffer.count)
                reason = cString(buffer)
            }
            return body(.error(reason, fatal: fatal))
        }
        body(
            .message(
                KafkaMessageView(
                    position: KafkaPosition(topic: topicName(m.rkt), partition: m.partition, offset: m.offset),
                    key: m.key.map { UnsafeRawBufferPointer(start: $0, count: m.key_len) },
                    value: m.payload.map { UnsafeRawBufferPointer(start: $0, count: m.len) })))
    }

    /// The topic's name, read from librdkafka once per topic handle in a row (not copied for every message).
    private func topicName(_ topic: OpaquePointer?) -> String {
        guard let topic else { return "" }
        if let (handle, name) = lastTopic, handle == topic { return name }
        let name = String(cString: rd_kafka_topic_name(topic))
        lastTopic = (topic, name)
        return name
    }

    /// Stores offsets (the next offset to consume per partition) for the next commit. Returns the failures.
    func storeOffsets(_ offsets: [TopicPartition: Int64]) -> [TopicPartition: String] {
        guard !offsets.isEmpty else { return [:] }
        let list = rd_kafka_topic_partition_list_new(Int32(offsets.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (partition, offset) in offsets {
            rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition)?.pointee.offset = offset
        }
        _ = rd_kafka_offsets_store(handle, list)
        var failures: [TopicPartition: String] = [:]
        if let list {
            for index in 0..<Int(list.pointee.cnt) where list.pointee.elems[index].err != RD_KAFKA_RESP_ERR_NO_ERROR {
                let element = list.pointee.elems[index]
                failures[TopicPartition(topic: String(cString: element.topic), partition: element.partition)] = String(
                    cString: rd_kafka_err2str(element.err))
            }
        }
        return failures
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

    /// Commits the stored offsets synchronously; nil on success or when nothing was stored.
    func commitStored() -> String? {
        let result = rd_kafka_commit(handle, nil, 0)
        guard result != RD_KAFKA_RESP_ERR_NO_ERROR, result != RD_KAFKA_RESP_ERR__NO_OFFSET else { return nil }
        return String(cString: rd_kafka_err2str(result))
    }

    /// Leaves the group (committing what is stored). Blocks; poll thread only.
    func close() -> String? {
        let result = rd_kafka_consumer_close(handle)
        return result == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : String(cString: rd_kafka_err2str(result))
    }

    /// The committed offsets of `partitions` in the group (blocking; for tests and diagnostics).
    func committed(_ partitions: [TopicPartition], timeoutMilliseconds: Int32) -> [TopicPartition: Int64] {
        let list = rd_kafka_topic_partition_list_new(Int32(partitions.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for partition in partitions { rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition) }
        guard rd_kafka_committed(handle, list, timeoutMilliseconds) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [:] }
        var result: [TopicPartition: Int64] = [:]
        for index in 0..<Int(list.pointee.cnt) {
            let element = list.pointee.elems[index]
            result[TopicPartition(topic: String(cString: element.topic), partition: element.partition)] = element.offset
        }
        return result
    }
}

/// Rebalance handling on the poll thread. On revoke, stored offsets are committed first (so the next owner
/// starts after the work done here), then the revoked partitions' in-flight tickets go stale.
private func kafkaRebalanceCallback(
    _ handle: OpaquePointer?, _ error: rd_kafka_resp_err_t,
    _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, _ opaque: UnsafeMutableRawPointer?
) {
    guard let handle else { return }
    let cooperative = rd_kafka_rebalance_protocol(handle).map { String(cString: $0) } == "COOPERATIVE"
    let shared = opaque.map { Unmanaged<ConsumerSharedState>.fromOpaque($0).takeUnretainedValue() }
    var changed: [TopicPartition] = []
    if let partitions {
        for index in 0..<Int(partitions.pointee.cnt) {
            let element = partitions.pointee.elems[index]
            changed.append(TopicPartition(topic: String(cString: element.topic), partition: element.partition))
        }
    }
    guard error != RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS else {
        shared?.withLock { $0.assigned.formUnion(changed) }
        if cooperative {
            if let failure = rd_kafka_incremental_assign(handle, partitions) { rd_kafka_error_destroy(failure) }
        } else {
            rd_kafka_assign(handle, partitions)
        }
        return
    }
    if let shared {
        let pending = shared.withLock { inner in
            defer { inner.pendingStores = [:] }
            return inner.pendingStores
        }
        if !pending.isEmpty {
            let list = rd_kafka_topic_partition_list_new(Int32(pending.count))
            for (partition, offset) in pending {
                rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition)?.pointee.offset = offset
            }
            _ = rd_kafka_offsets_store(handle, list)
            rd_kafka_topic_partition_list_destroy(list)
        }
        _ = rd_kafka_commit(handle, nil, 0)
        shared.withLock { inner in
            inner.tracker.forget(changed)
            inner.assigned.subtract(changed)
        }
        // Another member reports these partitions' lag now.
        ConsumerStatistics.record(Dictionary(changed.map { ($0, 0) }) { first, _ in first })
    }
    if cooperative {
        if let failure = rd_kafka_incremental_unassign(handle, partitions) { rd_kafka_error_destroy(failure) }
    } else {
        rd_kafka_assign(handle, nil)
    }
}
