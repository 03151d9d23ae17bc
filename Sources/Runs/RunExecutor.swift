import AccessControl
import DataHubClient
import Foundation
import Logging
import Metrics
import Resilience
import Tokenization
import WarehouseKit

/// What one attempt of a run came to.
public enum RunAttempt: Sendable, Equatable {
    /// The run reached a final status (its write-back, if any, is now pending).
    case finished(RunRecord)
    /// Something it needs is unavailable, or it was asked to stop: it stays open and is tried again.
    case postponed(RunRecord)
}

/// Carries out one attempt of a run: reads the dataset from DataHub, checks the trigger is still there,
/// resolves the column plan, asks the policy (`RunGate`), saves the plan, and tokenizes in place, resuming after
/// the last committed batch. Never throws: every outcome is a settled record (SUCCESS, FAILED, SKIPPED, STALE,
/// REJECTED, AWAITING_APPROVAL) or a postponement.
public struct RunExecutor: Sendable {
    /// Warehouses by DataHub platform name (`postgres`, `databricks`).
    private let warehouses: [String: any Warehouse]
    private let catalog: any DataHubCatalog
    private let store: any RunStore
    private let defaultScheme: TokenSchemeName
    private let triggerTag: TagURN
    private let gate: any RunGate
    private let approvalTag: TagURN
    private let requesterGrace: Duration
    private let resolver = ColumnResolver()
    private let logger: Logger

    /// - Parameter defaultScheme: the scheme of columns without a `tokenize/scheme:<name>` tag (`TOKEN_SCHEME`).
    public init(
        warehouses: [String: any Warehouse], catalog: any DataHubCatalog, store: any RunStore, defaultScheme: TokenSchemeName, triggerTag: TagURN,
        gate: any RunGate = OpenGate(), approvalTag: TagURN = TagURN("tokenize/approve"), requesterGrace: Duration = .seconds(120),
        logger: Logger
    ) {
        self.requesterGrace = requesterGrace
        self.gate = gate
        self.approvalTag = approvalTag
        self.warehouses = warehouses
        self.catalog = catalog
        self.store = store
        self.defaultScheme = defaultScheme
        self.triggerTag = triggerTag
        self.logger = logger
    }

    /// The platforms runs can target.
    public var platforms: Set<String> { Set(warehouses.keys) }

    public func attempt(_ run: RunRecord, stop: StopSignal) async -> RunAttempt {
        var record = run
        var logger = self.logger
        logger[metadataKey: "run_id"] = "\(record.runID)"
        logger[metadataKey: "dataset"] = "\(record.dataset)"
        record.attempts += 1
        if record.startedAt == nil { record.startedAt = Date() }
        logger.info(record.attempts == 1 ? "run started" : "run resumed", metadata: ["attempt": "\(record.attempts)"])
        do {
            try await store.save(record, retryIn: nil)
            let dataset = try DatasetURN(record.dataset)
            guard let warehouse = warehouses[dataset.platform] else {
                throw RunError(
                    .unsupportedPlatform, "platform '\(dataset.platform)' is not supported; supported: \(platforms.sorted().joined(separator: ", "))")
            }
            let table = try dataset.tableReference()
            // The dataset, the requester and a rekey are checked before the warehouse is touched at all.
            if case .reject(let rejection) = try await gate.decide(record, dataset: dataset) {
                if awaitsItsRequester(record, rejection) {
                    record.details = "waiting for the trigger's Kafka event to say who added the tag (the policy restricts who may trigger)"
                    logger.info("run postponed: its requester is not known yet")
                    return .postponed(record)
                }
                return .finished(reject(record, rejection, logger))
            }
            let description: TableDescription
            if record.columns.isEmpty {
                let snapshot = try await catalog.dataset(record.dataset)
                if record.tagTriggered {
                    guard let live = ColumnResolver.live(record.scope, trigger: triggerTag, in: snapshot) else {
                        return .finished(finish(record, .stale, details: "\(triggerTag.name) is no longer on the dataset in DataHub; nothing done", logger))
                    }
                    record.scope = live
                }
                description = try await warehouse.describe(table)
                let columns = try resolver.resolve(scope: record.scope, snapshot: snapshot, table: description)
                let plans = resolver.schemes(for: columns, snapshot: snapshot, defaultScheme: defaultScheme)
                record.columns = plans.map(\.name)
                record.schemes = Dictionary(uniqueKeysWithValues: plans.map { ($0.name, $0.scheme) })
            } else {
                description = try await warehouse.describe(table)
            }
            switch try await gate.decide(record, dataset: dataset) {  // now with the schemes
            case .allow:
                break
            case .reject(let rejection):
                return .finished(reject(record, rejection, logger))
            case .requireApproval(let rule) where record.approvedBy == nil:
                let details = "waiting for an approver (\(rule.approvers.summary)), not the requester, to add \(approvalTag.name) to the dataset"
                return .finished(finish(record, .awaitingApproval, details: details, logger, final: false))
            case .requireApproval:
                logger.info("approved", metadata: ["approved_by": "\(record.approvedBy ?? "-")"])
            }
            record.status = .running
            try await store.save(record, retryIn: nil)  // the plan is durable before any row changes
            return try await tokenize(record, warehouse: warehouse, description: description, stop: stop, logger: logger)
        } catch let error as WarehouseError where error.code == .notConfigured {
            return .finished(finish(record, .skipped, details: error.message, logger))
        } catch where error.isTransientFailure {
            record.details = "waiting to resume: \(error)"
            logger.warning("run postponed", metadata: ["reason": "\(error)"])
            return .postponed(record)
        } catch {
            record.errorCode = (error as? any CodedError).map { $0.code.rawValue }
            return .finished(finish(record, .failed, details: "\(error)", logger))
        }
    }

    private func tokenize(
        _ run: RunRecord, warehouse: any Warehouse, description: TableDescription, stop: StopSignal, logger: Logger
    ) async throws -> RunAttempt {
        var record = run
        let mode = record.mode
        logger.info("tokenizing", metadata: ["columns": "\(record.plans.map(\.description).joined(separator: ", "))", "mode": "\(mode.rawValue)"])
        let sink = LedgerProgressSink(store: store, runID: record.runID, logger: logger)
        let outcome = try await warehouse.tokenize(
            TokenizationRequest(runID: record.runID, table: description, columns: record.plans, mode: mode, stop: stop), progress: sink)
        record.rowsUpdated = outcome.rowsUpdated
        record.batches = outcome.batches
        let verb = mode == .rekey ? "rekeyed" : "tokenized"
        let place = outcome.pushedDown ? "in the database" : "in the service"
        return .finished(finish(record, .success, details: "\(verb) \(record.columns.count) column(s) \(place) in \(outcome.batches) batch(es)", logger))
    }

    /// A run reconciliation found is recorded before Kafka delivers the event that says who added the tag
    /// (reconciliation may see the tag first). While it is young it waits: the Kafka request merges into it and
    /// lends it its actor. After `requesterGrace` it is rejected (the tag must be added again).
    private func awaitsItsRequester(_ run: RunRecord, _ rejection: PolicyRejection) -> Bool {
        rejection.reason == .principal && run.source == .reconcile && run.requestedBy == nil && run.columns.isEmpty
            && Date().timeIntervalSince(run.createdAt) < Double(requesterGrace.components.seconds)
    }

    private func reject(_ run: RunRecord, _ rejection: PolicyRejection, _ logger: Logger) -> RunRecord {
        Counter(label: "tokenize_policy_rejections_total", dimensions: [("reason", rejection.reason.rawValue)]).increment()
        return finish(run, .rejected, details: rejection.message, logger)
    }

    private func finish(_ run: RunRecord, _ status: RunStatus, details: String, _ logger: Logger, final: Bool = true) -> RunRecord {
        var record = run
        record.status = status
        record.details = details
        record.finishedAt = final ? Date() : nil
        record.writeBack.state = WriteBackPolicy(triggerTag: triggerTag, approvalTag: approvalTag).writesBack(status) ? .pending : .none
        logger.info("run finished", metadata: ["status": "\(status.rawValue)", "rows_updated": "\(record.rowsUpdated)", "details": "\(details)"])
        return record
    }
}

/// Mirrors a run's committed progress into the ledger (for `GET /runs`), logging it at most every few seconds.
/// The warehouse's own bookkeeping is authoritative; a failed mirror write is only logged.
struct LedgerProgressSink: ProgressSink {
    let store: any RunStore
    let runID: String
    let logger: Logger

    func progressed(_ progress: TokenizationProgress) async {
        do {
            try await store.saveProgress(runID: runID, progress)
        } catch {
            logger.debug("progress not mirrored to the ledger", metadata: ["error": "\(error)"])
        }
    }
}
