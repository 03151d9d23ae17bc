import Logging
import NIOSSL
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// One pooled `PostgresClient` per database, created on first use and run for the life of this service.
///
/// A dataset URN names its database, so clients cannot all be made up front. Each new client's `run()`
/// is added to this service's task group; graceful shutdown ends them after the services that use them.
public final class PostgresDatabases: Service, Sendable {
    public let settings: PostgresSettings
    private let tls: PostgresClient.Configuration.TLS
    private let logger: Logger
    private let clients = Mutex<[String: PostgresClient]>([:])
    private let knownDatabase: String?
    /// Connections the known database's pool opens as it starts and keeps (1 for every other database).
    private let knownDatabaseConnections: Int
    /// Databases whose client `run()` has been called on (a lease before that waits, and PostgresNIO warns).
    private let running = Mutex<Set<String>>([])
    private let newClients: AsyncStream<(String, PostgresClient)>
    private let newClientsContinuation: AsyncStream<(String, PostgresClient)>.Continuation

    /// - Throws: when the TLS settings cannot be used (an unreadable root certificate).
    /// `knownDatabase`: a database this process knows exists (the state database, made ready before), through which
    /// the server's shared catalogs can be read without a connection of their own (`sharedCatalogClient`).
    /// `knownDatabaseConnections`: how many connections its pool opens at once as it starts (a one-off run needs
    /// two from its first moments: the dataset lock's and the ledger's).
    public init(settings: PostgresSettings, knownDatabase: String? = nil, knownDatabaseConnections: Int = 1, logger: Logger) throws(PostgresFailure) {
        self.knownDatabase = knownDatabase
        self.knownDatabaseConnections = max(1, knownDatabaseConnections)
        self.settings = settings
        self.logger = logger
        self.tls = try Self.tls(settings)
        (newClients, newClientsContinuation) = AsyncStream.makeStream()
    }

    /// libpq's `sslmode`: no TLS, TLS if offered, or TLS required, with the certificate checks of the mode.
    enum TLSPlan {
        case disable
        case prefer(TLSConfiguration)
        case require(TLSConfiguration)
    }

    /// libpq's `sslmode` in postgres-nio's terms.
    static func tls(_ settings: PostgresSettings) throws(PostgresFailure) -> PostgresClient.Configuration.TLS {
        switch try tlsPlan(settings) {
        case .disable: .disable
        case .prefer(let configuration): .prefer(configuration)
        case .require(let configuration): .require(configuration)
        }
    }

    static func tlsPlan(_ settings: PostgresSettings) throws(PostgresFailure) -> TLSPlan {
        var configuration = TLSConfiguration.makeClientConfiguration()
        var mode = settings.sslMode
        if mode == .require, settings.sslRootCertificate != nil { mode = .verifyCA }
        switch mode {
        case .disable:
            return .disable
        case .prefer, .require:
            configuration.certificateVerification = .none
            return mode == .prefer ? .prefer(configuration) : .require(configuration)
        case .verifyCA, .verifyFull:
            guard let root = settings.sslRootCertificate else {
                if mode == .verifyFull {
                    configuration.certificateVerification = .fullVerification
                    return .require(configuration)
                }
                throw PostgresFailure(.configuration, "POSTGRES_SSLMODE=verify-ca needs POSTGRES_SSLROOTCERT (a PEM file of the CA)")
            }
            do {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(root))
            } catch {
                throw PostgresFailure(.configuration, "POSTGRES_SSLROOTCERT \(root) cannot be read as PEM certificates: \(error)")
            }
            // The name checked is POSTGRES_HOST (postgres-nio sends it as SNI unless it is an IP address, which
            // is then matched against the certificate's IP entries), as libpq does.
            configuration.certificateVerification = mode == .verifyFull ? .fullVerification : .noHostnameVerification
            return .require(configuration)
        }
    }

    /// Opens one connection to `database` with these settings, runs `SELECT 1` and closes it. Says precisely why
    /// connecting fails (TLS verification, credentials, reachability), where the pool would only keep retrying.
    public func probe(database: String) async throws(PostgresFailure) {
        do {
            try await withConnection(database: database) { connection in try await connection.guardedQuery("SELECT 1", logger: logger) }
        } catch {
            throw PostgresFailure(error)
        }
    }

    /// Opens one connection to `database` with these settings (outside any pool), runs `body` on it and closes it.
    /// A failure to connect says precisely why (TLS verification, credentials, reachability, a database that does
    /// not exist: SQLSTATE 3D000), where a pool would only keep retrying.
    public func withConnection<Result>(database: String, _ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        let tls: PostgresConnection.Configuration.TLS
        do {
            switch try Self.tlsPlan(settings) {
            case .disable: tls = .disable
            case .prefer(let configuration): tls = .prefer(try NIOSSLContext(configuration: configuration))
            case .require(let configuration): tls = .require(try NIOSSLContext(configuration: configuration))
            }
        } catch {
            throw PostgresFailure(.configuration, "the TLS settings cannot be used: \(error)")
        }
        var configuration = PostgresConnection.Configuration(
            host: settings.host, port: settings.port, username: settings.username, password: settings.password, database: database, tls: tls)
        configuration.options.connectTimeout = .init(settings.connectTimeout)
        configuration.options.additionalStartupParameters = Self.sessionParameters(settings)
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        } catch {
            throw PostgresFailure(error)
        }
        do {
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Sent when a session starts: the `application_name`, and JIT compilation off. Every statement the service
    /// sends works on one batch or one scan, where compiling costs about 100 ms and gains less; PostgreSQL decides
    /// by estimated cost, and the estimates of a ledger or table that autovacuum has not analyzed yet pass
    /// `jit_above_cost` (an ff1 ledger lookup of 10,000 keys was estimated at 124,600).
    static func sessionParameters(_ settings: PostgresSettings) -> [(String, String)] {
        [("application_name", String(settings.applicationName.prefix(63))), ("jit", "off")]
    }

    /// The pooled client for `database`.
    public func client(database: String) -> PostgresClient {
        clients.withLock { clients in
            if let existing = clients[database] { return existing }
            var configuration = PostgresClient.Configuration(
                host: settings.host, port: settings.port, username: settings.username, password: settings.password, database: database,
                tls: tls)
            configuration.options.maximumConnections = settings.maximumConnectionsPerDatabase
            configuration.options.connectTimeout = settings.connectTimeout
            // Every release of a pooled connection arms the pool's keep-alive timer (and, above the minimum, its
            // idle timer); a cancelled `Task.sleep` keeps its memory until its deadline, so a busy pool holds
            // (queries per second × timer length) of them: 40,000 quick queries grew RSS by 60 MB with the
            // defaults (the `inflated` fault test). So: one connection (the known database's few) that never
            // idles out, no keep-alive pings (a connection PostgreSQL closes is noticed at once and replaced; the
            // fault tests restart it), and short idle timeouts for the connections a burst adds.
            configuration.options.minimumConnections = database == knownDatabase ? knownDatabaseConnections : 1
            configuration.options.keepAliveBehavior = nil
            configuration.options.connectionIdleTimeout = .seconds(10)
            configuration.options.additionalStartupParameters = Self.sessionParameters(settings)
            var clientLogger = logger
            clientLogger[metadataKey: "database"] = "\(database)"
            let client = PostgresClient(configuration: configuration, backgroundLogger: clientLogger)
            clients[database] = client
            newClientsContinuation.yield((database, client))
            return client
        }
    }

    public func run() async throws {
        await withDiscardingTaskGroup { group in
            for await (database, client) in newClients.cancelOnGracefulShutdown() {
                group.addTask {
                    self.running.withLock { _ = $0.insert(database) }
                    await client.run()
                }
            }
            group.cancelAll()
        }
    }

    /// A client to read the server's shared catalogs through (`pg_database`, the same from every database): the
    /// maintenance database's when this process has it already, else the known database's when it has that one
    /// (no new connection), else the maintenance database's.
    public func sharedCatalogClient() async -> PostgresClient {
        let database = clients.withLock { clients in
            if clients[settings.maintenanceDatabase] == nil, let knownDatabase, clients[knownDatabase] != nil { return knownDatabase }
            return settings.maintenanceDatabase
        }
        return await startedClient(database: database)
    }

    /// The pooled client for `database`, once `run()` has started it: a first query on a new client otherwise
    /// races the pool's start (it waits for it, and PostgresNIO logs a warning). Waits at most `limit`.
    public func startedClient(database: String, limit: Duration = .seconds(2)) async -> PostgresClient {
        let client = client(database: database)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: limit)
        while !running.withLock({ $0.contains(database) }), clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(1))
        }
        // The runner marks the database just before calling `run()`; let it get there.
        await Task.yield()
        return client
    }
}
