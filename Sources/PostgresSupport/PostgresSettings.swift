/// How to protect the connection, with libpq's `sslmode` meanings.
public enum PostgresSSLMode: String, Sendable, CaseIterable, Equatable {
    /// Plain TCP.
    case disable
    /// TLS when the server offers it, without checking its certificate; plain otherwise.
    case prefer
    /// TLS or no connection, without checking the certificate (unless a root certificate is given, when it
    /// is checked as in `verify-ca`, as libpq does).
    case require
    /// TLS, and the certificate must chain to the root certificate (`POSTGRES_SSLROOTCERT`).
    case verifyCA = "verify-ca"
    /// TLS, the certificate must chain to the root certificate, and name the host connected to.
    case verifyFull = "verify-full"
}

/// Connection settings for a PostgreSQL server: the one holding the datasets, and the service's own state.
public struct PostgresSettings: Sendable, Equatable {
    public var host: String
    /// Default 5432.
    public var port: Int
    public var username: String
    public var password: String?
    /// Database used by readiness checks and catalog checks (default `postgres`).
    public var maintenanceDatabase: String
    /// Upper bound on pooled connections per database (default 8).
    public var maximumConnectionsPerDatabase: Int
    /// Connect timeout (default 10 s).
    public var connectTimeout: Duration
    /// `POSTGRES_SSLMODE` (default `prefer`).
    public var sslMode: PostgresSSLMode
    /// `POSTGRES_SSLROOTCERT`: a PEM file of trusted root certificates.
    public var sslRootCertificate: String?
    /// The `application_name` the server shows for these connections (`pg_stat_activity`, logs).
    public var applicationName: String

    public init(
        host: String, port: Int = 5432, username: String, password: String?, maintenanceDatabase: String = "postgres",
        maximumConnectionsPerDatabase: Int = 8, connectTimeout: Duration = .seconds(10), sslMode: PostgresSSLMode = .prefer,
        sslRootCertificate: String? = nil, applicationName: String = "tokenize-action"
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.maintenanceDatabase = maintenanceDatabase
        self.maximumConnectionsPerDatabase = maximumConnectionsPerDatabase
        self.connectTimeout = connectTimeout
        self.sslMode = sslMode
        self.sslRootCertificate = sslRootCertificate
        self.applicationName = applicationName
    }
}
