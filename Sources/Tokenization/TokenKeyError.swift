import Resilience

/// A failure loading or using token keys, with a message that says what to fix. Never holds key material.
public struct TokenKeyError: CodedError, Equatable {
    public enum Code: String, Sendable {
        case missingFile = "missing_file"
        case malformedLine = "malformed_line"
        case badSecret = "bad_secret"
        case duplicateKeyID = "duplicate_key_id"
        case empty
    }

    public var code: Code
    public var message: String
    /// The 1-based line of the keys file the error is about, if any.
    public var line: Int?

    public init(_ code: Code, _ message: String, line: Int? = nil) {
        self.code = code
        self.message = message
        self.line = line
    }

    public var context: [String: String] { line.map { ["line": "\($0)"] } ?? [:] }
}
