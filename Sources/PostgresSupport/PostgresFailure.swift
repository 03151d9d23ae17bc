import PostgresNIO
import Resilience

/// A PostgreSQL failure in the service's terms: what went wrong in words (the server's message and SQLSTATE,
/// or the connection problem), and whether waiting can fix it.
public struct PostgresFailure: CodedError {
    public enum Code: String, Sendable {
        /// The server cannot be reached, closed the connection, is starting or shutting down, or is out of
        /// resources; or a transaction lost a serialization race: retry.
        case unavailable
        /// The server rejected a statement.
        case statement
        /// Credentials or TLS settings were refused.
        case authentication
        /// Settings the service cannot use.
        case configuration
    }

    public var code: Code
    public var message: String
    /// The SQLSTATE the server sent, if any.
    public var sqlState: String?

    public init(_ code: Code, _ message: String, sqlState: String? = nil) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
    }

    public var isTransient: Bool { code == .unavailable }
    public var context: [String: String] { sqlState.map { ["sqlstate": $0] } ?? [:] }

    /// SQLSTATE classes and codes that pass by waiting: connection exceptions (08), insufficient resources
    /// (53), operator intervention such as shutdown or restart (57P01–57P03), serialization failures and
    /// deadlocks (40001, 40P01), and `cannot_connect_now`.
    static func isTransient(sqlState: String) -> Bool {
        ["08", "53"].contains(String(sqlState.prefix(2))) || ["57P01", "57P02", "57P03", "40001", "40P01"].contains(sqlState)
    }

    /// Maps any error thrown by postgres-nio (transaction wrappers included).
    public init(_ error: any Error) {
        if let failure = error as? PostgresFailure {
            self = failure
            return
        }
        if let transaction = error as? PostgresTransactionError {
            self.init(transaction.closureError ?? transaction.beginError ?? transaction.commitError ?? transaction.rollbackError ?? error)
            return
        }
        guard let psql = error as? PSQLError else {
            self.init(.unavailable, "PostgreSQL: \(error)")
            return
        }
        if let message = psql.serverInfo?[.message] {
            let state = psql.serverInfo?[.sqlState] ?? ""
            let code: Code =
                Self.isTransient(sqlState: state) ? .unavailable : (state.hasPrefix("28") ? .authentication : .statement)
            self.init(code, "\(message) (SQLSTATE \(state))", sqlState: state)
            return
        }
        switch psql.code {
        case .sslUnsupported, .failedToAddSSLHandler, .receivedUnencryptedDataAfterSSLRequest, .unsupportedAuthMechanism,
            .authMechanismRequiresPassword, .saslError:
            self.init(.authentication, "the connection was refused: \(psql.code); check POSTGRES_SSLMODE and the credentials")
        default:
            self.init(.unavailable, "connection problem: \(psql.code)")
        }
    }
}
