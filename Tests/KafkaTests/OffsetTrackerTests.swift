import Kafka
import Testing

@Suite struct OffsetTrackerTests {
    let partition = TopicPartition(topic: "mcl", partition: 0)

    @Test func storesOnlyPastTheLowestUnfinishedMessage() {
        var tracker = OffsetTracker()
        for offset: Int64 in 10...12 { tracker.begin(partition, offset: offset) }
        #expect(tracker.inFlightCount == 3)
        #expect(tracker.finish(partition, offset: 12) == 10)  // 10 still in flight: nothing past it
        #expect(tracker.finish(partition, offset: 11) == nil)
        #expect(tracker.finish(partition, offset: 10) == 13)
        #expect(tracker.inFlightCount == 0)
    }

    @Test func partitionsAreIndependent() {
        var tracker = OffsetTracker()
        let other = TopicPartition(topic: "mcl", partition: 1)
        tracker.begin(partition, offset: 1)
        tracker.begin(other, offset: 7)
        #expect(tracker.finish(other, offset: 7) == 8)
        #expect(tracker.finish(partition, offset: 1) == 2)
    }

    @Test func forgottenPartitionsStartOver() {
        var tracker = OffsetTracker()
        tracker.begin(partition, offset: 5)
        tracker.forget([partition])
        #expect(tracker.inFlightCount == 0)
        tracker.begin(partition, offset: 3)
        #expect(tracker.finish(partition, offset: 3) == 4)
    }
}
