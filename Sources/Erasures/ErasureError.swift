import Resilience

/// Why an erasure request was refused or could not go on.
public typealias ErasureError = ServiceError<ErasureErrorCode>

public enum ErasureErrorCode: String, ErrorCode {
    /// A field of the request is missing or wrong (`context["field"]` names it).
    case invalidRequest = "invalid_request"
    /// The caller may not file or decide erasure requests (policy `erasure`).
    case forbidden
    /// No such request.
    case notFound = "not_found"
    /// The request is not in a state that allows it (approving a complete request, say).
    case conflict
    /// The key ring is missing or lacks the key that sealed the request's identifiers.
    case keys
    /// DataHub or a warehouse did not answer; the request is retried.
    case unavailable

    public var isTransient: Bool { self == .unavailable }
    public static var subject: String? { "erasure" }
}

extension ErasureError {
    /// A refused field: its name in `context["field"]` and in the message.
    static func field(_ name: String, _ reason: String) -> ErasureError {
        ErasureError(.invalidRequest, "\(name): \(reason)", context: ["field": name])
    }
}
