import ServiceConfiguration
import Foundation
import Kafka
import Logging
import MCL
import RunLedger
import Runs

/// What the one-off commands (`run`, `dlq`) do, through the same ledger, worker and recorder as the service.
public enum Commands {
    /// Runs `body` with the components, their PostgreSQL pools running, after preparing the state database.
    static func withComponents<T: Sendable>(
        _ configuration: AppConfiguration, logger: Logger, _ body: @Sendable (Components) async throws -> T
    ) async throws -> T {
        try await StateDatabase.prepare(settings: configuration.postgres, database: configuration.runs.stateDatabase, logger: logger)
        let components = try Components(configuration: configuration, logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await components.databases.run()
                return nil
            }
            defer { group.cancelAll() }
            // The store's client exists already; its first query waits for the pool to run.
            _ = await components.databases.startedClient(database: configuration.runs.stateDatabase)
            return try await body(components)
        }
    }

    /// Records a request for one dataset (source `cli`) and works on it until it is final (unless a running
    /// service does it first, which the command then waits for). Returns the final record.
    public static func runOnce(configuration: AppConfiguration, request: RunRequest, logger: Logger) async throws -> RunRecord {
        try await withComponents(configuration, logger: logger) { components in
            let outcome = try await components.intake.submit(request)
            while true {
                await components.worker.workNow(on: request.dataset.description)
                if let record = try await components.store.record(outcome.run.runID), record.isSettled, record.writeBack.state != .pending {
                    return record
                }
                try await Task.sleep(for: .seconds(1))
            }
        }
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
            let classifier = MCLClassifier(cache: registry.cache, detector: TriggerDetector(triggerTag: configuration.runs.triggerTag, approvalTag: configuration.runs.approvalTag, planTag: configuration.runs.planTag))
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
