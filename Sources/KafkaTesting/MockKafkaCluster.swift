import CRdKafka
import Kafka

/// librdkafka's mock cluster: real Kafka-protocol listeners on loopback, with consumer groups and committed
/// offsets, for tests and the local stack. It lives as long as this object.
///
/// `@unchecked Sendable`: the mock cluster is driven by its own librdkafka threads; this class only creates,
/// configures and destroys it.
public final class MockKafkaCluster: @unchecked Sendable {
    private let anchor: OpaquePointer
    private let cluster: OpaquePointer

    /// The `bootstrap.servers` of the cluster.
    public let bootstrapServers: String

    public init(brokers: Int32 = 1, topics: [(name: String, partitions: Int32)] = []) throws(KafkaError) {
        let conf = try makeConfiguration(["client.id": "mock-kafka-cluster"])
        var errorBuffer = [CChar](repeating: 0, count: 512)
        guard let anchor = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errorBuffer, errorBuffer.count) else {
            throw KafkaError(.client, "cannot create the mock cluster's client: \(cString(errorBuffer))")
        }
        guard let cluster = rd_kafka_mock_cluster_new(anchor, brokers) else {
            rd_kafka_destroy(anchor)
            throw KafkaError(.client, "cannot create the mock cluster")
        }
        self.anchor = anchor
        self.cluster = cluster
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        for topic in topics { try createTopic(topic.name, partitions: topic.partitions) }
    }

    public func createTopic(_ name: String, partitions: Int32) throws(KafkaError) {
        let result = rd_kafka_mock_topic_create(cluster, name, partitions, 1)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(.client, "cannot create topic \(name)", rdkafka: result) }
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(anchor)
    }
}
