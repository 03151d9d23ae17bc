/// Decides which datasets the worker works on, and how it shuts down. Pure state machine: it returns actions.
///
/// At most `capacity` datasets are worked on at once, each by one task (the dataset lock makes it one across
/// processes too). On graceful shutdown nothing new starts (`draining`); running runs may finish until the
/// grace period expires, when they are asked to stop at their next batch boundary (`stopping`); the worker
/// finishes once no dataset task is left.
public struct RunScheduler<Dataset: Hashable & Sendable>: Sendable, Equatable {
    public enum Phase: Sendable, Equatable {
        case running, draining, stopping, finished
    }

    public enum Action: Sendable, Equatable {
        /// Start a task working through the dataset's due work.
        case start(Dataset)
        /// Ask every running run to stop at its next batch boundary.
        case stopRuns
        /// Nothing is left: end the worker.
        case finish
        /// Read the ledger for due work, in a task of its own (a poll waiting for PostgreSQL must not hold up
        /// shutdown); its answer goes to `workDue`.
        case poll
    }

    public let capacity: Int
    public private(set) var active: Set<Dataset> = []
    /// The dataset worked on alone (a suspect run, `CrashGuard`): nothing else starts until it finishes, so if the
    /// process stops meanwhile, no other run is taken for the one that stopped it.
    public private(set) var alone: Dataset?
    public private(set) var phase = Phase.running
    /// A poll is out.
    public private(set) var polling = false
    /// A tick came while a poll was out: poll once more after it (the tick may be a nudge for a request recorded
    /// after that poll read the ledger).
    public private(set) var pollAgain = false

    public init(capacity: Int) {
        precondition(capacity >= 1)
        self.capacity = capacity
    }

    /// Time to look for due work (the poll timer, or a nudge): a poll, unless one is out.
    public mutating func tick() -> [Action] {
        guard phase == .running else { return [] }
        guard !polling else {
            pollAgain = true
            return []
        }
        polling = true
        return [.poll]
    }

    /// A poll's answer: datasets with due work, oldest first; `aloneOnes` must be worked on alone. One of those
    /// starts once no dataset is active, and while one waits nothing else starts (so it is never starved).
    public mutating func workDue(_ datasets: [Dataset], alone aloneOnes: Set<Dataset> = []) -> [Action] {
        polling = false
        guard phase == .running else { return [] }
        var actions: [Action] = []
        if alone == nil {
            if let suspect = datasets.first(where: { aloneOnes.contains($0) && !active.contains($0) }) {
                if active.isEmpty {
                    alone = suspect
                    active.insert(suspect)
                    actions.append(.start(suspect))
                }
            } else {
                for dataset in datasets where active.count < capacity && !active.contains(dataset) {
                    active.insert(dataset)
                    actions.append(.start(dataset))
                }
            }
        }
        if pollAgain {
            pollAgain = false
            polling = true
            actions.append(.poll)
        }
        return actions
    }

    public mutating func datasetFinished(_ dataset: Dataset) -> [Action] {
        active.remove(dataset)
        if alone == dataset { alone = nil }
        return finishIfIdle()
    }

    public mutating func shutdownRequested() -> [Action] {
        guard phase == .running else { return [] }
        phase = .draining
        return finishIfIdle()
    }

    public mutating func graceExpired() -> [Action] {
        guard phase == .draining else { return [] }
        phase = .stopping
        return active.isEmpty ? finishIfIdle() : [.stopRuns]
    }

    /// Whether a dataset task may start another run (write-backs may still go out while draining).
    public var acceptsNewRuns: Bool { phase == .running }

    private mutating func finishIfIdle() -> [Action] {
        guard phase != .running, phase != .finished, active.isEmpty else { return [] }
        phase = .finished
        return [.finish]
    }
}
