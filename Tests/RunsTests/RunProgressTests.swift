import Foundation
import Runs
import TestSupport
import Testing
import WarehouseKit

/// Progress: pace and time left from this attempt, shown in DataHub only for long runs, never done early.
@Suite struct RunProgressTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func paceAndTimeLeftComeFromThisAttempt() {
        var estimator = ProgressEstimator()
        let first = estimator.report(TokenizationProgress(rowsUpdated: 0, batches: 0, plannedBatches: 20, estimatedRows: 1_000_000), at: start)
        #expect(first.percent == 0 && first.rowsPerSecond == nil && first.etaSeconds == nil, "nothing to pace on yet")
        let later = estimator.report(
            TokenizationProgress(rowsUpdated: 50_000, batches: 5, lastKey: "250000", plannedBatches: 20, estimatedRows: 1_000_000),
            at: start.addingTimeInterval(10))
        #expect(later.percent == 25 && later.rowsPerSecond == 5000 && later.etaSeconds == 30 && later.currentKey == "250000")
        #expect(later.sentence == "Running — 25 % (~250,000 of ~1,000,000 rows), 50,000 rows changed, 5,000 rows/s, about 30 s left (estimated)")
    }

    @Test func aResumedRunIsPacedFromWhereItResumed() {
        var estimator = ProgressEstimator()
        _ = estimator.report(TokenizationProgress(rowsUpdated: 600_000, batches: 12, plannedBatches: 20), at: start)
        let report = estimator.report(TokenizationProgress(rowsUpdated: 700_000, batches: 14, plannedBatches: 20), at: start.addingTimeInterval(20))
        #expect(report.percent == 70 && report.rowsPerSecond == 5000 && report.etaSeconds == 60)
        #expect(report.sentence == "Running — 70 %, 700,000 rows changed, 5,000 rows/s, about 1 min 0 s left (estimated)")
    }

    @Test func aStaleEstimateNeverClaimsTheRunIsDone() {
        var estimator = ProgressEstimator()
        _ = estimator.report(TokenizationProgress(rowsUpdated: 0, batches: 0, plannedBatches: 2), at: start)
        let report = estimator.report(TokenizationProgress(rowsUpdated: 30, batches: 3, plannedBatches: 2), at: start.addingTimeInterval(3))
        #expect(report.percent == 99 && report.etaSeconds == nil)
    }

    @Test func withoutAPlanItCountsBatches() {
        var estimator = ProgressEstimator()
        let report = estimator.report(TokenizationProgress(rowsUpdated: 1_234, batches: 1), at: start)
        #expect(report.percent == nil && report.sentence == "Running — batch 1, 1,234 rows changed")
    }

    @Test func aLongRunShowsItsProgressInDataHubWithoutTouchingTags() async throws {
        var harness = Harness()
        harness.progressDataHubInterval = .zero
        let run = try await harness.store.enqueue(try harness.request()).run
        guard case .finished(let record) = await harness.executor.attempt(run, stop: StopSignal()) else {
            Issue.record("not finished")
            return
        }
        #expect(record.status == .success && record.progress == nil, "a finished run carries no progress")
        let description = harness.catalog.snapshot(customersURN)?.editableDescription ?? ""
        #expect(description.hasPrefix("Owned by CRM."), "the user's text is kept")
        #expect(description.contains("| Status | **RUNNING** |") && description.contains("| Progress | Running — batch 1, 3 rows changed |"))
        #expect(harness.catalog.mutations == ["updateDataset"], "progress changes the description only, never a tag")
    }

    @Test func aQuickRunWritesNoProgressToDataHub() async throws {
        let harness = Harness()
        let run = try await harness.store.enqueue(try harness.request()).run
        _ = await harness.executor.attempt(run, stop: StopSignal())
        #expect(harness.catalog.mutations.isEmpty, "a run shorter than PROGRESS_DATAHUB_SECONDS only gets its final write-back")
    }
}

/// `tokenize-action runs`: running runs show progress, finished ones their outcome.
@Suite struct RunListingTests {
    @Test func runningRunsShowProgressAndFinishedOnesTheirOutcome() {
        let started = Date(timeIntervalSince1970: 1_800_000_000)
        var running = RunRecord(
            runID: "0a1b2c3d-0000-0000-0000-000000000000", dataset: customersURN, scope: RunScope(datasetLevel: true), status: .running,
            source: .kafka, createdAt: started, startedAt: started)
        running.progress = RunProgress(
            batches: 5, plannedBatches: 20, rowsChanged: 50_000, estimatedRows: 1_000_000, rowsPerSecond: 5000, percent: 25, etaSeconds: 30)
        let failed = RunRecord(
            runID: "ffeeddcc-0000-0000-0000-000000000000", dataset: "urn:li:dataset:(urn:li:dataPlatform:databricks,main.sales.orders,PROD)",
            scope: RunScope(datasetLevel: true), status: .failed, source: .api, rowsUpdated: 1200, details: "Databricks is unavailable",
            createdAt: started)
        let lines = RunListing.render([running, failed]).split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("RUN       STATUS   STARTED (UTC)        DATASET"))
        #expect(
            lines[1]
                == "0a1b2c3d  RUNNING  2027-01-15 08:00:00  postgres:shop.public.customers  Running — 25 % (~250,000 of ~1,000,000 rows), "
                + "50,000 rows changed, 5,000 rows/s, about 30 s left (estimated)"
        )
        #expect(lines[2] == "ffeeddcc  FAILED   2027-01-15 08:00:00  databricks:main.sales.orders    1,200 rows; Databricks is unavailable")
        #expect(RunListing.render([]) == "no runs")
    }
}
