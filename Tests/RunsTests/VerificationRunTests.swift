import DataHubClient
import Foundation
import Runs
import TestSupport
import Testing
import WarehouseKit

/// Verification after every run, verify-only runs, and the audit trail they leave.
@Suite struct VerificationRunTests {
    @Test func plaintextLeftMakesARunIncompleteAndItsTriggerStays() async throws {
        let harness = Harness()
        harness.warehouse.plaintextLeft.withLock { $0 = 2 }
        let run = try await harness.store.enqueue(try harness.request(offset: 1)).run
        guard case .finished(let record) = await harness.executor.attempt(run, stop: StopSignal()) else {
            Issue.record("the run settles")
            return
        }
        #expect(record.status == .incomplete && record.verification?.plaintext == 2)
        #expect(record.details.contains("2 plaintext value(s) remain") && record.details.contains("rows 42"))
        #expect(record.residue == Residue(done: "cleaned", remaining: "nowhere else"))
        try await harness.store.save(record, retryIn: nil)
        try await WriteBackPublisher(catalog: harness.catalog, policy: WriteBackPolicy(triggerTag: trigger), logger: harness.logger).publish(record)
        let dataset = try #require(harness.catalog.snapshot(customersURN))
        #expect(dataset.tags.contains(trigger) && dataset.tags.contains(TagURN("tokenize/status:INCOMPLETE")))
        #expect(dataset.editableDescription?.contains("| Verified | 2 plaintext value(s) remain") == true)
        #expect(dataset.editableDescription?.contains("| Old values | cleaned nowhere else |") == true)
    }

    @Test func aCleanRunIsSuccessAndSaysSo() async throws {
        let harness = Harness()
        let run = try await harness.store.enqueue(try harness.request(offset: 1)).run
        guard case .finished(let record) = await harness.executor.attempt(run, stop: StopSignal()) else {
            Issue.record("the run settles")
            return
        }
        #expect(record.status == .success && record.verification?.plaintext == 0 && record.details.contains("0 plaintext values remain in 3 rows"))
    }

    /// A verify-only run writes nothing to the table and checks the columns the last run tokenized.
    @Test func aVerifyOnlyRunChecksTheLastRunsColumns() async throws {
        let harness = Harness()
        let first = try await harness.store.enqueue(try harness.request(scope: .request(columns: ["email"]), source: .api)).run
        guard case .finished(let tokenized) = await harness.executor.attempt(first, stop: StopSignal()) else { return }
        try await harness.store.save(tokenized, retryIn: nil)
        harness.warehouse.plaintextLeft.withLock { $0 = 1 }
        let verify = try await harness.store.enqueue(
            try harness.request(scope: RunScope(datasetLevel: true, verifyOnly: true), source: .verification, by: nil)).run
        guard case .finished(let verified) = await harness.executor.attempt(verify, stop: StopSignal()) else {
            Issue.record("the verification settles")
            return
        }
        #expect(verified.status == .incomplete && verified.columns == ["email"] && verified.details.hasPrefix("verified: 1 plaintext"))
        #expect(harness.warehouse.requests.count == 1, "the verification wrote nothing")
        #expect(verified.residue == nil)
    }

    /// The trail of a run: requested, resolved, batches, verified, cleaned, finished, chained by hash; an edit is found.
    @Test func everyStepIsInTheAuditTrailAndTheChainHolds() async throws {
        let harness = Harness()
        let run = try await harness.store.enqueue(try harness.request(offset: 1)).run
        _ = await harness.executor.attempt(run, stop: StopSignal())
        var events = try await harness.store.events(runID: run.runID)
        #expect(events.map(\.kind) == ["requested", "resolved", "batches", "verified", "cleaned", "downstream", "finished"])
        #expect(AuditChain.problems(events).isEmpty)
        #expect(events[1].data.contains("tagged as PII") || events[1].data.contains("looks personal"))
        events[3].data = events[3].data.replacingOccurrences(of: "\"plaintext\":\"0\"", with: "\"plaintext\":\"9\"")
        #expect(AuditChain.problems(events).contains { $0.contains("event 4") && $0.contains("edited") })
        events.remove(at: 2)
        #expect(!AuditChain.problems(events).isEmpty, "a removed event breaks the chain")
    }
}
