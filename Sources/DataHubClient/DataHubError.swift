import Resilience

/// A failure talking to DataHub GMS, with a message that says what to do.
public struct DataHubError: CodedError {
    public enum Code: String, Sendable {
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
    }

    public var code: Code
    public var message: String
    public var operationName: String?

    public init(_ code: Code, _ message: String, operationName: String? = nil) {
        self.code = code
        self.message = message
        self.operationName = operationName
    }

    public var isTransient: Bool { code == .unavailable }
    public var context: [String: String] { operationName.map { ["operation": $0] } ?? [:] }
    public var description: String { operationName.map { "DataHub \($0): \(message)" } ?? "DataHub: \(message)" }
}
