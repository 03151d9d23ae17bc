import AsyncHTTPClient
import DataHubClient
import DatabricksWarehouse
import Hummingbird
import Kafka
import Logging
import MCL
import Metrics
import PostgresWarehouse
import Prometheus
import Runs
import ServiceLifecycle
import WarehouseKit

/// Builds the service from configuration and runs it.
public enum TokenizeActionApp {
    /// The parts shared by `serve` and a one-off `run`.
    struct Components {
        let httpClient: HTTPClient
        let databases: PostgresDatabases
        let postgres: PostgresWarehouse
        let warehouses: [String: any Warehouse]
        let datahub: DataHubOperations
        let runs: RunManager

        init(configuration: AppConfiguration, logger: Logger) {
            httpClient = HTTPClient(eventLoopGroupProvider: .singleton)
            let postgresSettings = PostgresSettings(
                host: configuration.postgresHost, port: configuration.postgresPort, username: configuration.postgresUser,
                password: configuration.postgresPassword)
            databases = PostgresDatabases(settings: postgresSettings, logger: logger)
            postgres = PostgresWarehouse(
                databases: databases, settings: postgresSettings, tokenizer: configuration.tokens.tokenizer,
                batchSize: configuration.postgresBatchSize, logger: logger)
            let databricks: any Warehouse
            if let settings = configuration.databricks {
                databricks = DatabricksWarehouse(
                    client: DatabricksStatementClient(settings: settings, httpClient: httpClient, logger: logger),
                    tokenizer: configuration.tokens.tokenizer)
            } else {
                databricks = NotConfiguredWarehouse(message: "Databricks connection not configured")
            }
            warehouses = ["postgres": postgres, "databricks": databricks]
            datahub = DataHubOperations(
                client: DataHubGraphQLClient(
                    settings: DataHubSettings(gmsURL: configuration.datahubGMSURL, token: configuration.datahubToken),
                    httpClient: httpClient, logger: logger))
            let executor = RunExecutor(
                warehouses: warehouses, datahub: datahub, policy: WriteBackPolicy(triggerTag: configuration.triggerTag),
                defaultScheme: configuration.tokens.defaultScheme, logger: logger)
            runs = RunManager(executor: executor)
        }
    }

    /// Runs the service until SIGTERM/SIGINT: Kafka consumer, HTTP API and Postgres pools in one ServiceGroup.
    public static func serve(configuration: AppConfiguration, logger: Logger) async throws {
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
        logger.info("starting tokenize-action", metadata: ["config": "\(configuration.redactedSummary)"])

        let components = Components(configuration: configuration, logger: logger)
        let registry = SchemaRegistryClient(baseURL: configuration.schemaRegistryURL, httpClient: components.httpClient, logger: logger)
        let handler = MCLEventHandler(
            decoder: MCLDecoder(registry: registry), detector: TriggerDetector(triggerTag: configuration.triggerTag),
            runs: components.runs, logger: logger)
        let consumer = try KafkaConsumerService(
            configuration: KafkaConsumerConfiguration(
                bootstrapServers: configuration.kafkaBootstrapServers ?? "", groupID: configuration.kafkaGroupID,
                topics: [configuration.kafkaTopic], extraSettings: configuration.kafkaExtraConfig),
            logger: logger
        ) { message in
            await handler.handle(message)
        }
        let postgres = components.postgres
        let datahub = components.datahub
        let readiness = ReadinessChecks(checks: [
            ("kafka", { await consumer.brokerReachable() }),
            ("schema_registry", { await registry.ping() }),
            ("postgres", { await postgres.ping() }),
            ("datahub", { await datahub.ping() }),
        ])
        let router = HTTPAPI.router(
            runs: components.runs, readiness: readiness, supportedPlatforms: Set(components.warehouses.keys), metrics: metrics)
        let http = Application(
            router: router, configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort)),
            logger: logger)

        // Shutdown runs in reverse order: HTTP stops first, then the consumer drains its runs, then Postgres.
        let group = ServiceGroup(
            configuration: .init(
                services: [components.databases, consumer, http],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        do {
            try await group.run()
        } catch {
            try? await components.httpClient.shutdown()
            throw error
        }
        try await components.httpClient.shutdown()
    }

    /// One run for a dataset without Kafka, through the same RunManager and executor as a triggered run.
    public static func runOnce(
        configuration: AppConfiguration, dataset: DatasetURN, columns: [String]?, rekey: Bool = false, logger: Logger
    ) async throws -> RunRecord {
        let components = Components(configuration: configuration, logger: logger)
        let record = await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await components.databases.run() }
            let record = await components.runs.submit(dataset: dataset, scope: .request(columns: columns, rekey: rekey))
            group.cancelAll()
            return record
        }
        try await components.httpClient.shutdown()
        return record
    }
}
