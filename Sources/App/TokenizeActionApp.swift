import Erasures
import HTTPAPI
import Hummingbird
import Kafka
import Logging
import MCL
import Metrics
import PostgresSupport
import Prometheus
import RunLedger
import Runs
import ServiceConfiguration
import ServiceLifecycle

/// Builds the service from configuration and runs it.
public enum TokenizeActionApp {
    /// The service: HTTP API, Kafka consumer, run worker, reconciliation and PostgreSQL pools, as services of one
    /// Hummingbird application. Shutdown runs in reverse order: HTTP stops, the consumer drains and commits, the
    /// reconciler stops, the worker lets runs finish within the grace period, the pools close.
    /// The startup probes run beside the application, in the group `serve` makes: a refusal they find shuts the group
    /// down gracefully and is `serve`'s error.
    static func buildApplication(
        configuration: AppConfiguration, logger: Logger, metrics: PrometheusCollectorRegistry? = nil
    ) async throws -> (application: some ApplicationProtocol, probes: StartupProbes) {
        guard let kafka = configuration.kafka else {
            throw ConfigurationError(.missing, variable: "KAFKA_BOOTSTRAP_SERVERS", "is required to serve")
        }
        do {
            try await StateDatabase.prepare(
                settings: configuration.postgres, database: configuration.runs.stateDatabase, waitAtMost: configuration.startupWait, logger: logger)
        } catch {
            throw StartupFailure(.postgres, "PostgreSQL: \(PostgresFailure(error).message)")
        }
        let components = try Components(configuration: configuration, logger: logger)
        let registry = SchemaRegistryClient(settings: configuration.schemaRegistry, httpClient: .shared, logger: logger)
        let classifier = MCLClassifier(cache: registry.cache, detector: TriggerDetector(tags: configuration.runs.tags))
        let recorder = TriggerRecorder(intake: components.intake, deadLetters: components.deadLetters, logger: logger)
        let consumer = try KafkaConsumerService(
            configuration: kafka, router: MCLRouter(classifier: classifier, registry: registry, recorder: recorder, logger: logger), logger: logger)
        let reconciler = configuration.runs.reconcileInterval.map {
            Reconciler(
                catalog: components.catalog, store: components.store, intake: components.intake, trigger: configuration.runs.tags.trigger,
                planTag: configuration.runs.tags.plan, interval: $0, logger: logger)
        }
        let verifier = configuration.runs.verifyInterval.map {
            PeriodicVerifier(store: components.store, intake: components.intake, interval: $0, logger: logger)
        }
        let probes = StartupProbes(
            [
                .init(name: "Kafka", code: .kafka) { await consumer.probe() },
                .init(name: "Schema registry", code: .schemaRegistry) { await registry.probe() },
                .init(name: "DataHub", code: .datahub) { await components.catalog.probe(tag: configuration.runs.tags.trigger) },
            ], wait: configuration.startupWait, logger: logger)
        let warehouses = components.warehouses
        let readiness = ReadinessChecks(checks: [
            ("kafka", { await consumer.brokerReachable() }),
            ("schema_registry", { await registry.ping() }),
            ("postgres", { await warehouses["postgres"]?.ping() ?? false }),
            ("state", { await components.stateReachable() }),
            ("datahub", { await components.catalog.ping() }),
        ])
        let router = HTTPAPI.router(
            HTTPAPIDependencies(
                intake: components.intake, store: components.store, readiness: readiness, supportedPlatforms: components.executor.platforms,
                metrics: metrics,
                authentication: configuration.http.authentication,
                erasures: components.erasureIntake.map { ErasureAPI(intake: $0, store: components.erasureStore) }))
        // The worker, reconciliation and verification start once nothing refused the service; the consumer at once
        // (it records triggers, and its polling serves the client errors the Kafka probe reads).
        var ledgerServices: [any Service] = [components.worker]
        if let erasureWorker = components.erasureWorker { ledgerServices.append(erasureWorker) }
        if let reconciler { ledgerServices.append(reconciler) }
        if let verifier { ledgerServices.append(verifier) }
        let state = configuration.runs.stateDatabase
        let application = Application(
            router: router, configuration: .init(address: .hostname(configuration.http.host, port: configuration.http.port)),
            services: [components.databases]
                + ledgerServices.map { AfterStartup(databases: components.databases, database: state, probes: probes, service: $0) as any Service }
                + [AfterStartup(databases: components.databases, database: state, probes: nil, service: consumer)],
            logger: logger)
        return (application, probes)
    }

    /// Runs the service until SIGTERM/SIGINT. Graceful shutdown is bounded: the worker asks runs to stop at a batch
    /// boundary after `SHUTDOWN_GRACE_SECONDS`, and whatever is still running a few seconds later is cancelled.
    public static func serve(configuration: AppConfiguration, logger: Logger) async throws {
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(metricsFactory(metrics))
        logger.info("starting tokenize-action", metadata: ["config": "\(configuration.redactedSummary)"])
        switch configuration.http.authentication {
        case .disabled:
            logger.warning("HTTP_AUTH=off: anyone who reaches the port may start destructive runs; for local experiments only")
        case .unconfigured:
            logger.notice("API_TOKENS_FILE is not set: POST /trigger and GET /runs answer 403 until it is")
        case .tokens: break
        }
        if let databricks = configuration.databricks, databricks.secretScope == nil {
            let risk = "hmac runs on Databricks send the key's pads as statement parameters, which stay in the SQL warehouse's query history"
            logger.warning("DBX_SECRET_SCOPE is not set: \(risk); store them in a secret scope (tokenize-action keys export-databricks)")
        }
        if configuration.runs.policy == nil {
            logger.warning(
                "TOKENIZE_POLICY_FILE is not set: anyone who may tag a dataset in DataHub may tokenize any table the database user can write")
        }
        let (app, probes) = try await buildApplication(configuration: configuration, logger: logger, metrics: metrics)
        var groupConfiguration = ServiceGroupConfiguration(
            services: [.init(service: probes, failureTerminationBehavior: .gracefullyShutdownGroup), .init(service: app)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = configuration.runs.worker.shutdownGrace + .seconds(10)
        groupConfiguration.maximumCancellationDuration = .seconds(5)
        try await ServiceGroup(configuration: groupConfiguration).run()
    }

    /// Prometheus with histogram buckets that fit what they time: runs take seconds to hours, batches
    /// milliseconds to a minute, requests milliseconds to seconds.
    static func metricsFactory(_ registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["tokenize_run_duration_seconds"] = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21_600].map {
            .seconds($0)
        }
        factory.durationHistogramBuckets["tokenize_batch_duration_seconds"] =
            [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000].map { .milliseconds($0) }
        return factory
    }
}
