import Runs
import Testing

/// The scheduler's state machine: capacity, one run per dataset, a suspect run alone, shutdown deadline.
@Suite struct RunSchedulerTests {
    @Test func startsUpToCapacityAndNeverTheSameDatasetTwice() {
        var scheduler = RunScheduler<String>(capacity: 2)
        #expect(scheduler.workDue(["a", "b", "c"]) == [.start("a"), .start("b")])
        #expect(scheduler.workDue(["a", "b", "c"]).isEmpty)
        #expect(scheduler.datasetFinished("a").isEmpty)
        #expect(scheduler.workDue(["b", "c"]) == [.start("c")])
    }

    /// A suspect run (`CrashGuard`) waits until nothing else is active, then runs alone: no dataset starts beside it,
    /// and none starts while it waits (so it is not starved).
    @Test func aSuspectRunsAloneAndIsNotStarved() {
        var scheduler = RunScheduler<String>(capacity: 3)
        #expect(scheduler.workDue(["a"]) == [.start("a")])
        #expect(scheduler.workDue(["a", "s", "b"], alone: ["s"]).isEmpty, "s waits for a; b does not jump ahead of it")
        #expect(scheduler.datasetFinished("a").isEmpty)
        #expect(scheduler.workDue(["s", "b"], alone: ["s"]) == [.start("s")])
        #expect(scheduler.alone == "s")
        #expect(scheduler.workDue(["b", "c"]).isEmpty, "nothing starts beside a suspect")
        #expect(scheduler.datasetFinished("s").isEmpty && scheduler.alone == nil)
        #expect(scheduler.workDue(["b", "c"]) == [.start("b"), .start("c")])
    }

    @Test func shutdownDrainsThenStopsRunsAtTheGraceDeadline() {
        var scheduler = RunScheduler<String>(capacity: 4)
        _ = scheduler.workDue(["a", "b"])
        #expect(scheduler.shutdownRequested().isEmpty)
        #expect(scheduler.phase == .draining && !scheduler.acceptsNewRuns)
        #expect(scheduler.workDue(["c"]).isEmpty)
        #expect(scheduler.datasetFinished("a").isEmpty)
        #expect(scheduler.graceExpired() == [.stopRuns])
        #expect(scheduler.datasetFinished("b") == [.finish])
        #expect(scheduler.phase == .finished)
    }

    @Test func anIdleWorkerFinishesAtOnce() {
        var scheduler = RunScheduler<String>(capacity: 1)
        #expect(scheduler.shutdownRequested() == [.finish])
        #expect(scheduler.graceExpired().isEmpty)
    }

    @Test func allRunsDoneBeforeTheDeadlineFinishesWithoutStopping() {
        var scheduler = RunScheduler<String>(capacity: 1)
        _ = scheduler.workDue(["a"])
        _ = scheduler.shutdownRequested()
        #expect(scheduler.datasetFinished("a") == [.finish])
        #expect(scheduler.graceExpired().isEmpty)
    }

    @Test func oneLedgerPollAtATimeAndATickDuringItPollsOnceMoreAfterIt() {
        var scheduler = RunScheduler<String>(capacity: 2)
        #expect(scheduler.tick() == [.poll])
        #expect(scheduler.tick().isEmpty && scheduler.tick().isEmpty, "a poll is out: no second one")
        #expect(scheduler.workDue(["a"]) == [.start("a"), .poll], "ticks came during it: one more poll")
        #expect(scheduler.workDue([]).isEmpty && !scheduler.polling)
        #expect(scheduler.tick() == [.poll])
    }

    @Test func noPollAfterShutdownAndALatePollStartsNothing() {
        var scheduler = RunScheduler<String>(capacity: 2)
        #expect(scheduler.tick() == [.poll])
        _ = scheduler.workDue(["a"])
        #expect(scheduler.tick() == [.poll])
        #expect(scheduler.shutdownRequested().isEmpty)
        #expect(scheduler.tick().isEmpty)
        #expect(scheduler.workDue(["b"]).isEmpty, "the poll that was out answers after SIGTERM")
        #expect(scheduler.datasetFinished("a") == [.finish])
    }
}
