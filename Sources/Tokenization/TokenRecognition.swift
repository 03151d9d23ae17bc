/// What a value is, as far as one scheme can tell.
public enum TokenRecognition: Sendable, Equatable {
    /// Plaintext (or something this scheme did not write): it needs a token.
    case plaintext
    /// A token written with this key (nil for `poc`, which has none).
    case token(keyID: String?)
}
