import Resilience

/// A setting that is missing or malformed; the message names the variable and what to set.
public struct ConfigurationError: CodedError, Equatable {
    public enum Code: String, Sendable {
        case missing
        case invalid
    }

    public var code: Code
    public var variable: String
    public var message: String

    public init(_ code: Code, variable: String, _ message: String) {
        self.code = code
        self.variable = variable
        self.message = message
    }

    public var context: [String: String] { ["variable": variable] }
    public var description: String { "configuration: \(variable): \(message)" }
}
