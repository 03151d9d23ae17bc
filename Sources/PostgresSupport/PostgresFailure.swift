import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import Resilience

/// A PostgreSQL failure in the service's terms: what went wrong in words (the server's message and SQLSTATE,
/// or the connection problem), and whether waiting can fix it.
public typealias PostgresFailure = ServiceError<PostgresFailureCode>

public enum PostgresFailureCode: String, ErrorCode {
    /// The server cannot be reached, closed the connection, is starting or shutting down, or is out of
    /// resources; or a transaction lost a serialization race: retry.
    case unavailable
    /// The server rejected a statement.
    case statement
    /// Credentials or TLS settings were refused.
    case authentication
    /// Settings the service cannot use.
    case configuration
    /// The server refused a value the statement carried (SQLSTATE class 22, data exception: a NUL byte in text, an
    /// invalid byte sequence, a value too long for its column). The same value is refused every time: whatever
    /// brought it (a Kafka message, a request) is recorded as refused, never retried.
    case refusedValue = "refused_value"

    public var isTransient: Bool { self == .unavailable }
}

extension ServiceError where Code == PostgresFailureCode {
    public init(_ code: PostgresFailureCode, _ message: String, sqlState: String) {
        self.init(code, message, context: ["sqlstate": sqlState])
    }

    /// The SQLSTATE the server sent, if any.
    public var sqlState: String? { context["sqlstate"] }

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
        if let decoding = error as? PostgresDecodingError {
            // The service read a column as the wrong type: a defect, never fixed by waiting. The cell's bytes stay out.
            self.init(
                .statement,
                "column \(decoding.columnName) (#\(decoding.columnIndex), PostgreSQL type \(decoding.postgresType)) could not be read as "
                    + "\(decoding.targetType) (\(decoding.code)); report this as a defect"
            )
            return
        }
        guard let psql = error as? PSQLError else {
            self.init(.unavailable, "PostgreSQL: \(error)")
            return
        }
        if let message = psql.serverInfo?[.message] {
            let state = psql.serverInfo?[.sqlState] ?? ""
            let code: Code =
                Self.isTransient(sqlState: state)
                ? .unavailable : state.hasPrefix("28") ? .authentication : state.hasPrefix("22") ? .refusedValue : .statement
            // Refused credentials (class 28): the server's words, then the settings that hold them.
            let advice = code == .authentication ? "; check POSTGRES_USER and POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE)" : ""
            self.init(code, "\(message) (SQLSTATE \(state))\(advice)", sqlState: state)
            return
        }
        if let tls = psql.underlying.flatMap(Self.tlsProblem) {
            self.init(
                .authentication,
                "the TLS handshake with PostgreSQL failed: \(tls); check POSTGRES_SSLMODE, POSTGRES_SSLROOTCERT and that POSTGRES_HOST is a "
                    + "name in the server's certificate"
            )
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

extension ServiceError where Code == PostgresFailureCode {
    /// The TLS problem behind a connection error, in words, if it was one.
    static func tlsProblem(_ error: any Error) -> String? {
        switch error {
        case let error as NIOSSLExtraError where error == .failedToValidateHostname:
            return "the server's certificate does not name the host connected to (\(error))"
        case let error as NIOSSLExtraError:
            return "\(error)"
        case let error as NIOSSLError:
            if case .handshakeFailed(let reason) = error { return "the server's certificate was not accepted (\(reason))" }
            return "\(error)"
        default:
            return nil
        }
    }
}

extension PostgresConnection {
    /// Throws `.unavailable` when the connection is closed (the server restarted or went away).
    ///
    /// With postgres-nio 1.33 a statement written to a connection that is already closed never returns, not even
    /// on task cancellation (the write's failure is dropped), while one in flight when the connection closes fails
    /// as it should. A connection held across statements (a run's session, a transaction while tokens are computed,
    /// a dataset lock) is idle when a server restart closes it, so every statement on it goes through `guarded`:
    /// this check refuses a connection known closed, and `ClosedConnectionWatch` fails a statement that lost the
    /// race with the close (the connection closing between this check and the statement's write).
    public func ensureOpen() throws(PostgresFailure) {
        if isClosed {
            throw PostgresFailure(.unavailable, "the connection to PostgreSQL was closed (the server restarted or went away)")
        }
    }
}

extension ServiceError where Code == PostgresFailureCode {
    /// `error` classified where it arises: postgres-nio's errors become a `PostgresFailure` (transient or not, with
    /// the server's message instead of postgres-nio's generic description); cancellation and errors that are
    /// already classified pass as they are.
    public static func classified(_ error: any Error) -> any Error {
        if error is CancellationError || error is any CodedError { return error }
        return PostgresFailure(error)
    }
}

extension PostgresConnection {
    /// `query`, refusing a closed connection first and failing when the connection closes unanswered (see
    /// `ensureOpen`). Failures are `PostgresFailure`s.
    @discardableResult
    public func guardedQuery(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        try ensureOpen()
        do {
            return try await answeredUnlessClosed { try await self.query(query, logger: logger) }
        } catch {
            throw PostgresFailure.classified(error)
        }
    }

    /// `copyFrom`, refusing a closed connection first and failing when the connection closes unanswered (see
    /// `ensureOpen`). Failures are `PostgresFailure`s.
    public func guardedCopy(table: String, columns: [String] = [], data: ByteBuffer, logger: Logger) async throws {
        try ensureOpen()
        do {
            try await answeredUnlessClosed {
                try await self.copyFrom(table: table, columns: columns, logger: logger) { writer in try await writer.write(data) }
            }
        } catch {
            throw PostgresFailure.classified(error)
        }
    }
}

extension PostgresConnection {
    /// Runs `work` between BEGIN and COMMIT; rolls back when it throws.
    ///
    /// postgres-nio's own `withTransaction` issues ROLLBACK after a failure even when the failure was the connection
    /// closing, and that ROLLBACK never returns (see `ensureOpen`). Here every statement is guarded, and a closed
    /// connection is not rolled back: the server rolled the transaction back when the session ended.
    public func guardedTransaction<Result>(
        logger: Logger, isolation: isolated (any Actor)? = #isolation, _ work: (PostgresConnection) async throws -> sending Result
    ) async throws -> sending Result {
        try await guardedQuery("BEGIN", logger: logger)
        let value: Result
        do {
            value = try await work(self)
        } catch {
            if !isClosed { _ = try? await guardedQuery("ROLLBACK", logger: logger) }
            throw error
        }
        try await guardedQuery("COMMIT", logger: logger)
        return value
    }
}

extension PostgresClient {
    /// One statement on a pooled connection, with `PostgresConnection.guardedQuery`; its rows are read before the
    /// connection returns to the pool. postgres-nio's own `PostgresClient.query` writes the statement unguarded (see
    /// `PostgresConnection.ensureOpen`).
    @discardableResult
    public func guardedRows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRow] {
        do {
            return try await withConnection { connection in try await connection.guardedQuery(query, logger: logger).collect() }
        } catch {
            throw PostgresFailure.classified(error)
        }
    }

    /// A transaction on a pooled connection, with `PostgresConnection.guardedTransaction`. Failures are classified
    /// (`PostgresFailure.classified`).
    public func guardedTransaction<Result>(
        logger: Logger, isolation: isolated (any Actor)? = #isolation, _ work: (PostgresConnection) async throws -> sending Result
    ) async throws -> sending Result {
        do {
            return try await withConnection { connection in
                try await connection.guardedTransaction(logger: logger, work)
            }
        } catch {
            throw PostgresFailure.classified(error)
        }
    }

    /// `withConnection`, its failures classified (a pool that cannot connect is `.unavailable`, not postgres-nio's
    /// generic description).
    public func guardedConnection<Result>(
        isolation: isolated (any Actor)? = #isolation, _ work: (PostgresConnection) async throws -> sending Result
    ) async throws -> sending Result {
        do {
            return try await withConnection(work)
        } catch {
            throw PostgresFailure.classified(error)
        }
    }
}
