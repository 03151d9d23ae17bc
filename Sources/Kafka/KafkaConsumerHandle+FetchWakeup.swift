import CRdKafka

/// What `FetchWakeupPolicy` observes and the request that wakes a stopped fetcher.
extension KafkaConsumerHandle {
    /// Whether the linked librdkafka stops fetching on a full pre-fetch queue without a timer (before 2.1).
    static var fetcherNeedsWakeups: Bool { rd_kafka_version() < 0x0201_0000 }

    /// Messages and events waiting in the consumer's pre-fetch queue. Any thread; no request.
    func prefetchQueueLength() -> Int {
        Int(rd_kafka_queue_length(consumerQueue))
    }

    /// Each partition's high watermark, as of its last fetch, minus the position consumed so far. Partitions with
    /// no position yet (nothing consumed) or no known watermark are left out. Any thread; no request.
    func lag(of partitions: Set<TopicPartition>) -> [TopicPartition: Int64] {
        guard !partitions.isEmpty, let list = rd_kafka_topic_partition_list_new(Int32(partitions.count)) else { return [:] }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for partition in partitions { rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition) }
        guard rd_kafka_position(handle, list) == RD_KAFKA_RESP_ERR_NO_ERROR else { return [:] }
        var lag: [TopicPartition: Int64] = [:]
        for index in 0..<Int(list.pointee.cnt) {
            let element = list.pointee.elems[index]
            guard element.offset >= 0 else { continue }
            var low: Int64 = 0
            var high: Int64 = 0
            guard rd_kafka_get_watermark_offsets(handle, element.topic, element.partition, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR,
                high >= 0
            else { continue }
            lag[TopicPartition(topic: String(cString: element.topic), partition: element.partition)] = high - element.offset
        }
        return lag
    }

    /// Asks the partitions' leaders for their end offsets: one ListOffsets request per leader, whose queuing wakes
    /// that broker's thread, so it re-decides which partitions to fetch. Blocks up to the timeout: call it only on
    /// the wake-up queue. Returns librdkafka's reason when the request failed (the wake-up happened regardless).
    func wakeFetchers(_ partitions: [TopicPartition], timeoutMilliseconds: Int32) -> String? {
        guard !partitions.isEmpty, let list = rd_kafka_topic_partition_list_new(Int32(partitions.count)) else { return nil }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for partition in partitions {
            // For ListOffsets the offset field is the timestamp; RD_KAFKA_OFFSET_END (-1) asks for the end.
            rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition)?.pointee.offset = Int64(RD_KAFKA_OFFSET_END)
        }
        let result = rd_kafka_offsets_for_times(handle, list, timeoutMilliseconds)
        return result == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : String(cString: rd_kafka_err2str(result))
    }
}
