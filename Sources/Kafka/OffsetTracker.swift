/// Decides which offsets may be stored when messages finish out of order. Pure state machine.
///
/// Kafka's committed offset means "everything before this is done", so a partition's offset advances only
/// to its lowest message still in flight. Each `begin` returns a ticket carrying the partition's assignment
/// generation: after a revoke (`forget`), tickets of the old generation are ignored, so a message that was
/// still running when its partition was taken away can never move the offset of the next assignment past a
/// message that is running now.
///
/// Offsets of a partition arrive in increasing order, so the in-flight set is a sorted queue: `begin` is
/// O(1), `finish` O(log n), and the offset advances in amortised O(1).
public struct OffsetTracker: Sendable {
    /// Identifies one delivery of one message.
    public struct Ticket: Sendable, Hashable {
        public let partition: TopicPartition
        public let offset: Int64
        let generation: Int
    }

    private struct PartitionState {
        var generation: Int
        /// Offsets begun and not yet released from the front, ascending, with whether each finished.
        var offsets: [Int64] = []
        var finished: [Bool] = []
        var head = 0
        var highestSeen: Int64?
        var stored: Int64?
    }

    private var partitions: [TopicPartition: PartitionState] = [:]
    private var generations: [TopicPartition: Int] = [:]

    public init() {}

    /// Messages begun but not finished, over all partitions.
    public private(set) var inFlightCount = 0

    /// Records that a message was received and will be handled.
    public mutating func begin(_ partition: TopicPartition, offset: Int64) -> Ticket {
        if let last = partitions[partition]?.offsets.last, offset <= last {
            // Delivered again (the client reset its position): outstanding tickets of the partition go stale.
            forget([partition])
        }
        let generation = generations[partition, default: 0]
        // Nothing before the first message this consumer saw is its to commit.
        // Taken out of the dictionary while it changes, so its arrays are not copied (the dictionary would
        // otherwise hold a second reference to them).
        var state = partitions.removeValue(forKey: partition) ?? PartitionState(generation: generation, stored: offset)
        state.offsets.append(offset)
        state.finished.append(false)
        state.highestSeen = max(state.highestSeen ?? offset, offset)
        partitions[partition] = state
        inFlightCount += 1
        return Ticket(partition: partition, offset: offset, generation: generation)
    }

    /// Whether the ticket still belongs to the partition's current assignment.
    public func isCurrent(_ ticket: Ticket) -> Bool {
        partitions[ticket.partition]?.generation == ticket.generation && generations[ticket.partition, default: 0] == ticket.generation
    }

    /// Records that a message is fully handled; returns the offset to store (the next one to consume) when it
    /// advanced, or `nil` when an earlier message is still in flight or the ticket is from an old assignment.
    public mutating func finish(_ ticket: Ticket) -> Int64? {
        guard isCurrent(ticket), var state = partitions.removeValue(forKey: ticket.partition) else { return nil }
        defer { partitions[ticket.partition] = state }
        let live = state.offsets[state.head...]
        guard let index = binarySearch(live, ticket.offset), !state.finished[index] else { return nil }
        state.finished[index] = true
        inFlightCount -= 1
        while state.head < state.offsets.count, state.finished[state.head] { state.head += 1 }
        let next = state.head < state.offsets.count ? state.offsets[state.head] : (state.highestSeen ?? ticket.offset) + 1
        if state.head > 1024, state.head * 2 > state.offsets.count {
            state.offsets.removeFirst(state.head)
            state.finished.removeFirst(state.head)
            state.head = 0
        }
        guard next > (state.stored ?? Int64.min) else { return nil }
        state.stored = next
        return next
    }

    /// A message with nothing to do: begun and finished at once.
    public mutating func complete(_ partition: TopicPartition, offset: Int64) -> Int64? {
        finish(begin(partition, offset: offset))
    }

    /// Forgets partitions no longer assigned to this consumer; their outstanding tickets become stale.
    public mutating func forget(_ revoked: [TopicPartition]) {
        for partition in revoked {
            if let state = partitions.removeValue(forKey: partition) {
                inFlightCount -= state.finished[state.head...].filter { !$0 }.count
            }
            generations[partition, default: 0] += 1
        }
    }

    private func binarySearch(_ offsets: ArraySlice<Int64>, _ target: Int64) -> Int? {
        var low = offsets.startIndex
        var high = offsets.endIndex
        while low < high {
            let middle = (low + high) / 2
            if offsets[middle] < target { low = middle + 1 } else { high = middle }
        }
        return low < offsets.endIndex && offsets[low] == target ? low : nil
    }
}
