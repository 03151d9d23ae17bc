/// Decides which offsets may be stored when messages finish out of order. Pure state machine.
///
/// Messages of a partition may finish in any order (runs take different times), but Kafka's committed
/// offset means "everything before this is done". The tracker therefore only advances a partition's
/// offset to the lowest message still in flight.
public struct OffsetTracker: Sendable {
    private var inFlight: [TopicPartition: Set<Int64>] = [:]
    private var highestSeen: [TopicPartition: Int64] = [:]
    private var stored: [TopicPartition: Int64] = [:]

    public init() {}

    /// Messages received but not yet finished, over all partitions.
    public var inFlightCount: Int { inFlight.values.reduce(0) { $0 + $1.count } }

    /// Records that a message was received.
    public mutating func begin(_ partition: TopicPartition, offset: Int64) {
        inFlight[partition, default: []].insert(offset)
        highestSeen[partition] = max(highestSeen[partition] ?? offset, offset)
    }

    /// Records that a message is fully handled; returns the offset to store (the next one to consume)
    /// when it advanced, or `nil` when an earlier message is still in flight.
    public mutating func finish(_ partition: TopicPartition, offset: Int64) -> Int64? {
        inFlight[partition]?.remove(offset)
        let next: Int64
        if let lowest = inFlight[partition]?.min() {
            next = lowest
        } else {
            next = (highestSeen[partition] ?? offset) + 1
        }
        guard next > (stored[partition] ?? Int64.min) else { return nil }
        stored[partition] = next
        return next
    }

    /// Forgets partitions no longer assigned to this consumer.
    public mutating func forget(_ partitions: [TopicPartition]) {
        for partition in partitions {
            inFlight[partition] = nil
            highestSeen[partition] = nil
            stored[partition] = nil
        }
    }
}
