import Foundation

/// How a value is normalized before its token is computed, per dataset or column (policy `tables[].normalization`,
/// or a `tokenize/normalize:<form>` tag).
///
/// The default is byte-exact: a token stands for exactly the bytes the column held. With `nfc`, the same name
/// written in composed and decomposed form (`é` as one code point or as `e` + U+0301) gets one token, so joins
/// between systems that normalize differently keep working; `nfcCasefold` also lowercases (Unicode's default
/// case mapping, without language rules), for e-mail addresses. A reversible token then gives back the normalized
/// value. Changing a column's normalization changes its tokens: a rekey run moves `siv` and `ff1` tokens to it;
/// `hmac` tokens cannot move.
public enum Normalization: String, Sendable, Codable, CaseIterable, Hashable {
    case none
    case nfc
    case nfcCasefold = "nfc-casefold"

    /// The value as its token is computed from.
    public func apply(_ value: String) -> String {
        switch self {
        case .none: return value
        case .nfc: return value.precomposedStringWithCanonicalMapping
        case .nfcCasefold: return value.precomposedStringWithCanonicalMapping.lowercased().precomposedStringWithCanonicalMapping
        }
    }

    /// Whether `value` is already in normalization form C (compared byte by byte: Swift's `==` would call a value and
    /// its NFC twin equal).
    public static func isNFC(_ value: String) -> Bool {
        // ASCII is always NFC; most values are, so they skip the conversion.
        if value.utf8.allSatisfy({ $0 < 0x80 }) { return true }
        return Array(value.precomposedStringWithCanonicalMapping.utf8) == Array(value.utf8)
    }
}
