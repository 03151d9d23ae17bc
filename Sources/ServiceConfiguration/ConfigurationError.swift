import Resilience

/// A setting that is missing or malformed; the message names the variable and what to set.
public typealias ConfigurationError = ServiceError<ConfigurationErrorCode>

public enum ConfigurationErrorCode: String, ErrorCode {
    case missing
    case invalid

    public static var subject: String? { "configuration" }
}

extension ServiceError where Code == ConfigurationErrorCode {
    public init(_ code: ConfigurationErrorCode, variable: String, _ message: String) {
        self.init(code, "\(variable): \(message)", context: ["variable": variable])
    }

    /// The environment variable the error is about.
    public var variable: String { context["variable"] ?? "" }
}
