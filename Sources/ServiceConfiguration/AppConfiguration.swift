import AccessControl
import Catalog
import DataHubClient
import DatabricksWarehouse
import Kafka
import Logging
import MCL
import PostgresSupport
import PostgresWarehouse
import Runs
import Tokenization

/// The service's configuration: typed settings for each part, built once from the environment (see
/// `.env.example` and docs/configuration.md). Nothing reads the environment after this.
///
/// Secrets (`DATAHUB_TOKEN`, `POSTGRES_PASSWORD`, `DBX_TOKEN`, registry credentials) may instead be read from a
/// file named by `NAME_FILE`.
public struct AppConfiguration: Sendable {
    /// nil for commands that do not consume Kafka (`run`, `dlq`).
    public var kafka: KafkaConsumerConfiguration?
    public var schemaRegistry: SchemaRegistrySettings
    public var datahub: DataHubSettings
    public var postgres: PostgresSettings
    /// `POSTGRES_BATCH_SIZE`: rows per batch transaction (default 20 000).
    public var postgresBatchSize: Int
    /// `POSTGRES_VACUUM_AFTER`: `plain` (default), `full` or `off`.
    public var postgresVacuumAfter: VacuumMode
    /// nil when Databricks is not configured (runs on Databricks datasets are then SKIPPED).
    public var databricks: DatabricksSettings?
    public var tokens: TokenSettings
    public var http: HTTPSettings
    public var logging: LoggingSettings
    public var runs: RunSettings
    public var erasure: ErasureSettings
    /// `STARTUP_WAIT_SECONDS` (default 60): how long the service waits at startup for PostgreSQL to answer before it
    /// exits with one line (status 78), and for Kafka, the schema registry and DataHub to answer before it says which
    /// does not (and keeps waiting for it).
    public var startupWait: Duration

    /// What a command needs.
    public enum Purpose: Sendable {
        /// `serve`: Kafka is required.
        case serve
        /// One-off commands: Kafka is not used.
        case command
    }

    /// Loads and checks every setting.
    public static func load(_ env: Environment = Environment(), for purpose: Purpose) throws(ConfigurationError) -> AppConfiguration {
        let gms = env["DATAHUB_GMS_URL"] ?? "http://localhost:8080"
        let datahub = DataHubSettings(gmsURL: gms, token: try env.secret("DATAHUB_TOKEN"))
        let tokens = try TokenSettings.load(from: env)
        return AppConfiguration(
            kafka: purpose == .serve ? try loadKafka(env) : nil,
            schemaRegistry: try loadSchemaRegistry(env, gms: datahub.gmsURL),
            datahub: datahub,
            postgres: try loadPostgres(env),
            postgresBatchSize: try env.integer("POSTGRES_BATCH_SIZE", default: 20_000, range: 1...10_000_000),
            postgresVacuumAfter: try env.choice("POSTGRES_VACUUM_AFTER", default: VacuumMode.plain),
            databricks: try loadDatabricks(env),
            tokens: tokens,
            http: try HTTPSettings.load(env),
            logging: try loadLogging(env),
            runs: try loadRuns(env, defaultScheme: tokens.defaultScheme),
            erasure: try ErasureSettings.load(env),
            startupWait: .seconds(try env.integer("STARTUP_WAIT_SECONDS", default: 60, range: 1...3600)))
    }

    static func loadKafka(_ env: Environment) throws(ConfigurationError) -> KafkaConsumerConfiguration {
        let extra = try parseExtraConfig(env["KAFKA_EXTRA_CONFIG"])
        let reset = env["KAFKA_AUTO_OFFSET_RESET"] ?? "earliest"
        guard ["earliest", "latest"].contains(reset) else {
            throw ConfigurationError(.invalid, variable: "KAFKA_AUTO_OFFSET_RESET", "'\(reset)' is not earliest or latest")
        }
        let configuration = KafkaConsumerConfiguration(
            bootstrapServers: try env.required("KAFKA_BOOTSTRAP_SERVERS", example: "broker:29092"),
            groupID: env["KAFKA_GROUP_ID"] ?? "tokenize-action", topics: [env["KAFKA_MCL_TOPIC"] ?? "MetadataChangeLog_Versioned_v1"],
            autoOffsetReset: reset, security: try loadKafkaSecurity(env), extraSettings: extra,
            wakesStoppedFetchers: try env.flag("KAFKA_FETCH_WAKEUPS", default: true))
        do {
            try validateKafkaSettings(configuration.librdkafkaSettings)
        } catch {
            throw ConfigurationError(.invalid, variable: "KAFKA_EXTRA_CONFIG", error.message)
        }
        return configuration
    }

    static func loadKafkaSecurity(_ env: Environment) throws(ConfigurationError) -> KafkaSecurity {
        let security = KafkaSecurity(
            securityProtocol: try env.choice("KAFKA_SECURITY_PROTOCOL", default: KafkaSecurity.SecurityProtocol.plaintext),
            mechanism: try env.choice("KAFKA_SASL_MECHANISM", default: KafkaSecurity.Mechanism.plain), username: env["KAFKA_SASL_USERNAME"],
            password: try env.secret("KAFKA_SASL_PASSWORD"), caLocation: env["KAFKA_SSL_CA_LOCATION"])
        if security.securityProtocol.usesSASL, security.username == nil || security.password == nil {
            throw ConfigurationError(
                .missing, variable: security.username == nil ? "KAFKA_SASL_USERNAME" : "KAFKA_SASL_PASSWORD",
                "is required with KAFKA_SECURITY_PROTOCOL=\(security.securityProtocol.rawValue) (or KAFKA_SASL_PASSWORD_FILE)")
        }
        return security
    }

    /// Parses `key=value,key=value`.
    static func parseExtraConfig(_ text: String?) throws(ConfigurationError) -> [String: String] {
        guard let text else { return [:] }
        var result: [String: String] = [:]
        for pair in text.split(separator: ",") {
            let trimmed = pair.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            guard let equals = trimmed.firstIndex(of: "="), equals != trimmed.startIndex else {
                throw ConfigurationError(.invalid, variable: "KAFKA_EXTRA_CONFIG", "'\(trimmed)' is not key=value")
            }
            result[String(trimmed[..<equals])] = String(trimmed[trimmed.index(after: equals)...])
        }
        return result
    }

    static func loadSchemaRegistry(_ env: Environment, gms: String) throws(ConfigurationError) -> SchemaRegistrySettings {
        var credentials: SchemaRegistrySettings.Credentials?
        if let basic = try env.secret("SCHEMA_REGISTRY_BASIC_AUTH") {
            guard let colon = basic.firstIndex(of: ":") else {
                throw ConfigurationError(.invalid, variable: "SCHEMA_REGISTRY_BASIC_AUTH", "must be user:password")
            }
            credentials = .basic(user: String(basic[..<colon]), password: String(basic[basic.index(after: colon)...]))
        } else if let bearer = try env.secret("SCHEMA_REGISTRY_BEARER_TOKEN") {
            credentials = .bearer(bearer)
        }
        return SchemaRegistrySettings(url: env["SCHEMA_REGISTRY_URL"] ?? "\(gms)/schema-registry/api", credentials: credentials)
    }

    static func loadPostgres(_ env: Environment) throws(ConfigurationError) -> PostgresSettings {
        PostgresSettings(
            host: try env.required("POSTGRES_HOST", example: "localhost"), port: try env.integer("POSTGRES_PORT", default: 5432, range: 1...65535),
            username: try env.required("POSTGRES_USER", example: "postgres"), password: try env.secret("POSTGRES_PASSWORD"),
            sslMode: try env.choice("POSTGRES_SSLMODE", default: PostgresSSLMode.prefer), sslRootCertificate: env["POSTGRES_SSLROOTCERT"])
    }

    static func loadLogging(_ env: Environment) throws(ConfigurationError) -> LoggingSettings {
        var level = Logger.Level.info
        if let text = env["LOG_LEVEL"] {
            guard let parsed = Logger.Level(rawValue: text.lowercased()) else {
                throw ConfigurationError(
                    .invalid, variable: "LOG_LEVEL", "'\(text)' is not a level; use trace, debug, info, notice, warning, error or critical")
            }
            level = parsed
        }
        return LoggingSettings(level: level, format: try env.choice("LOG_FORMAT", default: LoggingSettings.Format.text))
    }

    /// The run settings: each starts from its type's default and takes the environment's value when set.
    static func loadRuns(_ env: Environment, defaultScheme: TokenSchemeName) throws(ConfigurationError) -> RunSettings {
        var settings = RunSettings()
        let defaults = settings
        settings.worker.capacity = try env.integer("MAX_CONCURRENT_RUNS", default: defaults.worker.capacity, range: 1...64)
        settings.worker.pollInterval = .seconds(
            try env.integer("LEDGER_POLL_SECONDS", default: Int(defaults.worker.pollInterval.components.seconds), range: 1...300))
        settings.worker.shutdownGrace = .seconds(
            try env.integer("SHUTDOWN_GRACE_SECONDS", default: Int(defaults.worker.shutdownGrace.components.seconds), range: 0...3600))
        if env["RECONCILE_INTERVAL"]?.lowercased() == "off" {
            settings.reconcileInterval = nil
        } else {
            settings.reconcileInterval = try env.duration(
                "RECONCILE_INTERVAL", default: defaults.reconcileInterval ?? .seconds(600), range: .seconds(1)...(.seconds(86_400)))
        }
        if (env["VERIFY_INTERVAL"] ?? "off").lowercased() != "off" {
            settings.verifyInterval = try env.duration("VERIFY_INTERVAL", default: .seconds(86_400), range: .seconds(1)...(.seconds(30 * 86_400)))
        }
        if let path = env["TOKENIZE_POLICY_FILE"] {
            do {
                settings.policy = try PolicyFile.load(path: path)
            } catch {
                throw ConfigurationError(.invalid, variable: "TOKENIZE_POLICY_FILE", error.message)
            }
        }
        settings.stateDatabase = env["STATE_DATABASE"] ?? defaults.stateDatabase
        var executor = defaults.executor
        executor.defaultScheme = defaultScheme
        if let trigger = env["TRIGGER_TAG"] { executor.tags.trigger = TagURN(trigger) }
        if let approval = env["APPROVAL_TAG"] { executor.tags.approval = TagURN(approval) }
        if let plan = env["PLAN_TAG"] { executor.tags.plan = TagURN(plan) }
        if let dismiss = env["DISMISS_TAG"] { executor.tags.dismiss = TagURN(dismiss) }
        guard executor.tags.approval != executor.tags.trigger else {
            throw ConfigurationError(.invalid, variable: "APPROVAL_TAG", "must differ from TRIGGER_TAG")
        }
        guard ![executor.tags.trigger, executor.tags.approval].contains(executor.tags.plan) else {
            throw ConfigurationError(.invalid, variable: "PLAN_TAG", "must differ from TRIGGER_TAG and APPROVAL_TAG")
        }
        guard ![executor.tags.trigger, executor.tags.approval, executor.tags.plan].contains(executor.tags.dismiss),
            !ColumnResolver.isPIITag(executor.tags.dismiss)
        else {
            throw ConfigurationError(.invalid, variable: "DISMISS_TAG", "must differ from the other tags and not be a pii tag (pii, pii:…)")
        }
        executor.verifySample = try env.integer("VERIFY_SAMPLE", default: executor.verifySample, range: 0...10_000_000)
        executor.verifyIncremental = try env.flag("VERIFY_INCREMENTAL", default: executor.verifyIncremental)
        executor.progressLogInterval = .seconds(
            try env.integer("PROGRESS_LOG_SECONDS", default: Int(executor.progressLogInterval.components.seconds), range: 1...3600))
        executor.progressDataHubInterval = .seconds(
            try env.integer("PROGRESS_DATAHUB_SECONDS", default: Int(executor.progressDataHubInterval.components.seconds), range: 1...86_400))
        executor.sampleRows = try env.integer("SAMPLE_ROWS", default: executor.sampleRows, range: 0...1_000_000)
        executor.sampleThreshold = try env.decimal("SAMPLE_THRESHOLD", default: executor.sampleThreshold, range: 0.5...1)
        executor.discoveryInRuns = try env.flag("DISCOVERY_IN_RUNS", default: executor.discoveryInRuns)
        executor.discoveryTagFields = try env.flag("DISCOVERY_TAG_FIELDS", default: executor.discoveryTagFields)
        executor.lineageDepth = try env.integer("LINEAGE_DEPTH", default: executor.lineageDepth, range: 0...10)
        executor.propagateDownstream = try env.flag("PROPAGATE_DOWNSTREAM", default: executor.propagateDownstream)
        if let terms = env["PII_GLOSSARY_TERMS"] {
            executor.piiGlossaryTerms = Set(terms.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        }
        executor.planCountRows = try env.integer("PLAN_COUNT_ROWS", default: executor.planCountRows, range: 0...Int(Int32.max))
        executor.rehearsalRows = try env.integer("REHEARSAL_ROWS", default: executor.rehearsalRows, range: 0...10_000_000)
        executor.stopLimit = try env.integer("RUN_STOP_LIMIT", default: executor.stopLimit, range: 1...100)
        settings.executor = executor
        return settings
    }

    /// Settings safe to log (secrets shown only as set or unset).
    public var redactedSummary: String {
        let warehouse = databricks.map { "\($0.baseURL) warehouse \($0.warehouseID) secret_scope \($0.secretScope ?? "none")" }
        return [
            "kafka=\(kafka?.bootstrapServers ?? "-")", "kafka_security=\(kafka.map { "\($0.security)" } ?? "-")",
            "topic=\(kafka?.topics.joined(separator: ",") ?? "-")", "group=\(kafka?.groupID ?? "-")",
            "gms=\(datahub.gmsURL)", "registry=\(schemaRegistry.url)", "registry_auth=\(schemaRegistry.credentials == nil ? "none" : "set")",
            "datahub_token=\(datahub.token == nil ? "unset" : "set")",
            "postgres=\(postgres.username)@\(postgres.host):\(postgres.port)", "postgres_sslmode=\(postgres.sslMode.rawValue)",
            "postgres_password=\(postgres.password == nil ? "unset" : "set")", "state_database=\(runs.stateDatabase)",
            "trigger=\(runs.tags.trigger.name)", "policy=\(runs.policy == nil ? "none" : "set")", "http=\(http.host):\(http.port)",
            "http_auth=\(http.authenticationSummary)", "token_scheme=\(tokens.defaultScheme.rawValue)",
            "databricks=\(warehouse ?? "not configured")",
            "token_keys=\(tokens.keyring.map { $0.keys.map(\.id).joined(separator: ",") } ?? "none")",
            "max_concurrent_runs=\(runs.worker.capacity)", "shutdown_grace=\(runs.worker.shutdownGrace)",
            "reconcile_interval=\(runs.reconcileInterval.map { "\($0)" } ?? "off")",
        ].joined(separator: " ")
    }
}
