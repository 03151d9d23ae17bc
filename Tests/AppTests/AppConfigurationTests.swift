import DatabricksWarehouse
import Foundation
import Runs
import Testing

@testable import TokenizeActionCore

@Suite struct AppConfigurationTests {
    let minimal = ["KAFKA_BOOTSTRAP_SERVERS": "k:9092", "POSTGRES_HOST": "db", "POSTGRES_USER": "u", "TOKEN_SCHEME": "poc"]

    private func keysFile(_ text: String) throws -> URL {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test func databricksSettingsFromHostPathOrJDBC() throws {
        #expect(try AppConfiguration.load(from: minimal, requireKafka: true).databricks == nil)
        var env = minimal
        env["DBX_HOST"] = "dbc-1.cloud.databricks.com"
        env["DBX_TOKEN"] = "dapi1"
        env["DBX_HTTP_PATH"] = "/sql/1.0/warehouses/wh9"
        let settings = try #require(try AppConfiguration.load(from: env, requireKafka: true).databricks)
        #expect(settings.baseURL == "https://dbc-1.cloud.databricks.com" && settings.warehouseID == "wh9" && settings.token == "dapi1")
        let jdbc = try AppConfiguration.load(
            from: minimal.merging(["DBX_JDBC_URL": "jdbc:databricks://h.example:443/default;httpPath=/sql/1.0/warehouses/w2;PWD=t2"]) { $1 },
            requireKafka: true)
        #expect(jdbc.databricks == DatabricksSettings(baseURL: "https://h.example", token: "t2", warehouseID: "w2"))
        #expect {
            try AppConfiguration.load(from: minimal.merging(["DBX_HOST": "h"]) { $1 }, requireKafka: true)
        } throws: { error in
            (error as? ConfigurationError)?.variable == "DBX_TOKEN"
        }
    }

    @Test func keyedSchemesNeedAKeysFile() {
        #expect {
            try TokenConfiguration.load(from: [:])
        } throws: { error in
            (error as? ConfigurationError)?.variable == "TOKEN_KEYS_FILE" && "\(error)".contains("TOKEN_SCHEME=hmac")
        }
        #expect(throws: ConfigurationError.self) { try TokenConfiguration.load(from: ["TOKEN_SCHEME": "rot13"]) }
    }

    @Test func keysFileIsLoadedAndNeverLogged() throws {
        let secret = Data(repeating: 9, count: 32).base64EncodedString()
        let file = try keysFile("# rotated 2026-11\nold=\(secret)\nnew=\(secret)\n")
        defer { try? FileManager.default.removeItem(at: file) }
        var env = minimal
        env["TOKEN_SCHEME"] = "siv"
        env["TOKEN_KEYS_FILE"] = file.path
        let config = try AppConfiguration.load(from: env, requireKafka: true)
        #expect(config.tokens.defaultScheme == .siv)
        #expect(config.tokens.keyring?.newest.id == "new")
        #expect(config.redactedSummary.contains("token_keys=old,new") && !config.redactedSummary.contains(secret))
    }

    @Test func aShortKeyStopsStartupNamingTheLine() throws {
        let file = try keysFile("k1=\(Data(repeating: 1, count: 32).base64EncodedString())\nk2=c2hvcnQ=\n")
        defer { try? FileManager.default.removeItem(at: file) }
        #expect {
            try TokenConfiguration.load(from: ["TOKEN_KEYS_FILE": file.path])
        } throws: { error in
            "\(error)".contains("line 2 (key k2): the secret is 5 bytes")
        }
    }

    @Test func defaults() throws {
        let config = try AppConfiguration.load(from: minimal, requireKafka: true)
        #expect(config.kafkaGroupID == "tokenize-action")
        #expect(config.kafkaTopic == "MetadataChangeLog_Versioned_v1")
        #expect(config.datahubGMSURL == "http://localhost:8080")
        #expect(config.schemaRegistryURL == "http://localhost:8080/schema-registry/api")
        #expect(config.postgresPort == 5432)
        #expect(config.triggerTag == "tokenize/run")
        #expect(config.httpPort == 8081)
    }

    @Test(arguments: ["KAFKA_BOOTSTRAP_SERVERS", "POSTGRES_HOST", "POSTGRES_USER"])
    func missingRequiredSettingIsNamed(name: String) {
        var env = minimal
        env[name] = nil
        #expect {
            try AppConfiguration.load(from: env, requireKafka: true)
        } throws: { error in
            (error as? ConfigurationError)?.variable == name
        }
    }

    @Test func kafkaIsOptionalForOneOffRuns() throws {
        var env = minimal
        env["KAFKA_BOOTSTRAP_SERVERS"] = nil
        #expect(try AppConfiguration.load(from: env, requireKafka: false).kafkaBootstrapServers == nil)
    }

    @Test func secretsComeFromFilesAndAreNotLogged() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("secret-\(UUID().uuidString)")
        try "s3cret-value\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        var env = minimal
        env["POSTGRES_PASSWORD_FILE"] = file.path
        env["DATAHUB_TOKEN"] = "token-value"
        let config = try AppConfiguration.load(from: env, requireKafka: true)
        #expect(config.postgresPassword == "s3cret-value")
        #expect(config.datahubToken == "token-value")
        #expect(!config.redactedSummary.contains("s3cret") && !config.redactedSummary.contains("token-value"))
    }

    @Test func unreadableSecretFileIsNamed() {
        var env = minimal
        env["DATAHUB_TOKEN_FILE"] = "/nonexistent/token"
        #expect {
            try AppConfiguration.load(from: env, requireKafka: true)
        } throws: { error in
            (error as? ConfigurationError)?.variable == "DATAHUB_TOKEN_FILE"
        }
    }

    @Test func badNumbersAndExtraConfig() throws {
        var env = minimal
        env["POSTGRES_PORT"] = "70000"
        #expect(throws: ConfigurationError.self) { try AppConfiguration.load(from: env, requireKafka: true) }
        #expect(try AppConfiguration.parseExtraConfig("a=1, b.c=x=y") == ["a": "1", "b.c": "x=y"])
        #expect(throws: ConfigurationError.self) { try AppConfiguration.parseExtraConfig("novalue") }
    }
}

@Suite struct TriggerRequestTests {
    let urn = "urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers,PROD)"

    func parse(_ json: String) throws -> (DatasetURN, RunScope) {
        try HTTPAPI.parseTrigger(Data(json.utf8), supportedPlatforms: ["postgres"])
    }

    @Test func validRequests() throws {
        #expect(try parse(#"{"dataset":"\#(urn)"}"#).1 == RunScope(datasetLevel: true))
        #expect(try parse(#"{"dataset":"\#(urn)","columns":["email"]}"#).1 == RunScope(explicitColumns: ["email"]))
        #expect(try parse(#"{"dataset":"\#(urn)","columns":null}"#).1 == RunScope(datasetLevel: true))
        #expect(try parse(#"{"dataset":"\#(urn)","rekey":true}"#).1 == RunScope(datasetLevel: true, rekey: true))
        #expect(try parse(#"{"dataset":"\#(urn)","rekey":false}"#).1 == RunScope(datasetLevel: true))
    }

    @Test(arguments: [
        "", "[]", "{}", #"{"dataset":42}"#, #"{"dataset":"nope"}"#, #"{"dataset":"\#("urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers,PROD)")","columns":"email"}"#,
        #"{"dataset":"urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers,PROD)","columns":[""]}"#,
        #"{"dataset":"urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers,PROD)","colums":["email"]}"#,
        #"{"dataset":"urn:li:dataset:(urn:li:dataPlatform:mysql,shop.public.customers,PROD)"}"#,
        #"{"dataset":"urn:li:dataset:(urn:li:dataPlatform:postgres,customers,PROD)"}"#,
        #"{"dataset":"urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers,PROD)","rekey":"yes"}"#,
    ])
    func badRequestsAreRejectedWithAMessage(body: String) {
        #expect {
            try parse(body)
        } throws: { error in
            !((error as? RunError)?.message.isEmpty ?? true)
        }
    }
}
