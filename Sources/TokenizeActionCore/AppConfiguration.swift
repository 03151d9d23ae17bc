import DatabricksWarehouse
import Foundation
import Tokenization

/// A setting that is missing or malformed; the message names the variable and what to set.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public var variable: String
    public var message: String
    public var description: String { "configuration: \(variable): \(message)" }
}

/// The service's configuration, loaded from environment variables (see `.env.example`).
///
/// Secrets (`DATAHUB_TOKEN`, `POSTGRES_PASSWORD`) may instead be read from a file named by `NAME_FILE`.
public struct AppConfiguration: Sendable {
    /// `KAFKA_BOOTSTRAP_SERVERS` (required for `serve`).
    public var kafkaBootstrapServers: String?
    /// `KAFKA_GROUP_ID`, default `tokenize-action`.
    public var kafkaGroupID: String
    /// `KAFKA_MCL_TOPIC`, default `MetadataChangeLog_Versioned_v1`.
    public var kafkaTopic: String
    /// `KAFKA_EXTRA_CONFIG`: comma-separated librdkafka `key=value` pairs.
    public var kafkaExtraConfig: [String: String]
    /// `DATAHUB_GMS_URL`, default `http://localhost:8080`.
    public var datahubGMSURL: String
    /// `DATAHUB_TOKEN` (secret, optional).
    public var datahubToken: String?
    /// `SCHEMA_REGISTRY_URL`, default `{DATAHUB_GMS_URL}/schema-registry/api`.
    public var schemaRegistryURL: String
    /// `POSTGRES_HOST` (required), `POSTGRES_PORT` (5432), `POSTGRES_USER` (required), `POSTGRES_PASSWORD` (secret).
    public var postgresHost: String
    public var postgresPort: Int
    public var postgresUser: String
    public var postgresPassword: String?
    /// `POSTGRES_BATCH_SIZE`, rows per transaction, default 20000.
    public var postgresBatchSize: Int
    /// `TRIGGER_TAG`, default `tokenize/run`.
    public var triggerTag: String
    /// `HTTP_HOST` (0.0.0.0) and `HTTP_PORT` (8081).
    public var httpHost: String
    public var httpPort: Int
    /// `LOG_LEVEL`, default `info`.
    public var logLevel: String
    /// `TOKEN_SCHEME` and `TOKEN_KEYS_FILE`.
    public var tokens: TokenConfiguration
    /// `DBX_*`; nil when Databricks is not configured (runs on Databricks datasets are then SKIPPED).
    public var databricks: DatabricksSettings?

    /// Loads and checks every setting.
    /// - Parameter requireKafka: whether `KAFKA_BOOTSTRAP_SERVERS` must be set (`serve`), or not (`run`).
    public static func load(from environment: [String: String] = ProcessInfo.processInfo.environment, requireKafka: Bool) throws(ConfigurationError) -> AppConfiguration {
        let env = Environment(values: environment)
        let gms = env["DATAHUB_GMS_URL"] ?? "http://localhost:8080"
        let trimmedGMS = gms.hasSuffix("/") ? String(gms.dropLast()) : gms
        let bootstrap = env["KAFKA_BOOTSTRAP_SERVERS"]
        if requireKafka, bootstrap == nil {
            throw ConfigurationError(variable: "KAFKA_BOOTSTRAP_SERVERS", message: "is required, e.g. broker:29092")
        }
        guard let postgresHost = env["POSTGRES_HOST"] else {
            throw ConfigurationError(variable: "POSTGRES_HOST", message: "is required, e.g. localhost")
        }
        guard let postgresUser = env["POSTGRES_USER"] else {
            throw ConfigurationError(variable: "POSTGRES_USER", message: "is required, e.g. postgres")
        }
        return AppConfiguration(
            kafkaBootstrapServers: bootstrap,
            kafkaGroupID: env["KAFKA_GROUP_ID"] ?? "tokenize-action",
            kafkaTopic: env["KAFKA_MCL_TOPIC"] ?? "MetadataChangeLog_Versioned_v1",
            kafkaExtraConfig: try parseExtraConfig(env["KAFKA_EXTRA_CONFIG"]),
            datahubGMSURL: trimmedGMS,
            datahubToken: try env.secret("DATAHUB_TOKEN"),
            schemaRegistryURL: env["SCHEMA_REGISTRY_URL"] ?? "\(trimmedGMS)/schema-registry/api",
            postgresHost: postgresHost,
            postgresPort: try env.integer("POSTGRES_PORT", default: 5432, range: 1...65535),
            postgresUser: postgresUser,
            postgresPassword: try env.secret("POSTGRES_PASSWORD"),
            postgresBatchSize: try env.integer("POSTGRES_BATCH_SIZE", default: 20_000, range: 1...10_000_000),
            triggerTag: env["TRIGGER_TAG"] ?? "tokenize/run",
            httpHost: env["HTTP_HOST"] ?? "0.0.0.0",
            httpPort: try env.integer("HTTP_PORT", default: 8081, range: 0...65535),
            logLevel: env["LOG_LEVEL"] ?? "info",
            tokens: try TokenConfiguration.load(from: environment),
            databricks: try loadDatabricks(env))
    }

    /// `DBX_HOST`, `DBX_TOKEN` (or `DBX_TOKEN_FILE`), and `DBX_WAREHOUSE_ID` or `DBX_HTTP_PATH`; `DBX_JDBC_URL`
    /// is accepted for compatibility (host, httpPath and PWD are read from it). None set: nil.
    static func loadDatabricks(_ env: Environment) throws(ConfigurationError) -> DatabricksSettings? {
        let jdbc = try env["DBX_JDBC_URL"].map { url throws(ConfigurationError) in
            guard let parsed = DatabricksSettings.parseJDBC(url) else {
                throw ConfigurationError(variable: "DBX_JDBC_URL", message: "cannot read a host from it; expected jdbc:databricks://HOST:443/default;httpPath=/sql/1.0/warehouses/ID;...")
            }
            return parsed
        }
        let host = env["DBX_HOST"] ?? jdbc?.host
        let token = try env.secret("DBX_TOKEN") ?? jdbc?.token
        let httpPath = env["DBX_HTTP_PATH"] ?? jdbc?.httpPath
        let configured = [host, token, httpPath, env["DBX_WAREHOUSE_ID"]].contains { $0 != nil }
        guard configured else { return nil }
        guard let host else {
            throw ConfigurationError(variable: "DBX_HOST", message: "is required when Databricks is configured, e.g. dbc-1234.cloud.databricks.com")
        }
        guard let token else {
            throw ConfigurationError(variable: "DBX_TOKEN", message: "is required when Databricks is configured (a personal access token; or DBX_TOKEN_FILE)")
        }
        var warehouseID = env["DBX_WAREHOUSE_ID"]
        if warehouseID == nil, let httpPath {
            guard let id = DatabricksSettings.warehouseID(httpPath: httpPath) else {
                throw ConfigurationError(variable: "DBX_HTTP_PATH", message: "'\(httpPath)' is not /sql/1.0/warehouses/<id>")
            }
            warehouseID = id
        }
        guard let warehouseID else {
            throw ConfigurationError(variable: "DBX_WAREHOUSE_ID", message: "is required when Databricks is configured (or DBX_HTTP_PATH=/sql/1.0/warehouses/<id>)")
        }
        let timeout = try env.integer("DBX_STATEMENT_TIMEOUT_SECONDS", default: 600, range: 1...86_400)
        return DatabricksSettings(
            baseURL: DatabricksSettings.baseURL(host: host), token: token, warehouseID: warehouseID, statementTimeout: .seconds(timeout))
    }

    /// Parses `key=value,key=value`.
    static func parseExtraConfig(_ text: String?) throws(ConfigurationError) -> [String: String] {
        guard let text else { return [:] }
        var result: [String: String] = [:]
        for pair in text.split(separator: ",") {
            let trimmed = pair.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            guard let equals = trimmed.firstIndex(of: "="), equals != trimmed.startIndex else {
                throw ConfigurationError(variable: "KAFKA_EXTRA_CONFIG", message: "'\(trimmed)' is not key=value")
            }
            result[String(trimmed[..<equals])] = String(trimmed[trimmed.index(after: equals)...])
        }
        return result
    }

    /// Settings safe to log (secrets shown only as set/unset).
    public var redactedSummary: String {
        [
            "kafka=\(kafkaBootstrapServers ?? "-")", "topic=\(kafkaTopic)", "group=\(kafkaGroupID)",
            "gms=\(datahubGMSURL)", "registry=\(schemaRegistryURL)", "datahub_token=\(datahubToken == nil ? "unset" : "set")",
            "postgres=\(postgresUser)@\(postgresHost):\(postgresPort)", "postgres_password=\(postgresPassword == nil ? "unset" : "set")",
            "trigger=\(triggerTag)", "http=\(httpHost):\(httpPort)", "token_scheme=\(tokens.defaultScheme.rawValue)",
            "databricks=\(databricks.map { "\($0.baseURL) warehouse \($0.warehouseID)" } ?? "not configured")",
            "token_keys=\(tokens.keyring.map { $0.keys.map(\.id).joined(separator: ",") } ?? "none")",
        ].joined(separator: " ")
    }
}

/// Environment lookups: empty values count as unset.
struct Environment {
    var values: [String: String]

    subscript(name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    /// `NAME`, or the contents of the file named by `NAME_FILE` (trailing newline removed).
    func secret(_ name: String) throws(ConfigurationError) -> String? {
        if let direct = self[name] { return direct }
        guard let path = self["\(name)_FILE"] else { return nil }
        guard let contents = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigurationError(variable: "\(name)_FILE", message: "cannot read \(path)")
        }
        let trimmed = contents.trimmingCharacters(in: .newlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    func integer(_ name: String, default value: Int, range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let text = self[name] else { return value }
        guard let parsed = Int(text), range.contains(parsed) else {
            throw ConfigurationError(variable: name, message: "'\(text)' is not a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return parsed
    }
}

/// Token settings, shared by `serve`, `run` and the `tokenize`/`detokenize` commands.
public struct TokenConfiguration: Sendable {
    /// `TOKEN_SCHEME`: the scheme of columns without a `tokenize/scheme:<name>` tag. Default `hmac`.
    public var defaultScheme: TokenSchemeName
    /// The keys from `TOKEN_KEYS_FILE` (one `KEY_ID=BASE64_SECRET` per line, the last is the newest), if set.
    public var keyring: TokenKeyring?

    public var tokenizer: Tokenizer { Tokenizer(keyring: keyring) }

    /// Loads and checks the keys: a missing, malformed or short key stops startup with a message naming the line.
    public static func load(from environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) -> TokenConfiguration {
        let env = Environment(values: environment)
        let schemeName = env["TOKEN_SCHEME"] ?? "hmac"
        guard let scheme = TokenSchemeName(rawValue: schemeName.lowercased()) else {
            throw ConfigurationError(
                variable: "TOKEN_SCHEME", message: "'\(schemeName)' is not a scheme; use one of \(TokenSchemeName.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var keyring: TokenKeyring? = nil
        if let path = env["TOKEN_KEYS_FILE"] {
            do {
                keyring = try TokenKeyring.load(path: path)
            } catch {
                throw ConfigurationError(variable: "TOKEN_KEYS_FILE", message: error.message)
            }
        }
        if scheme != .poc, keyring == nil {
            throw ConfigurationError(
                variable: "TOKEN_KEYS_FILE",
                message: "is required for TOKEN_SCHEME=\(scheme.rawValue): create a file with a line like k1=<output of `openssl rand -base64 32`> and point TOKEN_KEYS_FILE at it (or set TOKEN_SCHEME=poc, which is not secure)")
        }
        return TokenConfiguration(defaultScheme: scheme, keyring: keyring)
    }
}
