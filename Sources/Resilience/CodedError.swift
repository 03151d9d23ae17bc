/// The one error shape of the service: a stable code, a message that says what to do, and context.
///
/// Every error type the service throws adopts it, so logs, run records and HTTP bodies show the same three
/// parts, and every caller can ask the one question the durability rule needs: *is this worth retrying?*
/// A transient error ("unavailable, retry": a dependency down, a timeout, HTTP 5xx or 429) leaves the work
/// where it was to be tried again; a permanent one ("wrong, record and move on") is recorded and surfaced.
public protocol CodedError: Error, CustomStringConvertible, Sendable {
    /// The error's codes: one case per distinct cause, raw value in `snake_case` (for metrics and tests).
    associatedtype Code: RawRepresentable & Hashable & Sendable where Code.RawValue == String

    /// What went wrong, as a stable category.
    var code: Code { get }
    /// What went wrong and what to do about it, in words; never a secret.
    var message: String { get }
    /// Where it happened: a table, an operation, a variable, a Kafka position…
    var context: [String: String] { get }
    /// Whether trying the same thing again later may succeed.
    var isTransient: Bool { get }
}

extension CodedError {
    public var context: [String: String] { [:] }
    public var isTransient: Bool { false }
    public var description: String { message }

    /// `code: message (key=value, …)`, for logs.
    public var detailedDescription: String {
        let pairs = context.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
        return pairs.isEmpty ? "\(code.rawValue): \(message)" : "\(code.rawValue): \(message) (\(pairs))"
    }
}

extension Error {
    /// Whether the error is worth retrying: a transient `CodedError`; anything else is permanent, except
    /// cancellation, which is neither and is rethrown by the retry helper.
    public var isTransientFailure: Bool {
        (self as? any CodedError)?.isTransient ?? false
    }
}
