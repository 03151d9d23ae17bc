import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Connection settings for the Postgres server the service tokenizes in.
public struct PostgresSettings: Sendable {
    public var host: String
    /// Default 5432.
    public var port: Int
    public var username: String
    public var password: String?
    /// Database used by readiness checks (default `postgres`); runs use the database named in the dataset URN.
    public var maintenanceDatabase: String
    /// Upper bound on pooled connections per database (default 4).
    public var maximumConnectionsPerDatabase: Int
    /// Connect timeout (default 10 s).
    public var connectTimeout: Duration

    public init(
        host: String, port: Int = 5432, username: String, password: String?,
        maintenanceDatabase: String = "postgres", maximumConnectionsPerDatabase: Int = 4,
        connectTimeout: Duration = .seconds(10)
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.maintenanceDatabase = maintenanceDatabase
        self.maximumConnectionsPerDatabase = maximumConnectionsPerDatabase
        self.connectTimeout = connectTimeout
    }
}

/// One pooled `PostgresClient` per database, created on first use and run for the life of this service.
///
/// A dataset URN names its database, so clients cannot all be made up front. Each new client's `run()`
/// is added to this service's task group; graceful shutdown ends them after the services that use them.
public final class PostgresDatabases: Service, Sendable {
    private let settings: PostgresSettings
    private let logger: Logger
    private let clients = Mutex<[String: PostgresClient]>([:])
    private let newClients: AsyncStream<PostgresClient>
    private let newClientsContinuation: AsyncStream<PostgresClient>.Continuation

    public init(settings: PostgresSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
        (newClients, newClientsContinuation) = AsyncStream.makeStream()
    }

    /// The pooled client for `database`.
    public func client(database: String) -> PostgresClient {
        clients.withLock { clients in
            if let existing = clients[database] { return existing }
            var configuration = PostgresClient.Configuration(
                host: settings.host, port: settings.port, username: settings.username,
                password: settings.password, database: database, tls: .disable)
            configuration.options.maximumConnections = settings.maximumConnectionsPerDatabase
            configuration.options.connectTimeout = settings.connectTimeout
            var clientLogger = logger
            clientLogger[metadataKey: "database"] = "\(database)"
            let client = PostgresClient(configuration: configuration, backgroundLogger: clientLogger)
            clients[database] = client
            newClientsContinuation.yield(client)
            return client
        }
    }

    public func run() async throws {
        await withDiscardingTaskGroup { group in
            for await client in newClients.cancelOnGracefulShutdown() {
                group.addTask { await client.run() }
            }
            group.cancelAll()
        }
    }
}
