/// The token schemes, chosen per service (`TOKEN_SCHEME`) and per column.
public enum TokenSchemeName: String, Sendable, CaseIterable, Codable {
    /// `tok_<base64>_poc`: reversible by anyone; kept for compatibility only.
    case poc
    /// `tkh_<key id>_<base64url HMAC-SHA256>`: keyed, irreversible pseudonyms.
    case hmac
    /// `tks_<key id>_<base64url AES-SIV>`: deterministic authenticated encryption, reversible with the key.
    case siv
    /// NIST FF1: same length, digits stay digits, letters and digits stay alphanumeric.
    case ff1

    /// Whether a database can compute the token itself (no row leaves the database).
    public var canPushDown: Bool { self == .poc || self == .hmac }
}
