import Resilience

/// A bad API tokens file or policy file: the message names the file and line and says what to write.
public typealias AccessError = ServiceError<AccessErrorCode>

public enum AccessErrorCode: String, ErrorCode {
    /// `API_TOKENS_FILE` cannot be read or has a bad line.
    case apiTokensFile = "api_tokens_file"
    /// `TOKENIZE_POLICY_FILE` cannot be read, is not YAML, or says something the service cannot apply.
    case policyFile = "policy_file"
}

extension ServiceError where Code == AccessErrorCode {
    init(_ code: AccessErrorCode, _ message: String, line: Int?) {
        self.init(code, message, context: line.map { ["line": "\($0)"] } ?? [:])
    }
}
