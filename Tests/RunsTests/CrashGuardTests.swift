import Runs
import Testing

/// Attempts that end with the process gone: counted, a poison row found, the run quarantined after `RUN_STOP_LIMIT`.
@Suite struct CrashGuardTests {
    func previous(attempting: Bool, owner: String? = "p1", start: Int? = 0, batches: Int = 0, stopped: Int = 0, careful: Bool = false)
        -> CrashGuard.Previous
    {
        CrashGuard.Previous(attempting: attempting, owner: owner, batchesAtStart: start, batches: batches, stoppedAttempts: stopped, careful: careful)
    }

    @Test func anAttemptThatSavedItsOutcomeStoppedNothing() {
        #expect(CrashGuard.next(after: previous(attempting: false), beganBy: "p2") == .init(stoppedAttempts: 0, careful: false))
        // The same process retrying its own attempt (its save failed) is not a stop either.
        #expect(CrashGuard.next(after: previous(attempting: true, owner: "p2"), beganBy: "p2") == .init(stoppedAttempts: 0, careful: false))
    }

    @Test func aKillMidRunThatCommittedBatchesIsNotHeldAgainstTheRun() {
        #expect(CrashGuard.next(after: previous(attempting: true, start: 3, batches: 9), beganBy: "p2") == .init(stoppedAttempts: 0, careful: false))
    }

    /// The poison value: every attempt stops in the same batch. The first stop makes the run careful; careful attempts
    /// that stop again count, whatever single rows they committed before the value; the limit quarantines.
    @Test func stopsWithoutProgressCountAndQuarantine() {
        let guardian = CrashGuard(limit: 3)
        var next = CrashGuard.next(after: previous(attempting: true, start: 4, batches: 4), beganBy: "p2")
        #expect(next == .init(stoppedAttempts: 1, careful: true) && !guardian.quarantines(next.stoppedAttempts))
        next = CrashGuard.next(after: previous(attempting: true, owner: "p2", start: 4, batches: 40, stopped: 1, careful: true), beganBy: "p3")
        #expect(next == .init(stoppedAttempts: 2, careful: true) && !guardian.quarantines(next.stoppedAttempts))
        next = CrashGuard.next(after: previous(attempting: true, owner: "p3", start: 40, batches: 40, stopped: 2, careful: true), beganBy: "p4")
        #expect(next == .init(stoppedAttempts: 3, careful: true) && guardian.quarantines(next.stoppedAttempts))
    }

    /// A careful attempt that was postponed (not stopped) leaves the run as suspect as it was.
    @Test func aPostponedCarefulAttemptKeepsTheSuspicion() {
        #expect(
            CrashGuard.next(after: previous(attempting: false, stopped: 2, careful: true), beganBy: "p9") == .init(stoppedAttempts: 2, careful: true))
    }
}
