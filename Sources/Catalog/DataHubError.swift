import Resilience

/// A failure talking to DataHub GMS, with a message that says what to do.
public typealias DataHubError = ServiceError<DataHubErrorCode>

public enum DataHubErrorCode: String, ErrorCode {
    /// GMS could not be reached, timed out, or answered 5xx or 429: retry.
    case unavailable
    /// 401/403: the token is missing or lacks privileges.
    case unauthorized
    /// GraphQL `errors`, a 4xx, or a mutation that reported failure.
    case graphQL = "graphql"
    /// The entity (tag, structured property) already exists.
    case alreadyExists = "already_exists"
    /// The response was not the JSON expected.
    case malformedResponse = "malformed_response"

    public var isTransient: Bool { self == .unavailable }
    public static var subject: String? { "DataHub" }
}

extension ServiceError where Code == DataHubErrorCode {
    /// - Parameter operationName: the GraphQL operation that failed.
    public init(_ code: DataHubErrorCode, _ message: String, operationName: String?) {
        self.init(code, operationName.map { "\($0): \(message)" } ?? message, context: operationName.map { ["operation": $0] } ?? [:])
    }
}
