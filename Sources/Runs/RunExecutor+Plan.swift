import Catalog
import Discovery
import Logging
import WarehouseKit

/// Plans (dry runs) and PII discovery by value sampling.
extension RunExecutor {
    /// Samples the table's text columns in the warehouse and classifies the values in the service; the values
    /// are dropped as soon as each column's profile is made.
    func discover(_ description: TableDescription, warehouse: any Warehouse, snapshot: DatasetSnapshot?) async throws -> (
        discovered: [String: PIIKind], profiles: [String: ColumnProfile], sample: TableSample
    ) {
        let textColumns = description.columns.filter(\.isText).map(\.name)
        let sample = try await warehouse.sample(description, columns: textColumns, rows: settings.sampleRows)
        let classifier = ValueClassifier()
        var profiles: [String: ColumnProfile] = [:]
        var discovered: [String: PIIKind] = [:]
        for column in textColumns {
            // Person names and addresses count only where the column's name or its DataHub terms say so.
            let terms = (snapshot?.fields ?? []).first { ColumnResolver.columnName(fieldPath: $0.fieldPath) == column }?.glossaryTerms ?? []
            let profile = classifier.profile(sample.values[column] ?? [], context: ColumnContext(name: column, glossaryTerms: terms))
            profiles[column] = profile
            if let found = profile.detectedKind(threshold: settings.sampleThreshold) { discovered[column] = found.kind }
        }
        return (discovered, profiles, sample)
    }

    /// A plan: resolves the columns exactly as a run would (value sampling decides only with `DISCOVERY_IN_RUNS`;
    /// otherwise what it finds elsewhere is proposed), counts what a run would change, checks the tokens fit, and
    /// settles as PLANNED. Reads only; the policy's dataset and requester rules apply
    /// (a plan reads sampled values into the service), its scheme and approval rules do not (nothing is written).
    func planAlone(_ run: RunRecord, dataset: DatasetURN, warehouse: any Warehouse, logger: Logger) async throws -> RunRecord {
        var record = run
        if case .reject(let rejection) = try await gate.decide(record, dataset: dataset) { return try await reject(record, rejection, logger) }
        let snapshot = try await catalog.datasetForRun(record.dataset)
        let description = try await warehouse.describe(try dataset.tableReference())
        let found = try await discover(description, warehouse: warehouse, snapshot: snapshot)
        let deciding = settings.discoveryInRuns ? found.discovered : [:]
        let columns = try resolveForPlan(record.scope, snapshot: snapshot, table: description, discovered: deciding)
        let schemes = resolver.schemes(for: columns, snapshot: snapshot, defaultScheme: settings.defaultScheme)
        record.columns = schemes.map(\.name)
        record.schemes = Dictionary(uniqueKeysWithValues: schemes.map { ($0.name, $0.scheme) })
        let normalizations = resolver.normalizations(
            for: record.columns, snapshot: snapshot, defaultNormalization: gate.tableRule(for: dataset).normalization)
        record.normalizations = normalizations.isEmpty ? nil : normalizations
        let plans = record.plans
        let reasons = resolver.reasons(for: columns, scope: record.scope, snapshot: snapshot, discovered: deciding)
        // What a run would meet around the table, and whether it would be refused (a plan changes nothing, so it does
        // not rehearse).
        let verdict = plans.isEmpty ? nil : try await checkTable(record, warehouse: warehouse, description: description)

        let estimated = found.sample.estimatedRows ?? 0
        // Counted by the verification scan (which knows ff1 tokens through the ledger) whenever the table is known to
        // be small enough; estimated from the sample otherwise.
        let countable = found.sample.isWholeTable || (found.sample.estimatedRows.map { $0 <= settings.planCountRows } ?? false)
        let counts: VerificationReport? =
            countable && !plans.isEmpty
            ? try await warehouse.verify(VerificationRequest(table: description, columns: plans, sampleSize: 0, recordsMark: false)) : nil
        var reportColumns: [PlanReport.Column] = []
        for plan in plans {
            let values = found.sample.values[plan.name] ?? []
            let facts = tokenizer.map { SampledColumnFacts.of(values, scheme: plan.scheme, tokenizer: $0, normalization: plan.normalization) }
            let (toChange, tokens, empty, counted) = Self.planCounts(plan, facts: facts, verification: counts, sample: found.sample)
            let width = PlanReport.width(of: description.column(named: plan.name), longestToken: facts?.longestToken)
            reportColumns.append(
                PlanReport.Column(
                    name: plan.name, scheme: plan.scheme, reason: reasons[plan.name] ?? "chosen", toChange: toChange, alreadyTokens: tokens,
                    empty: empty, counted: counted, fits: width.fits, width: width.text,
                    belowFF1Domain: plan.scheme == .ff1 ? facts?.belowFF1Domain : nil,
                    aboveFF1Length: plan.scheme == .ff1 ? facts?.aboveFF1Length : nil,
                    blank: facts?.blank, notNFC: facts?.notNFC, normalization: plan.normalization == .none ? nil : plan.normalization,
                    typeNote: description.column(named: plan.name)?.semanticsNote,
                    detected: found.profiles[plan.name].map { PlanReport.detections($0) } ?? []))
        }
        var proposed: [String: [PlanReport.Detection]] = [:]
        let dismissedColumns = resolver.dismissed(in: snapshot)
        var dismissed: [String: [PlanReport.Detection]] = [:]
        var belowThreshold: [String: PlanReport.Finding] = [:]
        for (column, profile) in found.profiles where !columns.contains(column) {
            if dismissedColumns.contains(column) {
                dismissed[column] = PlanReport.detections(profile)
            } else if found.discovered[column] != nil {
                proposed[column] = PlanReport.detections(profile)
            } else if let finding = PlanReport.Finding.of(profile) {
                belowThreshold[column] = finding
            }
        }
        let sampleText =
            "\(found.sample.rows) rows, \(found.sample.method)" + (found.sample.isWholeTable ? "" : estimated > 0 ? " of ~\(estimated)" : "")
        var report = PlanReport(
            columns: reportColumns, proposed: proposed, sample: sampleText,
            unmappedFieldPaths: ColumnResolver.unmappedFieldPaths(snapshot, table: description))
        report.belowThreshold = belowThreshold.isEmpty ? nil : belowThreshold
        report.dismissed = dismissed.isEmpty ? nil : dismissed
        if settings.discoveryTagFields {
            report.fieldTags = Self.fieldTags(found.discovered.filter { !dismissedColumns.contains($0.key) }, snapshot: snapshot)
        }
        if let verdict {
            report.table = verdict.report.isEmpty ? nil : verdict.report
            report.refusals = verdict.refusals.isEmpty ? nil : verdict.refusals
        }
        record.plan = report
        try await store.appendEvent(
            RunEvent(
                runID: record.runID, kind: .resolved,
                data: [
                    "columns": planText(record), "why": columns.map { "\($0): \(reasons[$0] ?? "chosen")" }.joined(separator: "; "), "plan": "yes",
                    "dismissed": dismissed.keys.sorted().map { "\($0) (\(settings.tags.dismiss.name))" }.joined(separator: ", "),
                ]))
        return try await finish(record, .planned, details: report.summary, logger)
    }

    /// The columns a run would choose; none (rather than a failure) when a run would find none: the plan says so.
    private func resolveForPlan(
        _ scope: RunScope, snapshot: DatasetSnapshot?, table: TableDescription, discovered: [String: PIIKind]
    ) throws(RunError) -> [String] {
        do {
            return try resolver.resolve(scope: scope, snapshot: snapshot, table: table, discovered: discovered)
        } catch {
            if error.code == .noColumns { return [] }
            throw error
        }
    }

    /// `pii:<kind>` for the DataHub field of each column sampling found a kind in, unless the field carries it.
    static func fieldTags(_ discovered: [String: PIIKind], snapshot: DatasetSnapshot?) -> [PlanReport.FieldTag] {
        (snapshot?.fields ?? []).compactMap { field in
            guard let kind = discovered[ColumnResolver.columnName(fieldPath: field.fieldPath)], !field.tags.contains(TagURN(kind.tagName)) else {
                return nil
            }
            return PlanReport.FieldTag(fieldPath: field.fieldPath, tag: kind.tagName)
        }
    }

    /// (to change, already tokens, empty, counted): counted over every row when the verification scan ran, else the
    /// sample's shares scaled to the estimated rows.
    static func planCounts(
        _ plan: ColumnPlan, facts: SampledColumnFacts?, verification: VerificationReport?, sample: TableSample
    ) -> (Int, Int, Int, Bool) {
        if let column = verification?.columns.first(where: { $0.column == plan.name }) {
            return (column.plaintext, column.tokens, column.empty, true)
        }
        guard let facts else { return (0, 0, 0, false) }
        guard facts.sampled > 0 else { return (0, 0, 0, false) }
        let scale = Double(sample.estimatedRows ?? facts.sampled) / Double(facts.sampled)
        func scaled(_ count: Int) -> Int { Int((Double(count) * scale).rounded()) }
        return (scaled(facts.plaintext), scaled(facts.tokens), scaled(facts.empty), false)
    }
}
