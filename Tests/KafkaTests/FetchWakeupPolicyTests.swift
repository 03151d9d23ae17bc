import Kafka
import Testing

/// Waking librdkafka 2.0's stopped fetcher: only when the queue drained and messages wait unfetched.
@Suite struct FetchWakeupPolicyTests {
    let p0 = TopicPartition(topic: "mcl", partition: 0)
    let p1 = TopicPartition(topic: "mcl", partition: 1)
    let p2 = TopicPartition(topic: "mcl", partition: 2)

    /// A full queue that drains while the brokers hold more: one wake-up, for the partitions that are behind.
    @Test func aDrainedQueueWithUnfetchedMessagesWakesTheLaggingPartitions() {
        var policy = FetchWakeupPolicy(minimumInterval: .milliseconds(10))
        #expect(policy.observe(queueLength: 10_000, now: .milliseconds(0)) { [p0: 50_000] } == .none)
        #expect(policy.observe(queueLength: 6_000, now: .milliseconds(20)) { [p0: 50_000] } == .none)
        let action = policy.observe(queueLength: 4_000, now: .milliseconds(40)) { [p0: 30_000, p1: 0, p2: 9] }
        #expect(action == .wake([p0, p2]))
        #expect(policy.inFlight)
    }

    /// No wake-up while one is in flight, and none sooner than the minimum interval after the last.
    @Test func wakeUpsAreOneAtATimeAndSpacedOut() {
        var policy = FetchWakeupPolicy(minimumInterval: .milliseconds(10))
        let lag = { [self] in [p0: Int64(1_000)] }
        #expect(policy.observe(queueLength: 0, now: .milliseconds(0), lag: lag) == .wake([p0]))
        #expect(policy.observe(queueLength: 0, now: .milliseconds(50), lag: lag) == .none)  // in flight
        policy.wakeupFinished()
        #expect(!policy.inFlight)
        #expect(policy.observe(queueLength: 0, now: .milliseconds(55), lag: lag) == .wake([p0]))
        policy.wakeupFinished()
        #expect(policy.observe(queueLength: 0, now: .milliseconds(60), lag: lag) == .none)  // 5 ms after the last
        #expect(policy.observe(queueLength: 0, now: .milliseconds(65), lag: lag) == .wake([p0]))
    }

    /// Caught up (the watermarks are all in the queue or consumed) or an idle topic: never a request.
    @Test func noWakeUpWhenTheBrokersHaveNothingUnfetched() {
        var policy = FetchWakeupPolicy()
        #expect(policy.observe(queueLength: 0, now: .seconds(1)) { [:] } == .none)
        #expect(policy.observe(queueLength: 0, now: .seconds(2)) { [p0: 0, p1: 0] } == .none)
        #expect(policy.observe(queueLength: 300, now: .seconds(3)) { [p0: 200, p1: 100] } == .none)
        #expect(policy.observe(queueLength: 150, now: .seconds(4)) { [p0: 100, p1: 50] } == .none)  // all of it queued
        #expect(policy.observe(queueLength: 100, now: .seconds(5)) { [p0: 101] } == .wake([p0]))  // one more on the broker
    }

    /// While the queue is longer than half its peak since the last wake-up, the fetcher may still be running:
    /// no request, and the lag is not even read.
    @Test func aQueueAboveHalfItsPeakIsLeftAlone() {
        var policy = FetchWakeupPolicy(minimumInterval: .zero)
        var lagReads = 0
        let lag = { [self] () -> [TopicPartition: Int64] in
            lagReads += 1
            return [p0: 1_000_000]
        }
        #expect(policy.observe(queueLength: 8_000, now: .milliseconds(1), lag: lag) == .none)
        #expect(policy.observe(queueLength: 4_001, now: .milliseconds(2), lag: lag) == .none)
        #expect(lagReads == 0)
        #expect(policy.observe(queueLength: 4_000, now: .milliseconds(3), lag: lag) == .wake([p0]))
        policy.wakeupFinished()
        // The peak restarts at the wake-up: the refill raises it, and the next wake-up waits for the next drain.
        #expect(policy.observe(queueLength: 9_000, now: .milliseconds(4), lag: lag) == .none)
        #expect(policy.observe(queueLength: 5_000, now: .milliseconds(5), lag: lag) == .none)
        #expect(policy.observe(queueLength: 4_500, now: .milliseconds(6), lag: lag) == .wake([p0]))
        #expect(lagReads == 2)
    }
}
