import Resilience

/// A tokenization failure that says what to do. Never holds key material or a plaintext value.
public struct TokenizationError: CodedError, Equatable {
    public enum Code: String, Sendable {
        /// The scheme needs keys and `TOKEN_KEYS_FILE` is not set.
        case keysRequired = "keys_required"
        /// hmac and poc tokens cannot be reversed.
        case irreversible
        /// The value is not a token of the scheme.
        case notAToken = "not_a_token"
        /// The token names a key that is not configured.
        case unknownKey = "unknown_key"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}
