import Kafka
import Testing

/// Offsets stored only past the lowest unfinished message, per partition and assignment generation.
@Suite struct OffsetTrackerTests {
    let partition = TopicPartition(topic: "mcl", partition: 0)

    @Test func storesOnlyPastTheLowestUnfinishedMessage() {
        var tracker = OffsetTracker()
        let tickets = (10...12).map { tracker.begin(partition, offset: $0) }
        #expect(tracker.inFlightCount == 3)
        #expect(tracker.finish(tickets[2]) == nil)  // 10 still in flight: nothing past it
        #expect(tracker.finish(tickets[1]) == nil)
        #expect(tracker.finish(tickets[0]) == 13)
        #expect(tracker.inFlightCount == 0)
        #expect(tracker.finish(tickets[0]) == nil)  // finishing twice changes nothing
    }

    @Test func messagesWithNothingToDoMoveTheOffsetOnlyWhenNothingEarlierRuns() {
        var tracker = OffsetTracker()
        let running = tracker.begin(partition, offset: 1)
        #expect(tracker.complete(partition, offset: 2) == nil)
        #expect(tracker.complete(partition, offset: 3) == nil)
        #expect(tracker.finish(running) == 4)
    }

    @Test func partitionsAreIndependent() {
        var tracker = OffsetTracker()
        let other = TopicPartition(topic: "mcl", partition: 1)
        let first = tracker.begin(partition, offset: 1)
        let second = tracker.begin(other, offset: 7)
        #expect(tracker.finish(second) == 8)
        #expect(tracker.finish(first) == 2)
    }

    /// A message still running when its partition was revoked must not move the offset of the next assignment.
    @Test func aRevokedTicketCannotStoreForTheNextAssignment() {
        var tracker = OffsetTracker()
        let old = tracker.begin(partition, offset: 5)
        tracker.forget([partition])
        #expect(tracker.inFlightCount == 0)
        let redelivered = tracker.begin(partition, offset: 5)
        let next = tracker.begin(partition, offset: 6)
        #expect(!tracker.isCurrent(old))
        #expect(tracker.finish(old) == nil)
        #expect(tracker.finish(next) == nil)  // 5 is running again: nothing past it
        #expect(tracker.finish(redelivered) == 7)
    }

    @Test func manyOutOfOrderFinishesStayConsistent() {
        var tracker = OffsetTracker()
        var tickets = (0..<5000).map { tracker.begin(partition, offset: Int64($0)) }
        var generator = SystemRandomNumberGenerator()
        tickets.shuffle(using: &generator)
        var stored: Int64 = 0
        for ticket in tickets {
            if let next = tracker.finish(ticket) {
                #expect(next > stored)
                stored = next
            }
        }
        #expect(stored == 5000 && tracker.inFlightCount == 0)
    }
}

/// The consumer's state machine: pause and resume, close only after the running handler, fatal errors.
@Suite struct ConsumerLifecycleTests {
    @Test func fetchingPausesWhenTooManyWaitAndResumesAtHalf() {
        var lifecycle = ConsumerLifecycle(maximumQueued: 4)
        for _ in 0..<4 { #expect(lifecycle.messageArrived() == .deliver) }
        #expect(lifecycle.nextPollAction() == .pauseFetch)
        #expect(lifecycle.nextPollAction() == .poll)
        #expect(lifecycle.deliveryDequeued() == .handle)
        lifecycle.handlerFinished()
        #expect(lifecycle.nextPollAction() == .poll)  // 3 > 2: still paused
        lifecycle.handlerFinished()
        #expect(lifecycle.nextPollAction() == .resumeFetch)
    }

    /// running → draining → closing → closed: the consumer closes only after the running handler finished,
    /// and queued messages are dropped, not handled, so their offsets are never stored.
    @Test func closesOnlyAfterTheRunningHandlerFinished() {
        var lifecycle = ConsumerLifecycle(maximumQueued: 100)
        #expect(lifecycle.messageArrived() == .deliver)
        #expect(lifecycle.messageArrived() == .deliver)
        #expect(lifecycle.deliveryDequeued() == .handle)  // the first is running
        lifecycle.shutdownRequested()
        #expect(lifecycle.state == .draining)
        #expect(lifecycle.messageArrived() == .drop)
        #expect(lifecycle.nextPollAction() == .pauseFetch)
        #expect(lifecycle.nextPollAction() == .poll)
        #expect(lifecycle.deliveryDequeued() == .skip)  // the queued one
        #expect(lifecycle.nextPollAction() == .poll)  // the running one still runs
        lifecycle.handlerFinished()
        #expect(lifecycle.nextPollAction() == .close)
        #expect(lifecycle.state == .closing)
        lifecycle.closeCompleted()
        #expect(lifecycle.nextPollAction() == .exit)
    }

    @Test func aFatalErrorClosesAtOnce() {
        var lifecycle = ConsumerLifecycle(maximumQueued: 10)
        _ = lifecycle.messageArrived()
        lifecycle.fatalErrorOccurred()
        #expect(lifecycle.nextPollAction() == .close)
    }
}
