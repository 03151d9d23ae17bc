import Resilience

/// A failure talking to a warehouse, with a message that says what to do.
public typealias WarehouseError = ServiceError<WarehouseErrorCode>

public enum WarehouseErrorCode: String, ErrorCode {
    case tableNotFound = "table_not_found"
    case columnNotFound = "column_not_found"
    case columnNotText = "column_not_text"
    /// A column too narrow for the scheme's tokens.
    case columnTooNarrow = "column_too_narrow"
    /// The warehouse cannot be reached, or refused for a reason that passes (connection lost, server
    /// restarting, overloaded, 429/503 after retries): the run resumes later.
    case unavailable
    /// A statement failed for a reason that will not pass by waiting.
    case statement
    /// The credentials were refused.
    case unauthorized
    case notConfigured = "not_configured"
    case unsupported
    case tokenization
    /// The run was asked to stop (shutdown deadline) at a batch boundary; it resumes later.
    case interrupted

    public var isTransient: Bool { self == .unavailable || self == .interrupted }
}

extension ServiceError where Code == WarehouseErrorCode {
    /// - Parameter table: the table the failure is about.
    public init(_ code: WarehouseErrorCode, _ message: String, table: TableReference?) {
        self.init(code, message, context: table.map { ["table": "\($0)"] } ?? [:])
    }
}
