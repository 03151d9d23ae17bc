import Foundation

/// The proof-of-concept token format `tok_<base64(utf8 value)>_poc`, kept for compatibility.
///
/// Standard base64 with padding and no line breaks. It is reversible by anyone: it hides values from a
/// casual glance, not from an attacker. Deterministic, so the same value always gives the same token.
public struct PocTokenScheme: Sendable {
    public static let prefix = "tok_"
    public static let suffix = "_poc"
    /// The pattern of an already-tokenized value, as a POSIX regular expression for databases.
    public static let tokenPattern = "^tok_[A-Za-z0-9+/=]+_poc$"

    public init() {}

    /// The token for a value.
    public func token(for value: String) -> String {
        Self.prefix + Data(value.utf8).base64EncodedString() + Self.suffix
    }

    /// Whether a value already has the token shape (`^tok_[A-Za-z0-9+/=]+_poc$`).
    public func isToken(_ value: String) -> Bool {
        let utf8 = value.utf8
        guard utf8.count > Self.prefix.utf8.count + Self.suffix.utf8.count,
            value.hasPrefix(Self.prefix), value.hasSuffix(Self.suffix)
        else { return false }
        let body = utf8.dropFirst(Self.prefix.utf8.count).dropLast(Self.suffix.utf8.count)
        return body.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="):
                return true
            default:
                return false
            }
        }
    }
}
