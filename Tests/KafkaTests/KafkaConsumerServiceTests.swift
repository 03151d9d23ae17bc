import Kafka
import KafkaTesting
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// A router for tests: every message is work; `handle` records it and may wait on a gate.
private final class RecordingRouter: KafkaMessageRouter, Sendable {
    let handled = Mutex<[Int64]>([])
    let started = AsyncStream<Int64>.makeStream()
    let gate = AsyncStream<Void>.makeStream()
    let slowOffsets: Set<Int64>
    let routeAll: Bool

    init(slowOffsets: Set<Int64> = [], routeAll: Bool = true) {
        self.slowOffsets = slowOffsets
        self.routeAll = routeAll
    }

    func route(_ message: KafkaMessageView) -> Int64? {
        routeAll || message.value?.first == UInt8(ascii: "!") ? message.position.offset : nil
    }

    func handle(_ work: Int64, at position: KafkaPosition) async -> Bool {
        started.continuation.yield(work)
        if slowOffsets.contains(work) {
            for await _ in gate.stream { break }
        }
        handled.withLock { $0.append(work) }
        return true
    }
}

/// The consumer on the mock cluster: SIGTERM commits the running handler's offset, 50,000 irrelevant events, wake-ups.
@Suite(.serialized) struct KafkaConsumerServiceTests {
    let logger = Logger(label: "kafka-test")

    private func consumer(
        _ cluster: MockKafkaCluster, group: String, router: RecordingRouter, extra: [String: String] = [:]
    ) throws -> KafkaConsumerService<RecordingRouter> {
        try KafkaConsumerService(
            configuration: KafkaConsumerConfiguration(
                bootstrapServers: cluster.bootstrapServers, groupID: group, topics: ["mcl"], sessionTimeout: .seconds(6),
                extraSettings: extra),
            router: router, logger: logger)
    }

    private func produce(_ cluster: MockKafkaCluster, _ values: [String]) throws {
        let producer = try KafkaProducer(settings: ["bootstrap.servers": cluster.bootstrapServers])
        for value in values { try producer.produce(topic: "mcl", partition: 0, key: nil, value: Array(value.utf8)) }
        try producer.flush()
    }

    /// SIGTERM while a handler runs: the consumer waits for it, commits its offset, and only then closes. The
    /// messages queued behind it are not handled and not committed: they are delivered again after the restart.
    @Test func gracefulShutdownCommitsTheRunningHandlersOffsetBeforeClosing() async throws {
        let cluster = try MockKafkaCluster(topics: [("mcl", 1)])
        try produce(cluster, ["a", "b", "c"])
        let router = RecordingRouter(slowOffsets: [0])
        let service = try consumer(cluster, group: "g-shutdown", router: router)
        let group = ServiceGroup(configuration: .init(services: [service], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for await offset in router.started.stream where offset == 0 { break }
            await group.triggerGracefulShutdown()
            try await Task.sleep(for: .milliseconds(500))  // the consumer must still be waiting for the handler
            #expect(router.handled.withLock { $0 }.isEmpty)
            router.gate.continuation.yield()
            try await tasks.waitForAll()
        }
        #expect(router.handled.withLock { $0 } == [0])
        #expect(try await committedOffset(cluster, group: "g-shutdown") == 1)
    }

    /// Messages the router drops never reach the handler, and their offsets are committed with the rest.
    @Test func droppedMessagesAreCommittedWithoutBeingHandled() async throws {
        let cluster = try MockKafkaCluster(topics: [("mcl", 1)])
        try produce(cluster, (0..<200).map { $0 == 150 ? "!trigger" : "irrelevant \($0)" })
        let router = RecordingRouter(routeAll: false)
        let service = try consumer(cluster, group: "g-filter", router: router)
        let group = ServiceGroup(configuration: .init(services: [service], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for await offset in router.started.stream where offset == 150 { break }
            try await Task.sleep(for: .seconds(2))  // the last offsets are stored and auto-committed
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(router.handled.withLock { $0 } == [150])
        #expect(try await committedOffset(cluster, group: "g-filter") == 200)
    }

    /// A burst of 50,000 irrelevant events over 4 partitions, then one trigger: the trigger is acted on, and every
    /// partition's offset is committed up to its end (nothing before the trigger is skipped or left uncommitted).
    @Test func aTriggerAfterFiftyThousandIrrelevantEventsIsActedOnAndEveryOffsetCommitted() async throws {
        let cluster = try MockKafkaCluster(topics: [("mcl", 4)])
        let producer = try KafkaProducer(settings: ["bootstrap.servers": cluster.bootstrapServers, "linger.ms": "5"])
        for index in 0..<50_000 {
            try producer.produce(topic: "mcl", partition: Int32(index % 4), key: nil, value: Array("irrelevant event \(index)".utf8))
        }
        try producer.produce(topic: "mcl", partition: 2, key: nil, value: Array("!trigger".utf8))
        try producer.flush()
        let ends: [Int32: Int64] = [0: 12_500, 1: 12_500, 2: 12_501, 3: 12_500]
        let router = RecordingRouter(routeAll: false)
        let service = try consumer(cluster, group: "g-burst", router: router)
        let group = ServiceGroup(configuration: .init(services: [service], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for await offset in router.started.stream where offset == 12_500 { break }
            try await Task.sleep(for: .seconds(2))  // the last offsets are stored and auto-committed
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(router.handled.withLock { $0 } == [12_500])
        let probe = try consumer(cluster, group: "g-burst", router: RecordingRouter())
        let partitions = (0..<4).map { TopicPartition(topic: "mcl", partition: Int32($0)) }
        var committed: [TopicPartition: Int64] = [:]
        for _ in 0..<4 where committed.count < 4 { committed = await probe.committedOffsets(partitions) }
        for partition in partitions { #expect(committed[partition] == ends[partition.partition], "partition \(partition.partition)") }
    }

    /// A pre-fetch queue far smaller than the backlog (1 MiB for 20 MB): librdkafka 2.0 stops fetching each time
    /// it fills, and the consumer wakes the fetcher (at least once) so the backlog is read to its end and the trigger
    /// behind it is handled. Once caught up, an idle topic gets no wake-up request.
    @Test func aStoppedFetcherIsWokenAndAnIdleTopicIsLeftAlone() async throws {
        let cluster = try MockKafkaCluster(topics: [("mcl", 2)])
        let producer = try KafkaProducer(settings: ["bootstrap.servers": cluster.bootstrapServers, "linger.ms": "5"])
        let filler = String(repeating: "x", count: 1_000)
        for index in 0..<20_000 {
            try producer.produce(topic: "mcl", partition: Int32(index % 2), key: nil, value: Array("irrelevant \(index) \(filler)".utf8))
        }
        try producer.produce(topic: "mcl", partition: 1, key: nil, value: Array("!trigger".utf8))
        try producer.flush()
        let router = RecordingRouter(routeAll: false)
        let service = try consumer(cluster, group: "g-wakeup", router: router, extra: ["queued.max.messages.kbytes": "1024"])
        let group = ServiceGroup(configuration: .init(services: [service], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for await offset in router.started.stream where offset == 10_000 { break }
            try await Task.sleep(for: .milliseconds(500))
            let caughtUp = service.fetchWakeupCount
            try await Task.sleep(for: .seconds(1))
            #expect(caughtUp > 0)
            #expect(service.fetchWakeupCount == caughtUp, "an idle, caught-up topic got wake-up requests")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(router.handled.withLock { $0 } == [10_000])
    }

    /// The group's committed offset of `mcl` partition 0, read by a fresh member. The mock cluster may keep a group
    /// whose last member just left busy for about `session.timeout.ms` (its rebalance delay), so one lookup can
    /// time out under load: ask up to four times before concluding nothing was committed.
    private func committedOffset(_ cluster: MockKafkaCluster, group: String) async throws -> Int64? {
        let probe = try consumer(cluster, group: group, router: RecordingRouter())
        let partition = TopicPartition(topic: "mcl", partition: 0)
        for _ in 0..<4 {
            if let offset = await probe.committedOffsets([partition])[partition] { return offset }
        }
        return nil
    }
}
