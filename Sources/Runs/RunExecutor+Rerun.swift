import Catalog
import Foundation
import Logging
import WarehouseKit

/// Re-runs of a dataset the last run left clean: the verification scan runs first, and when it finds no plaintext
/// no batch runs at all. Without this, a re-run paid for a search for pending rows (a full scan when there are
/// none) and then for the verification (a second full scan).
///
/// The proof is the same scan as after batches, taken before them instead: at that moment every value of the run's
/// columns was empty or a token. When the scan does find plaintext (rows written since the last run), the run
/// tokenizes and verifies again, as any run.
extension RunExecutor {
    /// The dataset's latest verified run (tokenize or verify-only) other than this one, when it was a SUCCESS
    /// covering every column and scheme of this one: its verification found each of their values empty or a token.
    func cleanPredecessor(of record: RunRecord) async throws -> RunRecord? {
        guard !record.columns.isEmpty else { return nil }
        let latest = try await store.latestRecord(dataset: record.dataset) {
            $0.runID != record.runID && !$0.columns.isEmpty && $0.scope.kind != .plan && [.success, .incomplete].contains($0.status)
        }
        guard let latest, latest.status == .success else { return nil }
        let covered = Set(latest.plans)
        return record.plans.allSatisfy(covered.contains) ? latest : nil
    }

    /// Whether the run should verify before any batch: a tokenize run that has not written yet, with a clean
    /// predecessor (`cleanPredecessor`).
    func verifiesFirst(_ record: RunRecord, predecessor: RunRecord?) -> Bool {
        record.mode == .tokenize && record.rowsUpdated == 0 && record.batches == 0 && predecessor != nil
    }

    /// The mark a verification of `record` may check from (`VerificationRequest.since`): the clean predecessor's,
    /// unless `VERIFY_INCREMENTAL=false`, the request asked for a full scan, or this is a rekey run (which rewrites
    /// every row anyway).
    func incrementalSince(_ record: RunRecord, predecessor: RunRecord?) -> String? {
        guard settings.verifyIncremental, !record.scope.fullScan, record.mode != .rekey else { return nil }
        return predecessor?.verification?.watermark
    }

    /// Finishes a run whose verification before any batch found every value empty or a token: no batch ran.
    /// `lineage`: the dataset's downstream lineage, asked for during the verification.
    func finishAlreadyClean(
        _ run: RunRecord, report: VerificationReport, lineage: Result<[DownstreamDataset], DataHubError>?, logger: Logger
    ) async throws -> RunRecord {
        var record = run
        record.rowsUpdated = 0
        record.batches = 0
        try await store.appendEvent(
            RunEvent(
                runID: record.runID, kind: .batches,
                data: [
                    "attempt": "\(record.attempts)", "batches": "0", "rows_updated": "0", "mode": record.mode.rawValue,
                    "skipped": "the verification before any batch found no plaintext",
                ]))
        var details = "already tokenized: \(record.columns.count) column(s) verified before any batch, so none ran; \(report.summary)"
        if record.details.hasPrefix(Self.unmappedPrefix) { details += "; \(record.details)" }
        if settings.lineageDepth > 0 {
            record.downstream = try await downstreamCopies(of: record, lineage: lineage, logger: logger)
            if let sentence = record.downstream?.sentence { details += "; \(sentence)" }
        }
        return try await finish(record, .success, details: details, logger)
    }
}
