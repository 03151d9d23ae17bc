import Catalog
import Foundation
import Kafka
import Logging
import MCL
import RunLedger
import Runs
import ServiceConfiguration

/// What the one-off commands (`run`, `dlq`) do, through the same ledger, worker and recorder as the service.
public enum Commands {
    /// Records a request for one dataset (source `cli`) and works on it until it is final (unless a running
    /// service does it first, which the command then waits for). Returns the final record.
    ///
    /// A new process pays once what a running service has open already; it opens it all at the same time, not
    /// one after the other: the dataset is read from DataHub, and DataHub's tags and run property are checked,
    /// while the state database is prepared; the dataset's database is connected to and its bookkeeping checked
    /// while the request is recorded; the state database's pool opens the two connections a run holds (the dataset
    /// lock's, the ledger's) together, while the migrations are checked.
    public static func runOnce(configuration: AppConfiguration, request: RunRequest, logger: Logger) async throws -> RunRecord {
        let beforeState: @Sendable (Components) async -> Void = { components in
            components.catalog.readAhead(request.dataset)
            await components.publisher.prepare()
        }
        return try await withComponents(configuration, stateConnections: 2, logger: logger, beforeState: beforeState) { components in
            // Not awaited: done long before the run ends, and cancelled with the command if not.
            async let _: Void = warmUp(components, for: request.dataset)
            let outcome = try await components.intake.submit(request)
            // The final record is awaited as `POST /trigger?wait=true` awaits it (woken by each save of the run); the
            // dataset is worked on meanwhile, again at the worker's poll interval while its run waits for a retry or
            // another process holds it.
            return try await withThrowingTaskGroup(of: RunRecord?.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        await components.worker.workNow(on: request.dataset)
                        try await Task.sleep(for: configuration.runs.worker.pollInterval)
                    }
                    return nil
                }
                group.addTask {
                    guard let record = try await components.intake.final(outcome.run.runID) else {
                        throw RunError(.invalidRequest, "run \(outcome.run.runID) is no longer in the ledger")
                    }
                    return record
                }
                defer { group.cancelAll() }
                while let next = try await group.next() {
                    if let record = next { return record }
                }
                throw CancellationError()
            }
        }
    }

    /// Opens the dataset's warehouse ahead of its run (best effort: the run meets any failure itself).
    private static func warmUp(_ components: Components, for dataset: DatasetURN) async {
        guard let warehouse = components.warehouses[dataset.platform], let table = try? dataset.tableReference() else { return }
        await warehouse.warmUp(for: table)
    }

    /// A run's audit trail, or (no run id) every event recorded since `since`, in order.
    public static func auditEvents(configuration: AppConfiguration, runID: String?, since: Date, logger: Logger) async throws -> [StoredRunEvent] {
        try await withComponents(configuration, logger: logger) { components in
            if let runID { return try await components.store.events(runID: runID) }
            return try await components.store.events(since: since, limit: 10_000_000)
        }
    }

    /// The dead-letter table, newest first.
    public static func deadLetters(configuration: AppConfiguration, limit: Int, includeReplayed: Bool, logger: Logger) async throws -> [DeadLetter] {
        try await withComponents(configuration, logger: logger) { try await $0.deadLetters.list(limit: limit, includeReplayed: includeReplayed) }
    }

    public static func deadLetter(configuration: AppConfiguration, id: Int64, logger: Logger) async throws -> DeadLetter? {
        try await withComponents(configuration, logger: logger) { try await $0.deadLetters.get(id: id) }
    }

    /// Decodes a dead letter again (after a registry or code fix) and records the request it holds, if any.
    /// Returns the outcome, as also stored with the dead letter.
    public static func replay(configuration: AppConfiguration, id: Int64, logger: Logger) async throws -> String {
        try await withComponents(configuration, logger: logger) { components in
            guard let letter = try await components.deadLetters.get(id: id) else { return "no dead letter with id \(id)" }
            let registry = SchemaRegistryClient(settings: configuration.schemaRegistry, httpClient: .shared, logger: logger)
            let classifier = MCLClassifier(cache: registry.cache, detector: TriggerDetector(tags: configuration.runs.tags))
            let recorder = TriggerRecorder(intake: components.intake, deadLetters: components.deadLetters, logger: logger)
            let message = KafkaMessage(topic: letter.topic, partition: letter.partition, offset: letter.offset, key: letter.key, value: letter.value)
            let outcome: String
            switch try await classifier.classify(letter.value ?? [], registry: registry) {
            case .irrelevant, .needsSchema:
                outcome = "not a trigger: nothing to do"
            case .poison(let error):
                outcome = "still undecodable: \(error.detailedDescription)"
            case .trigger(let trigger):
                if let recorded = try await recorder.record(trigger, message) {
                    outcome = "recorded: run \(recorded.run.runID) (\(recorded.kind.rawValue))"
                } else {
                    outcome = "still unusable: the dataset URN does not parse"
                }
            }
            try await components.deadLetters.markReplayed(id: id, outcome: outcome)
            return outcome
        }
    }
}
