import JSON
import Kafka
import Testing

/// Consumer lag per partition from librdkafka's statistics JSON.
@Suite struct ConsumerStatisticsTests {
    @Test func lagsOfRealPartitionsWithAKnownLag() throws {
        // The shape of librdkafka's statistics JSON (STATISTICS.md), trimmed to what is read.
        let statistics = try JSONParser.parse(
            """
            {"name": "tokenize-action#consumer-1", "type": "consumer", "topics": {
              "MetadataChangeLog_Versioned_v1": {"topic": "MetadataChangeLog_Versioned_v1", "partitions": {
                "0": {"partition": 0, "consumer_lag": 1200, "hi_offset": 5000},
                "1": {"partition": 1, "consumer_lag": 0},
                "2": {"partition": 2, "consumer_lag": -1},
                "-1": {"partition": -1, "consumer_lag": -1}}}}}
            """)
        let lags = ConsumerStatistics.lags(statistics)
        #expect(
            lags == [
                TopicPartition(topic: "MetadataChangeLog_Versioned_v1", partition: 0): 1200,
                TopicPartition(topic: "MetadataChangeLog_Versioned_v1", partition: 1): 0,
            ])
        #expect(ConsumerStatistics.lags(try JSONParser.parse("{}")).isEmpty)
    }
}
