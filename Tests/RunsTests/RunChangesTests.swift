import Foundation
import Runs
import Testing

/// `RunIntake.final` (`POST /trigger?wait=true`) returns as the worker of this process saves the run settled, not
/// at its next read of the ledger: every wait here reads the ledger only once an hour.
@Suite struct RunChangesTests {
    @Test(.timeLimit(.minutes(1))) func aWaitEndsWhenTheWorkerSavesTheRunSettled() async throws {
        let harness = Harness()
        try await withWorkerRunning(harness.worker()) {
            let outcome = try await harness.intake.submit(try harness.request(source: .api))
            let final = try await harness.intake.final(outcome.run.runID, pollEvery: .seconds(3600))
            #expect(final?.status == .success)
            #expect(final?.writeBack.state == .done)
        }
    }

    /// A request coalesced into a run waits for that run, woken by its saves.
    @Test(.timeLimit(.minutes(1))) func aWaitFollowsTheRunItsRequestWasCoalescedInto() async throws {
        let harness = Harness()
        #expect(harness.locks.hold(customersURN))
        let first = try await harness.intake.submit(try harness.request(source: .api, by: "urn:li:corpuser:alice"))
        let second = try await harness.intake.submit(try harness.request(source: .api, by: "urn:li:corpuser:alice"))
        #expect(second.request.coalescedInto == first.run.runID)
        try await withWorkerRunning(harness.worker()) {
            async let final = harness.intake.final(second.request.runID, pollEvery: .seconds(3600))
            try await Task.sleep(for: .milliseconds(50))  // the wait has read the ledger once
            harness.locks.release(customersURN)
            let record = try await final
            #expect(record?.status == .success)
        }
    }

    /// A save of the watched run wakes the watch, and so does a save of a run it follows (a time limit, not a
    /// timer, fails it otherwise).
    @Test(.timeLimit(.minutes(1))) func aSaveWakesTheWatchOfThatRunAndOfARunItFollows() async throws {
        let changes = RunChanges()
        let woken = try await changes.watching("a", atLeastEvery: .seconds(3600)) { watch in
            changes.saved("a")
            await watch.next()
            watch.follow("c")
            changes.saved("c")
            await watch.next()
            return true
        }
        #expect(woken)
    }
}
