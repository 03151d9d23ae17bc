import Resilience

/// A tokenization failure that says what to do. Never holds key material or a plaintext value.
public typealias TokenizationError = ServiceError<TokenizationErrorCode>

public enum TokenizationErrorCode: String, ErrorCode {
    /// The scheme needs keys and `TOKEN_KEYS_FILE` is not set.
    case keysRequired = "keys_required"
    /// hmac and poc tokens cannot be reversed.
    case irreversible
    /// The value is not a token of the scheme.
    case notAToken = "not_a_token"
    /// The token names a key that is not configured.
    case unknownKey = "unknown_key"
}
