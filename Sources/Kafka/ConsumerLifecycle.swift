/// The consumer's lifecycle as an explicit state machine. Pure: it returns actions; the poll thread and the
/// async handler loop carry them out.
///
/// `running` → (graceful shutdown) → `draining`: fetching pauses, messages still queued for the handler are
/// dropped (never begun, so their offsets are not stored and Kafka delivers them again), and the handler
/// that is running finishes → `closing`: the poll thread commits the stored offsets and closes the consumer
/// → `closed`. A fatal client error goes straight to `closing`.
public struct ConsumerLifecycle: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case running
        case draining
        case closing
        case closed
    }

    /// What the poll thread does next.
    public enum PollAction: Sendable, Equatable {
        case poll
        case pauseFetch
        case resumeFetch
        /// Commit what is stored and close the consumer.
        case close
        /// Closed: leave the loop.
        case exit
    }

    /// What to do with a message the poll thread received that the router wants handled.
    public enum ArrivalAction: Sendable, Equatable {
        case deliver
        /// Shutting down: do not begin it; Kafka delivers it again after the restart.
        case drop
    }

    /// What the handler loop does with the next queued delivery.
    public enum DequeueAction: Sendable, Equatable {
        case handle
        case skip
    }

    public private(set) var state: State = .running
    /// Deliveries handed to the handler loop and not yet handled or skipped.
    public private(set) var queued = 0
    public private(set) var fetchPaused = false
    /// Above this many queued deliveries, fetching pauses; it resumes at half.
    public let maximumQueued: Int

    public init(maximumQueued: Int) {
        precondition(maximumQueued >= 1)
        self.maximumQueued = maximumQueued
    }

    public mutating func nextPollAction() -> PollAction {
        switch state {
        case .running:
            if !fetchPaused, queued >= maximumQueued {
                fetchPaused = true
                return .pauseFetch
            }
            if fetchPaused, queued <= maximumQueued / 2 {
                fetchPaused = false
                return .resumeFetch
            }
            return .poll
        case .draining:
            if !fetchPaused {
                fetchPaused = true
                return .pauseFetch
            }
            guard queued == 0 else { return .poll }
            state = .closing
            return .close
        case .closing:
            return .close
        case .closed:
            return .exit
        }
    }

    public mutating func messageArrived() -> ArrivalAction {
        guard state == .running else { return .drop }
        queued += 1
        return .deliver
    }

    public mutating func deliveryDequeued() -> DequeueAction {
        guard state == .running else {
            queued -= 1
            return .skip
        }
        return .handle
    }

    public mutating func handlerFinished() {
        queued -= 1
    }

    /// Graceful shutdown: stop handing out messages and let the running handler finish.
    public mutating func shutdownRequested() {
        if state == .running { state = .draining }
    }

    /// An unrecoverable client error: close now.
    public mutating func fatalErrorOccurred() {
        if state == .running || state == .draining { state = .closing }
    }

    public mutating func closeCompleted() {
        state = .closed
    }
}
