import CRdKafka
import JSON
import Metrics

/// What the service takes from librdkafka's statistics (`statistics.interval.ms`): the consumer lag of each
/// partition this member fetches. Pure: parsed from the statistics JSON.
public enum ConsumerStatistics {
    /// `topics.<topic>.partitions.<n>.consumer_lag` for real partitions (not librdkafka's `-1` bucket) whose lag
    /// is known (librdkafka says -1 until it has both a position and a high watermark).
    public static func lags(_ statistics: JSONValue) -> [TopicPartition: Int64] {
        var lags: [TopicPartition: Int64] = [:]
        for (topic, details) in statistics["topics"]?.object ?? [:] {
            for (key, partition) in details["partitions"]?.object ?? [:] {
                guard let number = Int32(key), number >= 0, let lag = partition["consumer_lag"]?.number, lag >= 0 else { continue }
                lags[TopicPartition(topic: topic, partition: number)] = Int64(lag)
            }
        }
        return lags
    }

    /// Publishes the lags as `tokenize_kafka_consumer_lag{topic, partition}`.
    static func record(_ lags: [TopicPartition: Int64]) {
        for (partition, lag) in lags {
            Gauge(label: "tokenize_kafka_consumer_lag", dimensions: [("topic", partition.topic), ("partition", "\(partition.partition)")]).record(lag)
        }
    }
}

/// librdkafka's statistics callback (on the poll thread). Returns 0: librdkafka frees the JSON.
func kafkaStatisticsCallback(_ handle: OpaquePointer?, _ json: UnsafeMutablePointer<CChar>?, _ length: Int, _ opaque: UnsafeMutableRawPointer?)
    -> Int32
{
    guard let json else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: json, count: length)
    guard let statistics = try? JSONParser.parse(bytes) else { return 0 }
    let shared = opaque.map { Unmanaged<ConsumerSharedState>.fromOpaque($0).takeUnretainedValue() }
    let assigned = shared?.withLock { $0.assigned }
    ConsumerStatistics.record(ConsumerStatistics.lags(statistics).filter { assigned?.contains($0.key) ?? true })
    return 0
}
