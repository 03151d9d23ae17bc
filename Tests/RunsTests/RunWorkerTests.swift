import Catalog
import Foundation
import Logging
import Runs
import Synchronization
import TestSupport
import Testing
import WarehouseKit

/// The worker: runs and write-backs, retries, permanent errors recorded, shutdown, other processes' datasets.
@Suite struct RunWorkerTests {
    @Test func aRecordedRequestIsRunAndWrittenBack() async throws {
        let harness = Harness()
        let run = try await harness.store.enqueue(try harness.request(offset: 1)).run
        try await withWorkerRunning(harness.worker()) {
            try await harness.eventually("the run and its write-back") {
                try await harness.store.record(run.runID)?.writeBack.state == .done
            }
        }
        let record = try #require(try await harness.store.record(run.runID))
        #expect(record.status == .success && record.rowsUpdated == 3)
        let dataset = try #require(harness.catalog.snapshot(customersURN))
        #expect(!dataset.tags.contains(trigger) && dataset.tags.contains(TagURN("tokenize/status:SUCCESS")))
        #expect(dataset.editableDescription?.hasPrefix("Owned by CRM.") == true && dataset.editableDescription?.contains(run.runID) == true)
        #expect(harness.catalog.property(customersURN, WriteBackPolicy.runPropertyID)?.contains("\"status\":\"SUCCESS\"") == true)
    }

    /// GMS down when the run ends: the data stays tokenized, the write-back is retried until GMS answers.
    @Test func aWriteBackIsRetriedUntilDataHubAnswers() async throws {
        let harness = Harness()
        let catalog = harness.catalog
        harness.warehouse.gate.withLock { gate in
            gate = { @Sendable in catalog.fail(with: DataHubError(.unavailable, "HTTP 503 from GMS")) }
        }
        let run = try await harness.store.enqueue(try harness.request(offset: 1)).run
        try await withWorkerRunning(harness.worker()) {
            try await harness.eventually("a postponed write-back") {
                let record = try await harness.store.record(run.runID)
                return record?.status == .success && (record?.writeBack.attempts ?? 0) >= 2 && record?.writeBack.state == .pending
            }
            harness.warehouse.gate.withLock { $0 = nil }
            catalog.fail(with: nil)
            try await harness.eventually("the write-back") { try await harness.store.record(run.runID)?.writeBack.state == .done }
        }
        #expect(harness.catalog.snapshot(customersURN)?.tags.contains(trigger) == false)
        #expect(harness.warehouse.requests.count == 1, "the rows were tokenized once")
    }

    @Test func aPermanentWriteBackErrorIsRecordedNotRetried() async throws {
        let harness = Harness()
        let catalog = harness.catalog
        harness.warehouse.gate.withLock { gate in
            gate = { @Sendable in catalog.fail(with: DataHubError(.unauthorized, "HTTP 403: set DATAHUB_TOKEN")) }
        }
        let run = try await harness.store.enqueue(try harness.request(offset: 1)).run
        try await withWorkerRunning(harness.worker()) {
            try await harness.eventually("the failed write-back") { try await harness.store.record(run.runID)?.writeBack.state == .failed }
        }
        let record = try #require(try await harness.store.record(run.runID))
        #expect(record.writeBack.attempts == 1 && record.writeBack.error?.contains("DATAHUB_TOKEN") == true)
    }

    /// Two datasets are worked on at the same time: each run waits inside the warehouse until both are there,
    /// so serialised runs would never meet and the test would fail.
    /// A poll of the ledger waits while PostgreSQL is unreachable; SIGTERM must still drain the worker (the poll
    /// is cancelled), not wait for the database.
    @Test(.timeLimit(.minutes(1))) func aPollWaitingForTheLedgerDoesNotHoldUpShutdown() async throws {
        let harness = Harness()
        harness.store.stallsPolls.withLock { $0 = true }
        try await withWorkerRunning(harness.worker()) {
            try await Task.sleep(for: .milliseconds(100))  // the first poll is out, waiting
        }
    }

    /// A request recorded while a poll is out is picked up by the poll that follows it, not a tick later.
    @Test func aNudgeDuringAPollIsNotLost() async throws {
        let harness = Harness()
        harness.store.stallsPolls.withLock { $0 = true }
        let worker = RunWorker(
            store: harness.store, locks: harness.locks, executor: harness.executor,
            publisher: WriteBackPublisher(
                catalog: harness.catalog, policy: WriteBackPolicy(tags: ServiceTags.with(trigger: trigger)), logger: harness.logger),
            settings: RunWorker.Settings(pollInterval: .seconds(3600)), logger: harness.logger)
        try await withWorkerRunning(worker) {
            try await Task.sleep(for: .milliseconds(50))  // the first poll is out, waiting
            let run = try await harness.store.enqueue(try harness.request()).run
            worker.nudge()
            harness.store.stallsPolls.withLock { $0 = false }
            try await harness.eventually("the nudged run") { try await harness.store.record(run.runID)?.status == .success }
        }
    }

    @Test func differentDatasetsRunAtTheSameTime() async throws {
        let harness = Harness()
        let inside = Mutex(0)
        let met = Mutex(false)
        harness.warehouse.gate.withLock { gate in
            gate = { @Sendable in
                inside.withLock { $0 += 1 }
                let deadline = ContinuousClock.now + .seconds(5)
                while ContinuousClock.now < deadline {
                    if inside.withLock({ $0 }) == 2 {
                        met.withLock { $0 = true }
                        return
                    }
                    try? await Task.sleep(for: .milliseconds(10))
                }
            }
        }
        _ = try await harness.store.enqueue(try harness.request(customersURN, offset: 1))
        _ = try await harness.store.enqueue(try harness.request(ordersURN, offset: 2))
        try await withWorkerRunning(harness.worker()) {
            try await harness.eventually("both runs") { harness.store.all.allSatisfy { $0.status == .success } }
        }
        #expect(met.withLock { $0 }, "the two runs never overlapped")
    }

    @Test func aDatasetAnotherProcessWorksOnIsLeftAlone() async throws {
        let harness = Harness()
        #expect(harness.locks.hold(customersURN))
        let run = try await harness.store.enqueue(try harness.request(offset: 1)).run
        try await withWorkerRunning(harness.worker()) {
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await harness.store.record(run.runID)?.status == .queued)
            harness.locks.release(customersURN)
            try await harness.eventually("the run") { try await harness.store.record(run.runID)?.status == .success }
        }
    }

    /// Past the shutdown grace the run is asked to stop at a batch boundary: it stays open and resumes later.
    @Test func pastTheGracePeriodARunStopsAndStaysOpen() async throws {
        let harness = Harness()
        let started = Mutex(false)
        harness.warehouse.gate.withLock { gate in
            gate = { @Sendable in started.withLock { $0 = true } }
        }
        harness.warehouse.state.withLock { $0.failure = WarehouseError(.interrupted, "stopped at a batch boundary") }
        let run = try await harness.store.enqueue(try harness.request(offset: 1)).run
        try await withWorkerRunning(harness.worker(grace: .milliseconds(100))) {
            try await harness.eventually("the run to start") { started.withLock { $0 } }
        }
        let record = try #require(try await harness.store.record(run.runID))
        #expect(record.status == .running && record.finishedAt == nil)
    }
}
