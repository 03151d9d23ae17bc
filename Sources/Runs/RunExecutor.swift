import DataHubClient
import Foundation
import Logging
import Metrics
import Tokenization
import WarehouseKit

/// Carries out one run: reads the dataset from DataHub, resolves columns against the warehouse catalog,
/// tokenizes in place, and writes the outcome back to DataHub. Never throws: every failure becomes a
/// FAILED record whose details say what went wrong.
public struct RunExecutor: Sendable {
    /// Warehouses by DataHub platform name (`postgres`, `databricks`).
    private let warehouses: [String: any Warehouse]
    private let datahub: DataHubOperations
    private let policy: WriteBackPolicy
    private let defaultScheme: TokenSchemeName
    private let resolver = ColumnResolver()
    private let logger: Logger

    /// - Parameter defaultScheme: the scheme of columns without a `tokenize/scheme:<name>` tag (`TOKEN_SCHEME`).
    public init(
        warehouses: [String: any Warehouse], datahub: DataHubOperations, policy: WriteBackPolicy, defaultScheme: TokenSchemeName,
        logger: Logger
    ) {
        self.warehouses = warehouses
        self.datahub = datahub
        self.policy = policy
        self.defaultScheme = defaultScheme
        self.logger = logger
    }

    /// Runs `scope` on `dataset` and returns the finished record.
    public func execute(runID: String, dataset: DatasetURN, scope: RunScope) async -> RunRecord {
        let started = Date()
        var logger = self.logger
        logger[metadataKey: "run_id"] = "\(runID)"
        logger[metadataKey: "dataset"] = "\(dataset)"
        logger.info("run started")
        var plans: [ColumnPlan] = []
        let mode: TokenizationMode = scope.rekey ? .rekey : .tokenize
        var snapshot: DatasetSnapshot?
        func makeRecord(_ status: RunStatus, rowsUpdated: Int = 0, details: String) -> RunRecord {
            RunRecord(
                runID: runID, dataset: dataset.description, columns: plans.map(\.name),
                schemes: Dictionary(uniqueKeysWithValues: plans.map { ($0.name, $0.scheme) }), mode: mode, rowsUpdated: rowsUpdated,
                status: status, details: details, startedAt: started, finishedAt: Date())
        }
        var record: RunRecord
        do {
            guard let warehouse = warehouses[dataset.platform] else {
                throw RunError(
                    .unsupportedPlatform,
                    "platform '\(dataset.platform)' is not supported; supported: \(warehouses.keys.sorted().joined(separator: ", "))")
            }
            let table = try dataset.tableReference()
            snapshot = try await datahub.dataset(dataset.description)
            let description = try await warehouse.describe(table)
            let columns = try resolver.resolve(scope: scope, snapshot: snapshot, table: description)
            plans = resolver.schemes(for: columns, snapshot: snapshot, defaultScheme: defaultScheme)
            logger.info("tokenizing", metadata: ["columns": "\(plans.map(\.description).joined(separator: ", "))", "mode": "\(mode.rawValue)"])
            let outcome = try await warehouse.tokenize(description, columns: plans, mode: mode)
            let verb = mode == .rekey ? "rekeyed" : "tokenized"
            let place = outcome.pushedDown ? "in the database" : "in the service"
            record = makeRecord(
                .success, rowsUpdated: outcome.rowsUpdated, details: "\(verb) \(plans.count) column(s) \(place) in \(outcome.batches) batch(es)")
        } catch let error as WarehouseError where error.code == .notConfigured {
            record = makeRecord(.skipped, details: error.message)
        } catch {
            record = makeRecord(.failed, details: "\(error)")
        }
        logger.info(
            "run finished",
            metadata: ["status": "\(record.status.rawValue)", "rows_updated": "\(record.rowsUpdated)", "details": "\(record.details)"])
        Counter(label: "tokenize_runs_total", dimensions: [("status", record.status.rawValue)]).increment()
        Counter(label: "tokenize_rows_updated_total").increment(by: record.rowsUpdated)
        do {
            try await publish(record, scope: scope, snapshot: snapshot)
        } catch {
            logger.error("DataHub write-back failed", metadata: ["error": "\(error)"])
            record.details += "; DataHub write-back failed: \(error)"
        }
        return record
    }

    /// Writes tags, the documentation section and the run property.
    private func publish(_ record: RunRecord, scope: RunScope, snapshot: DatasetSnapshot?) async throws(DataHubError) {
        guard let snapshot else {
            logger.warning("dataset is not in DataHub; nothing written back", metadata: ["dataset": "\(record.dataset)"])
            return
        }
        try await datahub.ensureTags(policy.managedTags, description: "Managed by tokenize-action")
        var targets: [DataHubOperations.TagTarget] = scope.triggerFields.sorted().map {
            .init(datasetURN: record.dataset, fieldPath: $0)
        }
        if scope.datasetLevel || !scope.explicitColumns.isEmpty || targets.isEmpty {
            targets.append(.init(datasetURN: record.dataset, fieldPath: nil))
        }
        let changes = policy.tagChanges(for: record.status)
        // Add first, then remove: the trigger is removed last so a crash in between never loses the request.
        try await datahub.addTags(changes.add, to: targets)
        try await datahub.removeTags(changes.remove, from: targets)

        let base = snapshot.editableDescription ?? snapshot.ingestedDescription
        let description = policy.mergeDocumentation(existing: base, section: policy.documentationSection(for: record))
        if description != snapshot.editableDescription {
            try await datahub.setEditableDescription(datasetURN: record.dataset, description: description, name: snapshot.editableName)
        }
        try await datahub.ensureStructuredProperty(
            id: WriteBackPolicy.runPropertyID, displayName: "Last tokenization run",
            description: "The record of the latest tokenize-action run on this dataset (JSON).")
        try await datahub.setStructuredProperty(
            datasetURN: record.dataset, propertyID: WriteBackPolicy.runPropertyID, value: record.jsonString())
    }
}
