import Synchronization

/// Tells whoever waits on a run (`POST /trigger?wait=true`, `RunIntake.final`) that this process just saved it,
/// so the wait ends as the run settles instead of at the next read of the ledger.
///
/// Only saves made by this process are announced; a run worked on by another replica is still found by the
/// waiter's periodic read of the ledger.
public final class RunChanges: Sendable {
    private struct Waiter {
        var runIDs: Set<String>
        let wake: AsyncStream<Void>.Continuation
    }

    private struct State {
        var nextID = 0
        var waiters: [Int: Waiter] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// The run was saved: its waiters read it again.
    public func saved(_ runID: String) {
        let wakes = state.withLock { state in state.waiters.values.filter { $0.runIDs.contains(runID) }.map(\.wake) }
        for wake in wakes { wake.yield() }
    }

    /// Runs `body` with a `Watch` on `runID` that wakes on each save of the run by this process and at least every
    /// `interval`. The watch is registered before `body` starts, so a save between the caller's read of the ledger
    /// and its wait is not missed.
    public func watching<Result: Sendable>(
        _ runID: String, atLeastEvery interval: Duration, _ body: (inout Watch) async throws -> Result
    ) async throws -> Result {
        let (wakes, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            state.waiters[state.nextID] = Waiter(runIDs: [runID], wake: wake)
            return state.nextID
        }
        defer {
            _ = state.withLock { $0.waiters.removeValue(forKey: id) }
            wake.finish()
        }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while (try? await Task.sleep(for: interval)) != nil { wake.yield() }
            }
            defer { group.cancelAll() }
            var watch = Watch(wakes: wakes.makeAsyncIterator(), changes: self, id: id)
            return try await body(&watch)
        }
    }

    /// One waiter's view: `next()` returns at the next save of a watched run, or when the interval has passed.
    public struct Watch {
        fileprivate var wakes: AsyncStream<Void>.Iterator
        fileprivate let changes: RunChanges
        fileprivate let id: Int

        /// Also wakes on saves of `runID` (the run a request was coalesced into).
        public func follow(_ runID: String) {
            changes.state.withLock { _ = $0.waiters[id]?.runIDs.insert(runID) }
        }

        /// Waits for the next wake-up.
        public mutating func next() async { _ = await wakes.next() }
    }
}
