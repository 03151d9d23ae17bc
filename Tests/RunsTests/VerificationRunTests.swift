import Catalog
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
        try await WriteBackPublisher(
            catalog: harness.catalog, policy: WriteBackPolicy(tags: ServiceTags.with(trigger: trigger)), logger: harness.logger
        ).publish(record)
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
            try harness.request(scope: RunScope(datasetLevel: true, kind: .verify), source: .verification, by: nil)
        ).run
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

    /// A re-run of a dataset the last run left clean verifies first; finding no plaintext, it runs no batch.
    @Test func aReRunOfACleanDatasetVerifiesFirstAndRunsNoBatch() async throws {
        let harness = Harness()
        let first = try await harness.store.enqueue(try harness.request(scope: .request(columns: ["email"]), source: .api)).run
        guard case .finished(let tokenized) = await harness.executor.attempt(first, stop: StopSignal()) else { return }
        try await harness.store.save(tokenized, retryIn: nil)
        let again = try await harness.store.enqueue(try harness.request(scope: .request(columns: ["email"]), source: .api)).run
        guard case .finished(let rerun) = await harness.executor.attempt(again, stop: StopSignal()) else {
            Issue.record("the re-run settles")
            return
        }
        #expect(tokenized.status == .success && rerun.status == .success && rerun.rowsUpdated == 0 && rerun.batches == 0)
        #expect(harness.warehouse.requests.count == 1, "the re-run ran no batch")
        #expect(rerun.details.hasPrefix("already tokenized: 1 column(s) verified before any batch") && rerun.verification?.plaintext == 0)
        let events = try await harness.store.events(runID: rerun.runID)
        #expect(events.map(\.kind) == ["requested", "resolved", "verified", "batches", "downstream", "finished"])
        #expect(events[2].data.contains("before any batch") && events[3].data.contains("skipped"))
        #expect(AuditChain.problems(events).isEmpty)
    }

    /// Plaintext written since a clean run: the re-run's first verification finds it, and the run tokenizes.
    @Test func aReRunFindingNewPlaintextTokenizesAndVerifiesAgain() async throws {
        let harness = Harness()
        let first = try await harness.store.enqueue(try harness.request(scope: .request(columns: ["email"]), source: .api)).run
        guard case .finished(let tokenized) = await harness.executor.attempt(first, stop: StopSignal()) else { return }
        try await harness.store.save(tokenized, retryIn: nil)
        harness.warehouse.plaintextLeft.withLock { $0 = 2 }
        let again = try await harness.store.enqueue(try harness.request(scope: .request(columns: ["email"]), source: .api)).run
        guard case .finished(let rerun) = await harness.executor.attempt(again, stop: StopSignal()) else {
            Issue.record("the re-run settles")
            return
        }
        #expect(harness.warehouse.requests.count == 2, "the re-run tokenized")
        #expect(rerun.rowsUpdated == 3 && rerun.status == .incomplete)
        let kinds = try await harness.store.events(runID: rerun.runID).map(\.kind)
        #expect(kinds == ["requested", "resolved", "verified", "batches", "verified", "cleaned", "finished"])
    }

    /// After an INCOMPLETE run, or for columns the last run did not cover, a run goes straight to its batches.
    @Test func aRunAfterAnIncompleteOneOrOnNewColumnsDoesNotVerifyFirst() async throws {
        let harness = Harness()
        harness.warehouse.plaintextLeft.withLock { $0 = 1 }
        let first = try await harness.store.enqueue(try harness.request(scope: .request(columns: ["email"]), source: .api)).run
        guard case .finished(let incomplete) = await harness.executor.attempt(first, stop: StopSignal()) else { return }
        try await harness.store.save(incomplete, retryIn: nil)
        harness.warehouse.plaintextLeft.withLock { $0 = 0 }
        let second = try await harness.store.enqueue(try harness.request(scope: .request(columns: ["email"]), source: .api)).run
        guard case .finished(let clean) = await harness.executor.attempt(second, stop: StopSignal()) else { return }
        try await harness.store.save(clean, retryIn: nil)
        #expect(incomplete.status == .incomplete && clean.status == .success && clean.rowsUpdated == 3)
        let third = try await harness.store.enqueue(try harness.request(scope: .request(columns: ["email", "phone"]), source: .api)).run
        guard case .finished(let wider) = await harness.executor.attempt(third, stop: StopSignal()) else { return }
        #expect(wider.rowsUpdated == 3 && harness.warehouse.requests.count == 3, "phone was not covered by the clean run")
    }

    /// A verification after a clean one passes that one's mark, so the warehouse checks only rows written since:
    /// re-runs (before and after batches) and verify-only runs do; a rekey run and `VERIFY_INCREMENTAL=false` do not.
    @Test func aVerificationAfterACleanOneChecksFromItsMark() async throws {
        let harness = Harness()
        func attempt(_ scope: RunScope, source: RunSource = .api) async throws -> RunRecord {
            let run = try await harness.store.enqueue(
                try harness.request(scope: scope, source: source, by: source == .api ? "urn:li:corpuser:alice" : nil)
            ).run
            guard case .finished(let record) = await harness.executor.attempt(run, stop: StopSignal()) else { throw CancellationError() }
            try await harness.store.save(record, retryIn: nil)
            return record
        }
        let first = try await attempt(.request(columns: ["email"]))
        #expect(harness.warehouse.verifications.map(\.since) == [nil] && first.verification?.watermark == "mark-1")
        let rerun = try await attempt(.request(columns: ["email"]))
        #expect(harness.warehouse.verifications.last?.since == "mark-1" && rerun.verification?.watermark == "mark-2")
        #expect(rerun.details.contains("written since the last clean verification checked"), "\(rerun.details)")
        let verified = try await harness.store.events(runID: rerun.runID).first { $0.kind == "verified" }
        #expect(verified?.data.contains("written since the last clean verification") == true)
        let verifyOnly = try await attempt(RunScope(datasetLevel: true, kind: .verify), source: .verification)
        #expect(verifyOnly.status == .success && harness.warehouse.verifications.last?.since == "mark-2")
        _ = try await attempt(RunScope(datasetLevel: true, kind: .verify, fullScan: true), source: .verification)
        #expect(harness.warehouse.verifications.last?.since == nil, "a full scan asked for")
        _ = try await attempt(RunScope(datasetLevel: true, kind: .verify), source: .verification)
        #expect(harness.warehouse.verifications.last?.since == "mark-4", "the full scan's mark serves the next one")

        // Plaintext written since: both the first verification and the one after the batches check from the mark.
        harness.warehouse.plaintextLeft.withLock { $0 = 1 }
        let dirty = try await attempt(.request(columns: ["email"]))
        #expect(dirty.status == .incomplete && harness.warehouse.verifications.suffix(2).map(\.since) == ["mark-5", "mark-5"])
        // After an INCOMPLETE run, every row.
        _ = try await attempt(.request(columns: ["email"]))
        #expect(harness.warehouse.verifications.last?.since == nil)

        harness.warehouse.plaintextLeft.withLock { $0 = 0 }
        _ = try await attempt(.request(columns: ["email"]))
        _ = try await attempt(.request(columns: ["email"], rekey: true))
        #expect(harness.warehouse.verifications.last?.since == nil, "a rekey run checks every row")
        var full = harness
        full.verifyIncremental = false
        let run = try await full.store.enqueue(try full.request(scope: .request(columns: ["email"]), source: .api)).run
        _ = await full.executor.attempt(run, stop: StopSignal())
        #expect(harness.warehouse.verifications.last?.since == nil, "VERIFY_INCREMENTAL=false")
    }
}
