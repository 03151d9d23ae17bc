import Resilience

/// A failure loading token keys, with a message that says what to fix. Never holds key material.
public typealias TokenKeyError = ServiceError<TokenKeyErrorCode>

public enum TokenKeyErrorCode: String, ErrorCode {
    case missingFile = "missing_file"
    case malformedLine = "malformed_line"
    case badSecret = "bad_secret"
    case duplicateKeyID = "duplicate_key_id"
    case empty
}

extension ServiceError where Code == TokenKeyErrorCode {
    /// - Parameter line: the 1-based line of the keys file the error is about.
    init(_ code: TokenKeyErrorCode, _ message: String, line: Int) {
        self.init(code, message, context: ["line": "\(line)"])
    }
}
