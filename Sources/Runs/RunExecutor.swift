import AccessControl
import Catalog
import Discovery
import Foundation
import Logging
import Metrics
import Resilience
import Tokenization
import WarehouseKit

/// What one attempt of a run came to.
public enum RunAttempt: Sendable, Equatable {
    /// The run reached a settled status (its write-back, if any, is now pending).
    case finished(RunRecord)
    /// Something it needs is unavailable, or it was asked to stop: it stays open and is tried again.
    case postponed(RunRecord)
}

/// Carries out one attempt of a run: asks the policy (`RunGate`) about the dataset and requester, reads the
/// dataset from DataHub, checks the trigger is still there, resolves the column plan, asks the policy again with
/// the schemes, saves the plan, tokenizes in place (resuming after the last committed batch), verifies every
/// row, and cleans up what the old values leave behind. Every step is recorded in the run's audit trail. Never
/// throws: every outcome is a settled record (SUCCESS, INCOMPLETE, FAILED, SKIPPED, STALE, REJECTED,
/// AWAITING_APPROVAL) or a postponement.
public struct RunExecutor: Sendable {
    /// What a run does, beyond its request: every default is written here once; configuration overrides them from
    /// the environment (`AppConfiguration`).
    public struct Settings: Sendable, Equatable {
        /// The scheme of columns without a `tokenize/scheme:<name>` tag (`TOKEN_SCHEME`).
        public var defaultScheme = TokenSchemeName.hmac
        /// The tags runs act on (`TRIGGER_TAG`, `APPROVAL_TAG`, `PLAN_TAG`).
        public var tags = ServiceTags()
        /// How long a reconciled run waits for its requester before the policy rejects it.
        public var requesterGrace = Duration.seconds(120)
        /// siv tokens decrypted per column by the verification (`VERIFY_SAMPLE`).
        public var verifySample = 10_000
        /// Whether a verification after a clean one checks only the rows written since, where the warehouse can
        /// prove which those are (`VERIFY_INCREMENTAL`).
        public var verifyIncremental = true
        /// How often a running run logs its progress (`PROGRESS_LOG_SECONDS`).
        public var progressLogInterval = Duration.seconds(10)
        /// How often a long run refreshes its documentation section in DataHub (`PROGRESS_DATAHUB_SECONDS`).
        public var progressDataHubInterval = Duration.seconds(30)
        /// Rows sampled per table for discovery (`SAMPLE_ROWS`).
        public var sampleRows = 1_000
        /// The share of a column's sampled values that must validate as one kind to propose it (`SAMPLE_THRESHOLD`).
        public var sampleThreshold = 0.8
        /// Whether runs (not only plans) pick columns by value sampling when no tag or request decides (`DISCOVERY_IN_RUNS`).
        public var discoveryInRuns = false
        /// Whether a plan tags the fields sampling found personal data in, `pii:<kind>` (`DISCOVERY_TAG_FIELDS`).
        public var discoveryTagFields = false
        /// How many lineage hops a SUCCESS looks downstream for copies (`LINEAGE_DEPTH`; 0: not at all).
        public var lineageDepth = 3
        /// Whether the service adds the trigger to downstream copies itself, where the policy allows (`PROPAGATE_DOWNSTREAM`).
        public var propagateDownstream = false
        /// Glossary term names that mark a field as personal data (`PII_GLOSSARY_TERMS`).
        public var piiGlossaryTerms = ColumnResolver.defaultPIIGlossaryTerms
        /// A plan counts every row up to this many estimated rows; above, it estimates from the sample (`PLAN_COUNT_ROWS`).
        public var planCountRows = 1_000_000
        /// Rows a rehearsal writes and rolls back before a run's first batch, where constraints or triggers could
        /// refuse the tokens (`REHEARSAL_ROWS`): every row of a table no bigger.
        public var rehearsalRows = 5_000
        /// Attempts that end with the process gone, in a row, that quarantine a run (`RUN_STOP_LIMIT`).
        public var stopLimit = 3

        public init() {}
    }

    /// Warehouses by DataHub platform name (`postgres`, `databricks`).
    let warehouses: [String: any Warehouse]
    let catalog: any DataHubCatalog
    let store: any RunStore
    let gate: any RunGate
    /// Publishes a long run's progress to DataHub (the worker's publisher writes the outcome through the outbox).
    let publisher: WriteBackPublisher
    let settings: Settings
    var resolver: ColumnResolver { ColumnResolver(piiGlossaryTerms: settings.piiGlossaryTerms, dismissTag: settings.tags.dismiss) }
    /// Sizes tokens and recognises them in a plan's sample (nil: a plan reports no widths).
    let tokenizer: Tokenizer?
    let logger: Logger

    /// - Parameter publisher: the service's one write-back publisher (default: one over `catalog` with the settings' tags).
    public init(
        warehouses: [String: any Warehouse], catalog: any DataHubCatalog, store: any RunStore, gate: any RunGate = OpenGate(),
        publisher: WriteBackPublisher? = nil, settings: Settings, tokenizer: Tokenizer? = nil, logger: Logger
    ) {
        self.tokenizer = tokenizer
        self.warehouses = warehouses
        self.publisher = publisher ?? WriteBackPublisher(catalog: catalog, policy: WriteBackPolicy(tags: settings.tags), logger: logger)
        self.catalog = catalog
        self.store = store
        self.gate = gate
        self.settings = settings
        self.logger = logger
    }

    var writeBackPolicy: WriteBackPolicy { WriteBackPolicy(tags: settings.tags) }

    /// The platforms runs can target.
    public var platforms: Set<String> { Set(warehouses.keys) }

    public func attempt(_ run: RunRecord, stop: StopSignal) async -> RunAttempt {
        var record = run
        var logger = self.logger
        logger[metadataKey: "run_id"] = "\(record.runID)"
        logger[metadataKey: "dataset"] = "\(record.dataset)"
        do {
            // The ledger's row, with every request merged into it so far; none merges into it from now on.
            record = try await store.beginAttempt(record)
            logger.info(record.attempts == 1 ? "run started" : "run resumed", metadata: ["attempt": "\(record.attempts)"])
            if let stopped = record.stoppedAttempts {
                if CrashGuard(limit: settings.stopLimit).quarantines(stopped) {
                    return .finished(try await quarantine(record, stopped: stopped, logger: logger))
                }
                logger.warning(
                    "the run's last attempt ended with the process gone; this one works carefully and alone",
                    metadata: ["stopped_attempts": "\(stopped)", "limit": "\(settings.stopLimit)"])
                try await store.appendEvent(
                    RunEvent(
                        runID: record.runID, kind: .stopped,
                        data: ["stopped_attempts": "\(stopped)", "decision": "careful: the next rows one at a time, no other run in this process"]))
            }
            let dataset = record.dataset
            guard let warehouse = warehouses[dataset.platform] else {
                throw RunError(
                    .unsupportedPlatform, "platform '\(dataset.platform)' is not supported; supported: \(platforms.sorted().joined(separator: ", "))")
            }
            let table = try dataset.tableReference()
            if record.scope.kind == .plan {
                if case .reject(let rejection) = try await decideAdoptingRequester(&record, dataset: dataset, logger),
                    awaitsItsRequester(record, rejection)
                {
                    record.details = "waiting for the plan tag's Kafka event to say who added it (the policy restricts who may ask)"
                    return .postponed(record)
                }
                return .finished(try await planAlone(record, dataset: dataset, warehouse: warehouse, logger: logger))
            }
            let verifyOnly = record.scope.kind == .verify  // reads only: no policy applies
            // The dataset, the requester and a rekey are checked before the warehouse is touched at all.
            if !verifyOnly, case .reject(let rejection) = try await decideAdoptingRequester(&record, dataset: dataset, logger) {
                if awaitsItsRequester(record, rejection) {
                    record.details = "waiting for the trigger's Kafka event to say who added the tag (the policy restricts who may trigger)"
                    logger.info("run postponed: its requester is not known yet")
                    return .postponed(record)
                }
                return .finished(try await reject(record, rejection, logger))
            }
            let description: TableDescription
            if record.columns.isEmpty {
                guard let planned = try await plan(&record, warehouse: warehouse, table: table, logger: logger) else {
                    return .finished(
                        try await finish(
                            record, .stale, details: "\(settings.tags.trigger.name) is no longer on the dataset in DataHub; nothing done", logger))
                }
                description = planned
            } else {
                description = try await warehouse.describe(table)
            }
            if verifyOnly { return .finished(try await verifyAlone(record, warehouse: warehouse, description: description, logger: logger)) }
            switch try await gate.decide(record, dataset: dataset) {  // now with the schemes
            case .allow:
                break
            case .reject(let rejection):
                return .finished(try await reject(record, rejection, logger))
            case .requireApproval(let rule) where record.approvedBy == nil:
                try await store.appendEvent(
                    RunEvent(runID: record.runID, kind: .policy, data: ["decision": "approval required", "approvers": rule.approvers.summary]))
                let details =
                    "waiting for an approver (\(rule.approvers.summary)), not the requester, to add \(settings.tags.approval.name) to the dataset"
                return .finished(try await finish(record, .awaitingApproval, details: details, logger, final: false))
            case .requireApproval:
                logger.info("approved", metadata: ["approved_by": "\(record.approvedBy ?? "-")"])
            }
            record.status = .running
            try await store.saveDuringAttempt(record)  // the plan is durable before any row changes
            return .finished(try await tokenize(record, warehouse: warehouse, description: description, stop: stop, logger: logger))
        } catch let error as WarehouseError where error.code == .notConfigured {
            return await settle(record, .skipped, details: error.message, logger)
        } catch  where error.isTransientFailure || error is CancellationError || Task.isCancelled {
            // Cancelled: the shutdown grace expired while the attempt waited (for DataHub, say). It resumes later.
            record.details = "waiting to resume: \(error)"
            logger.warning("run postponed", metadata: ["reason": "\(error)"])
            try? await store.appendEvent(
                RunEvent(runID: record.runID, kind: .postponed, data: ["reason": "\(error)", "attempt": "\(record.attempts)"]))
            return .postponed(record)
        } catch {
            record.errorCode = (error as? any CodedError).map { $0.code.rawValue }
            return await settle(record, .failed, details: "\(error)", logger)
        }
    }

    /// Resolves the columns and their schemes into `record` and records why; nil when the trigger is stale.
    private func plan(_ record: inout RunRecord, warehouse: any Warehouse, table: TableReference, logger: Logger) async throws -> TableDescription? {
        if record.scope.kind == .verify, record.scope.explicitColumns.isEmpty, let previous = try await previousPlan(record) {
            record.columns = previous.columns
            record.schemes = previous.schemes
            record.normalizations = previous.normalizations
            try await store.appendEvent(
                RunEvent(runID: record.runID, kind: .resolved, data: ["columns": planText(record), "why": "the columns of run \(previous.runID)"]))
            return try await warehouse.describe(table)
        }
        // The table is described while DataHub is read (a stale trigger drops the description unused).
        async let described = warehouse.describe(table)
        let snapshot = try await catalog.datasetForRun(record.dataset)
        if record.tagTriggered {
            guard let live = ColumnResolver.live(record.scope, trigger: settings.tags.trigger, in: snapshot) else { return nil }
            record.scope = live
        }
        let description = try await described
        var discovered: [String: PIIKind] = [:]
        if settings.discoveryInRuns, record.scope.datasetLevel, !(snapshot?.fields ?? []).contains(where: resolver.isTaggedPII) {
            discovered = try await discover(description, warehouse: warehouse, snapshot: snapshot).discovered
        }
        let columns = try resolver.resolve(scope: record.scope, snapshot: snapshot, table: description, discovered: discovered)
        let plans = resolver.schemes(for: columns, snapshot: snapshot, defaultScheme: settings.defaultScheme)
        record.columns = plans.map(\.name)
        record.schemes = Dictionary(uniqueKeysWithValues: plans.map { ($0.name, $0.scheme) })
        let normalizations = resolver.normalizations(
            for: record.columns, snapshot: snapshot, defaultNormalization: gate.tableRule(for: record.dataset).normalization)
        record.normalizations = normalizations.isEmpty ? nil : normalizations
        let reasons = resolver.reasons(for: columns, scope: record.scope, snapshot: snapshot, discovered: discovered)
        let unmapped = ColumnResolver.unmappedFieldPaths(snapshot, table: description)
        if !unmapped.isEmpty {
            logger.warning("DataHub field paths that match no column", metadata: ["field_paths": "\(unmapped.joined(separator: ", "))"])
            try await store.appendEvent(
                RunEvent(runID: record.runID, kind: .resolved, data: ["unmapped_field_paths": unmapped.joined(separator: ", ")]))
            // Saved with the plan before any row changes, so a resumed attempt still reports it in the final details.
            record.details = Self.unmappedNote(unmapped)
        }
        try await store.appendEvent(
            RunEvent(
                runID: record.runID, kind: .resolved,
                data: ["columns": planText(record), "why": columns.map { "\($0): \(reasons[$0] ?? "chosen")" }.joined(separator: "; ")]))
        return description
    }

    /// The latest run of the dataset that tokenized columns: a verify-only run checks those.
    private func previousPlan(_ record: RunRecord) async throws -> RunRecord? {
        try await store.latestRecord(dataset: record.dataset) {
            $0.runID != record.runID && !$0.columns.isEmpty && $0.scope.kind != .verify && [.success, .incomplete].contains($0.status)
        }
    }

    static let unmappedPrefix = "DataHub field paths that match no column of the table: "

    /// The sentence a run's details carry when DataHub names fields the table does not have.
    static func unmappedNote(_ paths: [String]) -> String { unmappedPrefix + paths.joined(separator: ", ") }

    func planText(_ record: RunRecord) -> String {
        record.plans.map { "\($0.name) (\($0.scheme.rawValue))" }.joined(separator: ", ")
    }
}
