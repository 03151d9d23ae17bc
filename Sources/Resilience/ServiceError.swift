/// The codes of one kind of error: a `String` enum, with which codes are worth retrying.
public protocol ErrorCode: RawRepresentable, Hashable, Sendable where RawValue == String {
    /// Whether an error with this code may succeed when tried again later (default: no).
    var isTransient: Bool { get }
    /// What the error is about, shown before the message (`Kafka: …`); nil shows the message alone.
    static var subject: String? { get }
}

extension ErrorCode {
    public var isTransient: Bool { false }
    public static var subject: String? { nil }
}

/// An error of the service: a code from one `ErrorCode` enum, a message that says what to do, and context.
/// Every part of the service declares its codes and names its error, e.g.
/// `public typealias WarehouseError = ServiceError<WarehouseErrorCode>`.
public struct ServiceError<Code: ErrorCode>: CodedError, Equatable {
    public var code: Code
    public var message: String
    public var context: [String: String]

    public init(_ code: Code, _ message: String, context: [String: String] = [:]) {
        self.code = code
        self.message = message
        self.context = context
    }

    public var isTransient: Bool { code.isTransient }
    public var description: String { Code.subject.map { "\($0): \(message)" } ?? message }
}
