import AccessControl
import AsyncHTTPClient
import Catalog
import DataHubClient
import DatabricksWarehouse
import Erasures
import Foundation
import Logging
import PostgresSupport
import PostgresWarehouse
import RunLedger
import Runs
import ServiceConfiguration
import WarehouseKit

/// The parts `serve` and the one-off commands share, built from configuration (after it is known to be good).
struct Components: Sendable {
    let configuration: AppConfiguration
    /// Pools for the state database and every dataset database, on `POSTGRES_HOST`.
    let databases: PostgresDatabases
    let store: PostgresRunStore
    let locks: PostgresDatasetLocks
    let deadLetters: DeadLetterStore
    let catalog: DataHubOperations
    let warehouses: [String: any Warehouse]
    let executor: RunExecutor
    let worker: RunWorker
    let intake: RunIntake
    /// Writes finished runs to DataHub (through `worker`).
    let publisher: WriteBackPublisher
    /// Erasure requests: the ledger, the intake (nil without a key ring to seal identifiers) and the worker.
    let erasureStore: PostgresErasureStore
    let erasureIntake: ErasureIntake?
    let erasureWorker: ErasureWorker?

    /// This process, as the ledger names the owner of a run.
    static let instanceID: String = {
        let host = ProcessInfo.processInfo.hostName
        return "\(host)/\(ProcessInfo.processInfo.processIdentifier)/\(UInt16.random(in: 0...UInt16.max))"
    }()

    /// `stateConnections`: connections the state database's pool opens as it starts (see `PostgresDatabases`).
    init(configuration: AppConfiguration, stateConnections: Int = 1, logger: Logger) throws {
        self.configuration = configuration
        var postgres = configuration.postgres
        // Each run in flight may hold a connection per service-side batch in flight to its database, plus room for
        // verification, catalog reads and checks.
        postgres.maximumConnectionsPerDatabase = max(
            postgres.maximumConnectionsPerDatabase, PostgresWarehouse.connectionsPerRun * configuration.runs.worker.capacity + 4)
        postgres.applicationName = "tokenize-action \(Self.instanceID)"
        databases = try PostgresDatabases(
            settings: postgres, knownDatabase: configuration.runs.stateDatabase, knownDatabaseConnections: stateConnections, logger: logger)
        let state = databases.client(database: configuration.runs.stateDatabase)
        store = PostgresRunStore(client: state, owner: Self.instanceID, logger: logger)
        locks = PostgresDatasetLocks(client: state, logger: logger)
        deadLetters = DeadLetterStore(client: state, logger: logger)
        catalog = DataHubOperations(client: DataHubGraphQLClient(settings: configuration.datahub, httpClient: .shared, logger: logger))
        let tokenizer = configuration.tokens.tokenizer
        let databricks: any Warehouse
        if let settings = configuration.databricks {
            databricks = DatabricksWarehouse(
                client: DatabricksStatementClient(settings: settings, httpClient: .shared, logger: logger), tokenizer: tokenizer,
                secretScope: settings.secretScope, purgeHistory: settings.purgeHistory, vacuumRetainHours: settings.vacuumRetainHours)
        } else {
            databricks = NotConfiguredWarehouse(message: "Databricks connection not configured")
        }
        warehouses = [
            "postgres": PostgresWarehouse(
                databases: databases, tokenizer: tokenizer, batchSize: configuration.postgresBatchSize,
                vacuumAfter: configuration.postgresVacuumAfter,
                logger: logger),
            "databricks": databricks,
        ]
        let runs = configuration.runs
        let changes = RunChanges()
        let gate = PolicyGate(policy: runs.policy, catalog: catalog)
        publisher = WriteBackPublisher(catalog: catalog, policy: WriteBackPolicy(tags: runs.tags), logger: logger)
        executor = RunExecutor(
            warehouses: warehouses, catalog: catalog, store: store, gate: gate, publisher: publisher, settings: runs.executor, tokenizer: tokenizer,
            logger: logger)
        worker = RunWorker(
            store: store, locks: locks, executor: executor, publisher: publisher, settings: runs.worker, changes: changes, logger: logger)
        intake = RunIntake(store: store, gate: gate, changes: changes, logger: logger) { [worker] in worker.nudge() }
        erasureStore = PostgresErasureStore(client: state, logger: logger)
        if tokenizer.keyring != nil {
            let erasure = configuration.erasure
            let runStore = store
            let resolver = DestinationResolver(
                catalog: catalog, policy: runs.policy?.erasure ?? ErasurePolicy(), lineageDepth: erasure.lineageDepth,
                tokenized: { dataset in await Self.tokenizedColumns(runStore, dataset) })
            let executor = ErasureExecutor(
                store: erasureStore, resolver: resolver, warehouses: warehouses, tokenizer: tokenizer, signingKey: erasure.signingKey,
                backupRetentionDays: erasure.backupRetentionDays, logger: logger)
            let erasureWorker = ErasureWorker(store: erasureStore, executor: executor, settings: erasure.worker, logger: logger)
            self.erasureWorker = erasureWorker
            erasureIntake = ErasureIntake(
                store: erasureStore, tokenizer: tokenizer, policy: runs.policy?.erasure ?? ErasurePolicy(), term: erasure.term, logger: logger
            ) { erasureWorker.nudge() }
        } else {
            erasureWorker = nil
            erasureIntake = nil
        }
    }

    /// Whether the state database answers.
    func stateReachable() async -> Bool {
        do {
            let quiet = Logger(label: "state-check", factory: { _ in SwiftLogNoOpLogHandler() })
            try await databases.startedClient(database: configuration.runs.stateDatabase).guardedRows("SELECT 1", logger: quiet)
            return true
        } catch {
            return false
        }
    }

    /// The schemes of a dataset's columns as its last successful tokenize run left them.
    static func tokenizedColumns(_ store: PostgresRunStore, _ dataset: DatasetURN) async -> [String: String] {
        guard let runs = try? await store.records(dataset: dataset, status: .success, limit: 20) else { return [:] }
        guard let last = runs.first(where: { $0.scope.kind == .tokenize }) else { return [:] }
        return Dictionary(last.plans.map { ($0.name, $0.scheme.rawValue) }, uniquingKeysWith: { first, _ in first })
    }
}
