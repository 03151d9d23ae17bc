import AccessControl
import Catalog
import Foundation
import Logging
import Metrics
import WarehouseKit

extension RunExecutor {
    /// Tokenizes, verifies every row, cleans up: SUCCESS, or INCOMPLETE when plaintext is left.
    func tokenize(_ run: RunRecord, warehouse: any Warehouse, description: TableDescription, stop: StopSignal, logger: Logger) async throws
        -> RunRecord
    {
        var record = run
        let mode = record.mode
        let predecessor = try await cleanPredecessor(of: record)
        let since = incrementalSince(record, predecessor: predecessor)
        // The catalog is read while a re-run verifies (most re-runs find nothing to write and need no more).
        let inspected = record
        async let checked = checkTable(inspected, warehouse: warehouse, description: description)
        if verifiesFirst(record, predecessor: predecessor) {
            // Most re-runs find nothing to do and then report the dataset's downstream copies: DataHub is asked for
            // its lineage during the scan, not after it.
            let asked = record
            async let lineage = lineageAhead(of: asked)
            let report = try await verify(
                &record, warehouse: warehouse, description: description, since: since, stage: "before any batch (the last run left it clean)")
            if report.plaintext == 0 {
                record.table = (try? await checked)?.report
                record.deviations = predecessor?.deviations
                return try await finishAlreadyClean(record, report: report, lineage: await lineage, logger: logger)
            }
            logger.info("plaintext was written since the last run; tokenizing", metadata: ["plaintext": "\(report.plaintext)"])
        }
        let verdict = try await checked
        if let refused = try await applyVerdict(verdict, to: &record, logger: logger) { return refused }
        let request = TokenizationRequest(
            runID: record.runID, table: description, columns: verdict.columns, mode: mode, stop: stop, skip: verdict.skip, careful: record.careful)
        if let refused = try await rehearse(request, verdict: verdict, record: &record, warehouse: warehouse, logger: logger) { return refused }
        logger.info("tokenizing", metadata: ["columns": "\(planText(record))", "mode": "\(mode.rawValue)"])
        let publisher = self.publisher
        let sink = RunProgressReporter(
            record: record, platform: record.dataset.platform, store: store,
            intervals: .init(log: settings.progressLogInterval, dataHub: settings.progressDataHubInterval), logger: logger,
            publishProgress: { running in await stop.cancelling { await publisher.publishProgress(running) } })
        // The batches stop at a boundary when asked (`stop`); cancelling them would roll back the batches in flight.
        let outcome = try await stop.shielded { try await warehouse.tokenize(request, progress: sink) }
        record.rowsUpdated = outcome.rowsUpdated
        record.batches = outcome.batches
        try await store.appendEvent(
            RunEvent(
                runID: record.runID, kind: .batches,
                data: [
                    "attempt": "\(record.attempts)", "batches": "\(outcome.batches)", "rows_updated": "\(outcome.rowsUpdated)",
                    "computed": outcome.pushedDown ? "in the database" : "in the service", "mode": mode.rawValue,
                ]))
        let report = try await verify(&record, warehouse: warehouse, description: description, since: since, columns: verdict.columns)
        try await recordDeviations(
            &record, outcome: outcome, report: report, warehouse: warehouse, description: description, columns: verdict.columns)
        if record.rowsUpdated > 0 {
            let residue = try await warehouse.cleanUp(description.table)
            record.residue = residue
            var data = ["remaining": residue.remaining]
            if let done = residue.done { data["done"] = done }
            if let failure = residue.failure { data["failure"] = failure }
            try await store.appendEvent(RunEvent(runID: record.runID, kind: .cleaned, data: data))
        }
        let verb = mode == .rekey ? "rekeyed" : "tokenized"
        let place = outcome.pushedDown ? "in the database" : "in the service"
        var details = "\(verb) \(verdict.columns.count) column(s) \(place) in \(outcome.batches) batch(es); \(report.summary)"
        let deviations = (record.deviations ?? [:]).sorted { $0.key < $1.key }.compactMap { column, deviation in
            deviation.sentence.map { "\(column): \($0)" }
        }
        if !deviations.isEmpty { details += "; deviations: " + deviations.joined(separator: "; ") }
        if let table = record.table, !table.isEmpty { details += "; \(table.sentence)" }
        if record.details.hasPrefix(Self.unmappedPrefix) { details += "; \(record.details)" }
        if report.plaintext == 0, settings.lineageDepth > 0 {
            record.downstream = try await downstreamCopies(of: record, logger: logger)
            if let sentence = record.downstream?.sentence { details += "; \(sentence)" }
        }
        return try await finish(record, report.plaintext > 0 ? .incomplete : .success, details: details, logger)
    }

    /// A verify-only run: the scan alone, written to DataHub and the ledger like any run.
    func verifyAlone(_ run: RunRecord, warehouse: any Warehouse, description: TableDescription, logger: Logger) async throws -> RunRecord {
        var record = run
        let since = incrementalSince(record, predecessor: try await cleanPredecessor(of: record))
        // A generated column is PostgreSQL's to compute from the tokens (`lower(token)` is no token): checked, like
        // after a run, through the columns it is computed from.
        let written = record.plans.filter { description.column(named: $0.name)?.isGenerated != true }
        let report = try await verify(&record, warehouse: warehouse, description: description, since: since, columns: written)
        Counter(label: "tokenize_verifications_total", dimensions: [("outcome", report.plaintext > 0 ? "plaintext" : "clean")]).increment()
        return try await finish(record, report.plaintext > 0 ? .incomplete : .success, details: "verified: \(report.summary)", logger)
    }

    /// The verification scan, recorded in the run and its trail; `stage` says when it ran, if not after the batches;
    /// `since` is the mark of a clean predecessor's verification (`incrementalSince`).
    func verify(
        _ record: inout RunRecord, warehouse: any Warehouse, description: TableDescription, since: String? = nil, stage: String? = nil,
        columns: [ColumnPlan]? = nil
    ) async throws -> VerificationReport {
        let report = try await warehouse.verify(
            VerificationRequest(table: description, columns: columns ?? record.plans, sampleSize: settings.verifySample, since: since))
        record.verification = report
        Gauge(label: "tokenize_plaintext_values_remaining", dimensions: [("dataset", record.dataset.description)]).record(report.plaintext)
        var data = ["rows": "\(report.rows)", "plaintext": "\(report.plaintext)"]
        if let stage { data["when"] = stage }
        if let checked = report.rowsCheckedSince {
            data["checked"] = "the \(checked) row(s) written since the last clean verification; the others are unchanged since it"
        } else if since != nil {
            data["checked"] = "every row: the last clean verification's mark does not stand in this database"
        }
        for column in report.columns {
            data["column \(column.column)"] =
                "tokens \(column.tokens), empty \(column.empty), plaintext \(column.plaintext)"
                + (column.sampled.map { ", siv sample \($0) (\(column.sampleFailures ?? 0) not genuine)" } ?? "")
                + (column.plaintextKeys.isEmpty ? "" : ", rows \(column.plaintextKeys.joined(separator: ", "))")
        }
        try await store.appendEvent(RunEvent(runID: record.runID, kind: .verified, data: data))
        return report
    }

    /// A run reconciliation found is recorded before Kafka delivers the event that says who added the tag
    /// (reconciliation may see the tag first). While it is young it waits: the Kafka request merges into it and
    /// lends it its actor. After `requesterGrace` it is rejected (the tag must be added again).
    func awaitsItsRequester(_ run: RunRecord, _ rejection: PolicyRejection) -> Bool {
        rejection.reason == .principal && run.source == .reconcile && run.requestedBy == nil && run.columns.isEmpty
            && Date().timeIntervalSince(run.createdAt) < Double(settings.requesterGrace.components.seconds)
    }

    /// The gate's decision on `run`. A run waiting for its requester first takes one a request recorded meanwhile
    /// names (`RequesterAdoption`), and is decided again with it.
    func decideAdoptingRequester(_ run: inout RunRecord, dataset: DatasetURN, _ logger: Logger) async throws -> PolicyDecision {
        let decision = try await gate.decide(run, dataset: dataset)
        guard case .reject(let rejection) = decision, awaitsItsRequester(run, rejection), let adopted = try await store.adoptRequester(run) else {
            return decision
        }
        run = adopted
        logger.info("requester known from a request recorded meanwhile", metadata: ["requested_by": "\(adopted.requestedBy ?? "-")"])
        return try await gate.decide(run, dataset: dataset)
    }

    func reject(_ run: RunRecord, _ rejection: PolicyRejection, _ logger: Logger) async throws -> RunRecord {
        Counter(label: "tokenize_policy_rejections_total", dimensions: [("reason", rejection.reason.rawValue)]).increment()
        try await store.appendEvent(RunEvent(runID: run.runID, kind: .policy, data: ["decision": "rejected", "reason": rejection.message]))
        return try await finish(run, .rejected, details: rejection.message, logger)
    }

    /// The record in its settled status, its write-back pending when DataHub shows it; recorded in the trail.
    func finish(_ run: RunRecord, _ status: RunStatus, details: String, _ logger: Logger, final: Bool = true) async throws -> RunRecord {
        let record = settled(run, status, details: details, final: final)
        try await store.appendEvent(finishedEvent(record))
        logger.info("run finished", metadata: ["status": "\(status.rawValue)", "rows_updated": "\(record.rowsUpdated)", "details": "\(details)"])
        return record
    }

    /// `finish` for outcomes reached through an error: the trail's event is best effort.
    func settle(_ run: RunRecord, _ status: RunStatus, details: String, _ logger: Logger) async -> RunAttempt {
        let record = settled(run, status, details: details, final: true)
        try? await store.appendEvent(finishedEvent(record))
        logger.info("run finished", metadata: ["status": "\(status.rawValue)", "rows_updated": "\(record.rowsUpdated)", "details": "\(details)"])
        return .finished(record)
    }

    private func settled(_ run: RunRecord, _ status: RunStatus, details: String, final: Bool) -> RunRecord {
        var record = run
        record.status = status
        record.details = details
        record.finishedAt = final ? Date() : nil
        record.writeBack.state = writeBackPolicy.writesBack(status) ? .pending : .none
        record.progress = nil
        return record
    }

    private func finishedEvent(_ record: RunRecord) -> RunEvent {
        var data = ["status": record.status.rawValue, "details": record.details, "rows_updated": "\(record.rowsUpdated)"]
        if let code = record.errorCode { data["error_code"] = code }
        return RunEvent(runID: record.runID, kind: .finished, data: data)
    }
}
