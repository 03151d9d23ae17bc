/// Keeps one run from stopping the service for ever: a value that makes the process die (a trap, an out-of-memory
/// kill) would otherwise be met again by every restart, and every other request would wait behind it. Pure: the
/// ledger applies it when an attempt begins (`RunStore.beginAttempt`), the executor acts on its count.
///
/// An attempt "stopped" when the next one finds it still marked as working (`attempting`) under another process: the
/// process was gone before it saved an outcome (killed, crashed, or restarted by its supervisor). After a stopped
/// attempt the run is a suspect: its next attempt works carefully (the first rows after its last committed batch one
/// at a time, so a value that stops it is pinned to one row) and alone in its process (`RunScheduler`). A stopped
/// attempt that got past its careful rows, or an ordinary attempt that committed batches before it stopped (a
/// deploy, a `kill -9` mid-run), is not held against the run. `limit` stopped attempts in a row quarantine it.
public struct CrashGuard: Sendable, Equatable {
    /// How an attempt left the run, as the ledger saw it when the next one began.
    public struct Previous: Sendable, Equatable {
        /// The attempt was still marked as working.
        public var attempting: Bool
        /// The process that began it.
        public var owner: String?
        /// Batches committed when it began, and now.
        public var batchesAtStart: Int?
        public var batches: Int
        /// Stopped attempts in a row before it, and whether it was a careful one.
        public var stoppedAttempts: Int
        public var careful: Bool

        public init(attempting: Bool, owner: String?, batchesAtStart: Int?, batches: Int, stoppedAttempts: Int, careful: Bool) {
            self.attempting = attempting
            self.owner = owner
            self.batchesAtStart = batchesAtStart
            self.batches = batches
            self.stoppedAttempts = stoppedAttempts
            self.careful = careful
        }
    }

    /// What the new attempt carries.
    public struct Next: Sendable, Equatable {
        public var stoppedAttempts: Int
        public var careful: Bool

        public init(stoppedAttempts: Int, careful: Bool) {
            self.stoppedAttempts = stoppedAttempts
            self.careful = careful
        }
    }

    /// Stopped attempts in a row that quarantine a run (`RUN_STOP_LIMIT`, default 3).
    public var limit: Int

    public init(limit: Int = 3) {
        precondition(limit >= 1)
        self.limit = limit
    }

    /// The state of an attempt that `process` begins after `previous`.
    public static func next(after previous: Previous, beganBy process: String) -> Next {
        guard previous.attempting, previous.owner != process else {
            // The last attempt saved its outcome (or this process is retrying its own): nothing stopped. A careful
            // attempt that ended before its careful rows passed (postponed) leaves the run as suspect as it was.
            return Next(stoppedAttempts: previous.careful ? previous.stoppedAttempts : 0, careful: previous.careful)
        }
        let committed = previous.batches > (previous.batchesAtStart ?? previous.batches)
        if committed && !previous.careful { return Next(stoppedAttempts: 0, careful: false) }
        return Next(stoppedAttempts: previous.stoppedAttempts + 1, careful: true)
    }

    /// Whether a run whose attempts stopped `stoppedAttempts` times in a row is quarantined.
    public func quarantines(_ stoppedAttempts: Int) -> Bool { stoppedAttempts >= limit }
}
