import Catalog
import Synchronization

/// Dataset reads started before their answer is needed (`DataHubOperations.readAhead`): a one-off command starts
/// the read of its dataset as it starts, while it connects to PostgreSQL, and its run's first read of that dataset
/// takes the answer instead of waiting for a read of its own. Each answer is taken once, and only while it is
/// fresh (the read started at most `maximumAge` before it is taken); any later read goes to DataHub.
final class DatasetReadAheads: Sendable {
    typealias Read = Task<DatasetSnapshot?, any Error>

    private let maximumAge: Duration
    private let reads = Mutex<[DatasetURN: (started: ContinuousClock.Instant, read: Read)]>([:])

    init(maximumAge: Duration = .seconds(1)) {
        self.maximumAge = maximumAge
    }

    /// Starts `read` for `urn` unless one is pending for it.
    func start(_ urn: DatasetURN, _ read: @escaping @Sendable () async throws -> DatasetSnapshot?) {
        reads.withLock { reads in
            guard reads[urn] == nil else { return }
            reads[urn] = (ContinuousClock.now, Task { try await read() })
        }
    }

    /// The read pending for `urn`, removed; nil when there is none or it started too long ago (then cancelled).
    func take(_ urn: DatasetURN) -> Read? {
        guard let pending = reads.withLock({ $0.removeValue(forKey: urn) }) else { return nil }
        guard pending.started.duration(to: .now) <= maximumAge else {
            pending.read.cancel()
            return nil
        }
        return pending.read
    }
}
