import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import TestSupport
import Testing

/// `POSTGRES_SSLMODE` against the stack's PostgreSQL, which runs with `ssl=on` and a certificate for the name
/// `localhost` only, signed by a throwaway CA (`POSTGRES_SSLROOTCERT`; see scripts/stack.sh).
@Suite(.enabled(if: TestEnvironment.postgresTestsEnabled), .serialized) struct PostgresTLSTests {
    var rootCertificate: String {
        get throws {
            try #require(
                ProcessInfo.processInfo.environment["POSTGRES_SSLROOTCERT"], "POSTGRES_SSLROOTCERT is not set: start the stack and source .stack/env")
        }
    }

    /// Connects with `mode` to `host`; returns whether the session is encrypted (`pg_stat_ssl`).
    func encrypted(_ mode: PostgresSSLMode, host: String, root: String?) async throws -> Bool {
        var settings = try stackPostgresSettings()
        settings.host = host
        settings.sslMode = mode
        settings.sslRootCertificate = root
        settings.connectTimeout = .seconds(5)
        let databases = try PostgresDatabases(settings: settings, logger: Logger(label: "tls-test"))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await databases.run() }
            defer { group.cancelAll() }
            let client = databases.client(database: "postgres")
            let query: PostgresQuery = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
            return try await withThrowingTaskGroup(of: Bool.self) { attempt in
                attempt.addTask {
                    for try await ssl in try await client.query(query).decode(Bool.self) { return ssl }
                    return false
                }
                attempt.addTask {
                    try await Task.sleep(for: .seconds(15))
                    throw TLSRefused(description: "no connection within 15 s")
                }
                defer { attempt.cancelAll() }
                return try await attempt.next()!
            }
        }
    }

    struct TLSRefused: Error, CustomStringConvertible {
        var description: String
    }

    /// Why one connection with `mode` to `host` is refused (nil: it was not).
    func refusal(_ mode: PostgresSSLMode, host: String, root: String?) async throws -> PostgresFailure? {
        var settings = try stackPostgresSettings()
        settings.host = host
        settings.sslMode = mode
        settings.sslRootCertificate = root
        do {
            try await PostgresDatabases(settings: settings, logger: Logger(label: "tls-test")).probe(database: "postgres")
            return nil
        } catch {
            return error
        }
    }

    @Test func disableConnectsInPlainText() async throws {
        #expect(try await encrypted(.disable, host: "127.0.0.1", root: nil) == false)
    }

    @Test func requireEncryptsWithoutCheckingTheCertificate() async throws {
        #expect(try await encrypted(.require, host: "127.0.0.1", root: nil))
        #expect(try await encrypted(.prefer, host: "127.0.0.1", root: nil), "prefer takes TLS when the server offers it")
    }

    @Test func verifyFullChecksTheChainAndTheName() async throws {
        #expect(try await encrypted(.verifyFull, host: "localhost", root: try rootCertificate))
        #expect(try await encrypted(.verifyCA, host: "127.0.0.1", root: try rootCertificate), "verify-ca does not check the name")
    }

    @Test func verifyFullRefusesAnotherName() async throws {
        #expect(try await refusal(.verifyFull, host: "localhost", root: try rootCertificate) == nil)
        let refused = try #require(try await refusal(.verifyFull, host: "127.0.0.1", root: try rootCertificate))
        #expect(refused.code == .authentication && !refused.isTransient, "\(refused)")
        #expect(refused.message.contains("does not name the host"), "\(refused)")
    }

    /// A certificate that does not chain to the configured root is refused, name or not.
    @Test func verifyCARefusesAnUnknownIssuer() async throws {
        let stranger = FileManager.default.temporaryDirectory.appendingPathComponent("stranger-\(UUID().uuidString).crt")
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        openssl.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=stranger", "-keyout", "/dev/null", "-out",
            stranger.path,
        ]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        defer { try? FileManager.default.removeItem(at: stranger) }
        try #require(openssl.terminationStatus == 0, "openssl is needed to make a stranger CA")
        for mode in [PostgresSSLMode.verifyCA, .verifyFull] {
            let refused = try #require(try await refusal(mode, host: "localhost", root: stranger.path), "\(mode)")
            #expect(refused.code == .authentication && refused.message.contains("TLS handshake"), "\(refused)")
        }
    }
}
