import DatabricksWarehouse
import Foundation
import Logging
import PostgresSupport
import Runs
import ServiceConfiguration
import Testing

/// Settings from the environment: defaults written once, typed once, every bad value named with exit 78.
@Suite struct ConfigurationTests {
    let minimal = ["KAFKA_BOOTSTRAP_SERVERS": "k:9092", "POSTGRES_HOST": "db", "POSTGRES_USER": "u", "TOKEN_SCHEME": "poc"]

    private func load(_ values: [String: String], for purpose: AppConfiguration.Purpose = .serve) throws -> AppConfiguration {
        try AppConfiguration.load(Environment(values), for: purpose)
    }

    private func keysFile(_ text: String) throws -> URL {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    private func failure(_ values: [String: String]) -> ConfigurationError? {
        do {
            _ = try load(values)
            return nil
        } catch {
            return error as? ConfigurationError
        }
    }

    @Test func defaults() throws {
        let config = try load(minimal)
        #expect(config.kafka?.groupID == "tokenize-action" && config.kafka?.topics == ["MetadataChangeLog_Versioned_v1"])
        #expect(config.kafka?.autoOffsetReset == "earliest")
        #expect(config.datahub.gmsURL == "http://localhost:8080")
        #expect(config.schemaRegistry.url == "http://localhost:8080/schema-registry/api" && config.schemaRegistry.credentials == nil)
        #expect(config.postgres.port == 5432 && config.postgres.sslMode == .prefer)
        #expect(config.runs.tags.trigger.name == "tokenize/run" && config.runs.stateDatabase == "postgres")
        #expect(
            config.runs.reconcileInterval == .seconds(600) && config.runs.worker.shutdownGrace == .seconds(25) && config.runs.worker.capacity == 4)
        #expect(config.http.port == 8081 && config.logging == LoggingSettings(level: .info, format: .text))
        #expect(config.runs.executor.verifyIncremental)
        // Every run setting left unset is its type's default: the defaults are written once, there.
        var expected = RunExecutor.Settings()
        expected.defaultScheme = config.tokens.defaultScheme
        #expect(config.runs.executor == expected && config.runs.worker == RunWorker.Settings())
    }

    @Test func runSettingsComeFromTheEnvironment() throws {
        let config = try load(
            minimal.merging([
                "TRIGGER_TAG": "protect/now", "PLAN_TAG": "protect/plan", "REHEARSAL_ROWS": "100", "RUN_STOP_LIMIT": "5", "SAMPLE_ROWS": "50",
                "LINEAGE_DEPTH": "0", "PII_GLOSSARY_TERMS": "Secret, Personal",
            ]) { $1 })
        let executor = config.runs.executor
        #expect(
            executor.tags.trigger.name == "protect/now" && executor.tags.plan.name == "protect/plan"
                && executor.tags.approval.name == "tokenize/approve")
        #expect(executor.rehearsalRows == 100 && executor.stopLimit == 5 && executor.sampleRows == 50 && executor.lineageDepth == 0)
        #expect(executor.piiGlossaryTerms == ["Secret", "Personal"])
        #expect(throws: ConfigurationError.self) { try load(minimal.merging(["RUN_STOP_LIMIT": "0"]) { $1 }) }
    }

    @Test func typedSettingsAreReadOnce() throws {
        let config = try load(
            minimal.merging([
                "RECONCILE_INTERVAL": "90s", "SHUTDOWN_GRACE_SECONDS": "5", "MAX_CONCURRENT_RUNS": "2", "STATE_DATABASE": "state",
                "POSTGRES_SSLMODE": "verify-full", "POSTGRES_SSLROOTCERT": "/ca.pem", "LOG_LEVEL": "DEBUG", "LOG_FORMAT": "json",
                "SCHEMA_REGISTRY_BASIC_AUTH": "reader:pw", "KAFKA_AUTO_OFFSET_RESET": "latest", "VERIFY_INCREMENTAL": "false",
            ]) { $1 })
        #expect(!config.runs.executor.verifyIncremental)
        #expect(config.runs.reconcileInterval == .seconds(90) && config.runs.worker.shutdownGrace == .seconds(5) && config.runs.worker.capacity == 2)
        #expect(config.runs.stateDatabase == "state" && config.postgres.sslMode == .verifyFull && config.postgres.sslRootCertificate == "/ca.pem")
        #expect(config.logging == LoggingSettings(level: .debug, format: .json))
        #expect(config.schemaRegistry.credentials == .basic(user: "reader", password: "pw"))
        #expect(config.kafka?.autoOffsetReset == "latest")
        #expect(!config.redactedSummary.contains("reader:pw"))
    }

    @Test(arguments: [
        ("LOG_LEVEL", "loud"), ("LOG_FORMAT", "xml"), ("POSTGRES_SSLMODE", "sometimes"), ("RECONCILE_INTERVAL", "soon"),
        ("SHUTDOWN_GRACE_SECONDS", "-1"), ("KAFKA_AUTO_OFFSET_RESET", "middle"), ("SCHEMA_REGISTRY_BASIC_AUTH", "nopassword"),
        ("POSTGRES_PORT", "70000"), ("TOKEN_SCHEME", "rot13"),
    ])
    func aBadValueIsAConfigurationErrorNamingIt(name: String, value: String) {
        #expect(failure(minimal.merging([name: value]) { $1 })?.variable == name)
    }

    /// A librdkafka key it does not know is a one-line configuration error, before any client exists.
    @Test func anUnknownKafkaSettingIsRejectedUpFront() {
        let error = failure(minimal.merging(["KAFKA_EXTRA_CONFIG": "no.such.setting=1"]) { $1 })
        #expect(error?.variable == "KAFKA_EXTRA_CONFIG" && error?.message.contains("no.such.setting") == true)
        #expect(failure(minimal.merging(["KAFKA_EXTRA_CONFIG": "novalue"]) { $1 })?.variable == "KAFKA_EXTRA_CONFIG")
    }

    @Test(arguments: ["KAFKA_BOOTSTRAP_SERVERS", "POSTGRES_HOST", "POSTGRES_USER"])
    func missingRequiredSettingIsNamed(name: String) {
        var env = minimal
        env[name] = nil
        #expect(failure(env)?.variable == name)
    }

    @Test func kafkaIsOptionalForOneOffCommands() throws {
        var env = minimal
        env["KAFKA_BOOTSTRAP_SERVERS"] = nil
        #expect(try load(env, for: .command).kafka == nil)
    }

    @Test func databricksSettingsFromHostPathOrJDBC() throws {
        #expect(try load(minimal).databricks == nil)
        let settings = try #require(
            try load(
                minimal.merging(["DBX_HOST": "dbc-1.cloud.databricks.com", "DBX_TOKEN": "dapi1", "DBX_HTTP_PATH": "/sql/1.0/warehouses/wh9"]) { $1 }
            )
            .databricks)
        #expect(settings.baseURL == "https://dbc-1.cloud.databricks.com" && settings.warehouseID == "wh9" && settings.token == "dapi1")
        let jdbc = try load(
            minimal.merging(["DBX_JDBC_URL": "jdbc:databricks://h.example:443/default;httpPath=/sql/1.0/warehouses/w2;PWD=t2"]) { $1 })
        #expect(jdbc.databricks == DatabricksSettings(baseURL: "https://h.example", token: "t2", warehouseID: "w2"))
        #expect(failure(minimal.merging(["DBX_HOST": "h"]) { $1 })?.variable == "DBX_TOKEN")
    }

    @Test func keyedSchemesNeedAKeysFile() {
        let error = failure(minimal.merging(["TOKEN_SCHEME": "hmac"]) { $1 })
        #expect(error?.variable == "TOKEN_KEYS_FILE" && error?.message.contains("TOKEN_SCHEME=hmac") == true)
    }

    @Test func keysFileIsLoadedAndNeverLogged() throws {
        let secret = Data(repeating: 9, count: 32).base64EncodedString()
        let file = try keysFile("# rotated 2026-11\nold=\(secret)\nnew=\(secret)\n")
        defer { try? FileManager.default.removeItem(at: file) }
        let config = try load(minimal.merging(["TOKEN_SCHEME": "siv", "TOKEN_KEYS_FILE": file.path]) { $1 })
        #expect(config.tokens.defaultScheme == .siv && config.tokens.keyring?.newest.id == "new")
        #expect(config.redactedSummary.contains("token_keys=old,new") && !config.redactedSummary.contains(secret))
    }

    @Test func aShortKeyStopsStartupNamingTheLine() throws {
        let file = try keysFile("k1=\(Data(repeating: 1, count: 32).base64EncodedString())\nk2=c2hvcnQ=\n")
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(
            failure(minimal.merging(["TOKEN_SCHEME": "hmac", "TOKEN_KEYS_FILE": file.path]) { $1 })?.message.contains(
                "line 2 (key k2): the secret is 5 bytes") == true)
    }

    @Test func secretsComeFromFilesAndAreNotLogged() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("secret-\(UUID().uuidString)")
        try "s3cret-value\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let config = try load(minimal.merging(["POSTGRES_PASSWORD_FILE": file.path, "DATAHUB_TOKEN": "token-value"]) { $1 })
        #expect(config.postgres.password == "s3cret-value" && config.datahub.token == "token-value")
        #expect(!config.redactedSummary.contains("s3cret") && !config.redactedSummary.contains("token-value"))
        #expect(failure(minimal.merging(["DATAHUB_TOKEN_FILE": "/nonexistent/token"]) { $1 })?.variable == "DATAHUB_TOKEN_FILE")
    }

    @Test func theAPIIsClosedUntilTokensAreConfigured() throws {
        let tokenText = "ops=0123456789abcdef0123456789abcdef\n"
        let file = try keysFile(tokenText)
        defer { try? FileManager.default.removeItem(at: file) }
        let closed = try load(minimal)
        guard case .unconfigured = closed.http.authentication else {
            Issue.record("no tokens: unconfigured")
            return
        }
        let withTokens = try load(minimal.merging(["API_TOKENS_FILE": file.path]) { $1 })
        guard case .tokens(let tokens) = withTokens.http.authentication else {
            Issue.record("tokens expected")
            return
        }
        #expect(tokens.names == ["ops"])
        #expect(withTokens.redactedSummary.contains("http_auth=tokens(ops)") && !withTokens.redactedSummary.contains("0123456789abcdef"))
        guard case .disabled = try load(minimal.merging(["HTTP_AUTH": "off"]) { $1 }).http.authentication else {
            Issue.record("off")
            return
        }
        #expect(failure(minimal.merging(["HTTP_AUTH": "off", "API_TOKENS_FILE": file.path]) { $1 })?.variable == "HTTP_AUTH")
        let short = try keysFile("ops=short\n")
        defer { try? FileManager.default.removeItem(at: short) }
        #expect(failure(minimal.merging(["API_TOKENS_FILE": short.path]) { $1 })?.message.contains("line 1 (ops)") == true)
    }

    @Test func aPolicyFileIsReadAtStartupAndItsMistakesNameTheLine() throws {
        let good = try keysFile("datasets:\n  deny: [\"postgres/hr\"]\n")
        let bad = try keysFile("datasets:\n  deny: [postgres]\ntrigers: {}\n")
        defer { for file in [good, bad] { try? FileManager.default.removeItem(at: file) } }
        #expect(try load(minimal).runs.policy == nil)
        let config = try load(minimal.merging(["TOKENIZE_POLICY_FILE": good.path]) { $1 })
        #expect(config.runs.policy?.deny.map(\.description) == ["postgres/hr"] && config.redactedSummary.contains("policy=set"))
        let error = failure(minimal.merging(["TOKENIZE_POLICY_FILE": bad.path]) { $1 })
        #expect(error?.variable == "TOKENIZE_POLICY_FILE" && error?.message.contains("line 3: unknown key 'trigers'") == true)
        #expect(failure(minimal.merging(["APPROVAL_TAG": "tokenize/run"]) { $1 })?.variable == "APPROVAL_TAG")
    }

    /// SASL credentials are typed settings librdkafka accepts; the password stays out of the summary.
    @Test func kafkaSASLCredentials() throws {
        let sasl = minimal.merging([
            "KAFKA_SECURITY_PROTOCOL": "sasl_ssl", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512", "KAFKA_SASL_USERNAME": "tokenize",
            "KAFKA_SASL_PASSWORD": "kafka-secret-value",
        ]) { $1 }
        let config = try load(sasl)
        let settings = try #require(config.kafka?.librdkafkaSettings)
        #expect(
            settings["security.protocol"] == "SASL_SSL" && settings["sasl.mechanisms"] == "SCRAM-SHA-512" && settings["sasl.username"] == "tokenize")
        #expect(settings["sasl.password"] == "kafka-secret-value")
        #expect(config.redactedSummary.contains("kafka_security=SASL_SSL/SCRAM-SHA-512/user:tokenize/password:set"))
        #expect(!config.redactedSummary.contains("kafka-secret-value"))
        #expect(failure(sasl.merging(["KAFKA_SASL_PASSWORD": ""]) { $1 })?.variable == "KAFKA_SASL_PASSWORD")
        #expect(failure(sasl.merging(["KAFKA_SASL_MECHANISM": "GSSAPI"]) { $1 })?.variable == "KAFKA_SASL_MECHANISM")
        #expect(try load(minimal).kafka?.librdkafkaSettings["security.protocol"] == "PLAINTEXT")
    }
}
