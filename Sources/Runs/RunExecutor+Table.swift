import AccessControl
import Catalog
import Logging
import Metrics
import WarehouseKit

/// What a run checks around its table before any row changes (`TableChecks`), the rehearsal, the quarantine of a
/// run whose attempts keep stopping the process (`CrashGuard`), and the deviations a run reports.
extension RunExecutor {
    /// The catalog's view of the table and the checks' verdict. A chosen column that references another table is
    /// counted for plaintext first (a token written there would break the reference).
    func checkTable(_ record: RunRecord, warehouse: any Warehouse, description: TableDescription) async throws -> TableChecks.Verdict {
        let dataset = record.dataset
        let inspection = try await warehouse.inspect(description, columns: record.columns)
        let referencing = Set(
            inspection.foreignKeys.filter { $0.chosenReferences && !($0.referencesChosen && $0.referencing == $0.referenced) }
                .flatMap(\.referencingColumns))
        var plaintext: Bool? = nil
        let referencingPlans = record.plans.filter { referencing.contains($0.name) }
        if !referencingPlans.isEmpty {
            let counted = try await warehouse.verify(
                VerificationRequest(table: description, columns: referencingPlans, sampleSize: 0, recordsMark: false))
            plaintext = counted.plaintext > 0
        }
        return TableChecks().decide(
            inspection, description: description, columns: record.plans, triggers: gate.tableRule(for: dataset).triggers,
            plaintextInReferencingColumns: plaintext)
    }

    /// Records the verdict in the run and its trail; a refusal settles the run FAILED before any row changed.
    func applyVerdict(_ verdict: TableChecks.Verdict, to record: inout RunRecord, logger: Logger) async throws -> RunRecord? {
        record.table = verdict.report.isEmpty ? nil : verdict.report
        var data: [String: String] = [:]
        if !verdict.report.copies.isEmpty { data["copies"] = verdict.report.copies.joined(separator: "; ") }
        if !verdict.report.cascades.isEmpty { data["cascades"] = verdict.report.cascades.joined(separator: "; ") }
        if !verdict.report.recomputed.isEmpty { data["recomputed"] = verdict.report.recomputed.keys.sorted().joined(separator: ", ") }
        if let triggers = verdict.report.triggers { data["triggers"] = triggers }
        if !verdict.report.checked.isEmpty { data["checked"] = verdict.report.checked.joined(separator: "; ") }
        if !verdict.refusals.isEmpty { data["refused"] = verdict.refusals.joined(separator: "; ") }
        if !data.isEmpty { try await store.appendEvent(RunEvent(runID: record.runID, kind: .inspected, data: data)) }
        guard !verdict.refusals.isEmpty else { return nil }
        Counter(label: "tokenize_runs_refused_total", dimensions: [("reason", "table")]).increment()
        record.errorCode = "table_refused"
        let changed =
            record.rowsUpdated > 0
            ? "after \(record.rowsUpdated) row(s) changed by earlier attempts (batches up to key \(record.progress?.currentKey ?? "?"))"
            : "before any row changed"
        return try await finish(record, .failed, details: "refused \(changed): \(verdict.refusals.joined(separator: "; "))", logger)
    }

    /// Writes the tokens of sampled rows in a transaction rolled back (`Warehouse.rehearse`) before the first batch,
    /// when the verdict asks; a refusal settles the run FAILED with nothing changed.
    func rehearse(_ request: TokenizationRequest, verdict: TableChecks.Verdict, record: inout RunRecord, warehouse: any Warehouse, logger: Logger)
        async throws
        -> RunRecord?
    {
        guard verdict.rehearse, record.batches == 0, record.rowsUpdated == 0 else { return nil }
        let rehearsal = try await warehouse.rehearse(request, rows: settings.rehearsalRows)
        var table = record.table ?? TableReport()
        if let refusal = rehearsal.refusal {
            table.rehearsal = "rehearsal refused: \(refusal)"
            record.table = table
            try await store.appendEvent(RunEvent(runID: record.runID, kind: .inspected, data: ["rehearsal": "refused", "refusal": refusal]))
            Counter(label: "tokenize_runs_refused_total", dimensions: [("reason", "rehearsal")]).increment()
            record.errorCode = "rehearsal_refused"
            return try await finish(record, .failed, details: refusal, logger)
        }
        table.rehearsal = "the tokens of \(rehearsal.rows) sampled row(s) were written and rolled back before the first batch: PostgreSQL took them"
        record.table = table
        try await store.appendEvent(RunEvent(runID: record.runID, kind: .inspected, data: ["rehearsal": "passed", "rows": "\(rehearsal.rows)"]))
        return nil
    }

    /// Settles a run whose attempts stopped with the process gone `stopped` times in a row: FAILED, with where the
    /// last attempt stopped, so the value can be found; the dataset's other requests and every other dataset go on.
    func quarantine(_ run: RunRecord, stopped: Int, logger: Logger) async throws -> RunRecord {
        var record = run
        Counter(label: "tokenize_runs_quarantined_total").increment()
        record.errorCode = "quarantined"
        let columns = record.plans.map(\.description).joined(separator: ", ")
        let position: String
        if let key = record.progress?.currentKey {
            position =
                "the attempts worked one row at a time after the last committed batch, which ended at key \(key): the value that stops the "
                + "service is in the next row after it\(columns.isEmpty ? "" : " (columns \(columns))")"
        } else if record.batches > 0 {
            position = "the last committed batch is batch \(record.batches); the value that stops the service is in the rows after it"
        } else {
            position = "no batch was committed: the attempts stopped while \(columns.isEmpty ? "planning" : "working on \(columns)")"
        }
        let details =
            "quarantined: the service stopped during this run \(stopped) times (each attempt ended with the process gone before it saved an "
            + "outcome); \(position). Fix or remove that value, then request the run again"
        logger.critical("run quarantined", metadata: ["stopped_attempts": "\(stopped)", "last_key": "\(record.progress?.currentKey ?? "-")"])
        try await store.appendEvent(
            RunEvent(runID: record.runID, kind: .stopped, data: ["stopped_attempts": "\(stopped)", "decision": "quarantined", "where": position]))
        return try await finish(record, .failed, details: details, logger)
    }

    /// The run's deviations after its verification: refused values (cumulative over attempts), ff1 values given siv
    /// tokens, and values with nothing to protect.
    func recordDeviations(
        _ record: inout RunRecord, outcome: TokenizationOutcome?, report: VerificationReport, warehouse: any Warehouse, description: TableDescription,
        columns: [ColumnPlan]
    ) async throws {
        var deviations = record.deviations ?? [:]
        for (column, refused) in outcome?.refused ?? [:] { deviations[column, default: ColumnDeviations()].refused += refused }
        let fallbacks = columns.contains { $0.scheme == .ff1 } ? try await warehouse.ff1Fallbacks(description, columns: columns) : [:]
        for column in report.columns {
            var deviation = deviations[column.column] ?? ColumnDeviations()
            deviation.nothingToProtect = column.empty
            if let fellBack = fallbacks[column.column] { deviation.fellBackToSIV = fellBack }
            deviations[column.column] = deviation
        }
        record.deviations = deviations.isEmpty ? nil : deviations
    }
}
