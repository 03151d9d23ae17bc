import Crypto
import Foundation

/// The token schemes. Chosen per service (`TOKEN_SCHEME`) and per column (DataHub tag `tokenize/scheme:<name>`).
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

    /// The scheme a `tokenize/scheme:<name>` tag URN selects, if it is one.
    public static func fromTag(_ tagURN: String) -> TokenSchemeName? {
        let name = tagURN.hasPrefix("urn:li:tag:") ? String(tagURN.dropFirst("urn:li:tag:".count)) : tagURN
        guard name.lowercased().hasPrefix("tokenize/scheme:") else { return nil }
        return TokenSchemeName(rawValue: String(name.dropFirst("tokenize/scheme:".count)).lowercased())
    }
}

/// A tokenization failure that says what to do.
public struct TokenizationError: Error, CustomStringConvertible, Sendable, Equatable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public static let keysRequired = Code(name: "keys_required")
        public static let irreversible = Code(name: "irreversible")
        public static let notAToken = Code(name: "not_a_token")
        public static let unknownKey = Code(name: "unknown_key")
        public var description: String { name }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// What a value is, as far as one scheme can tell.
public enum TokenRecognition: Sendable, Equatable {
    /// Plaintext (or something this scheme did not write): it needs a token.
    case plaintext
    /// A token written with this key (nil for `poc`, which has none).
    case token(keyID: String?)
}

/// Computes, recognises and reverses tokens for every scheme. Pure and deterministic: the same value, scheme
/// and key ring always give the same token.
public struct Tokenizer: Sendable {
    public let keyring: TokenKeyring?
    private let poc = PocTokenScheme()

    public static let hmacPrefix = "tkh_"
    public static let sivPrefix = "tks_"
    /// Base64url characters of an HMAC-SHA256 digest without padding.
    public static let hmacDigestLength = 43

    public init(keyring: TokenKeyring?) {
        self.keyring = keyring
    }

    func requireKeys(_ scheme: TokenSchemeName) throws(TokenizationError) -> TokenKeyring {
        guard let keyring else {
            throw TokenizationError(
                .keysRequired, "scheme \(scheme.rawValue) needs keys: set TOKEN_KEYS_FILE to a file of KEY_ID=BASE64_SECRET lines")
        }
        return keyring
    }

    // MARK: - Tokens

    /// The token of `value` under `scheme`, written with the newest key.
    public func token(for value: String, scheme: TokenSchemeName) throws(TokenizationError) -> String {
        switch scheme {
        case .poc:
            return poc.token(for: value)
        case .hmac:
            return hmacToken(value, key: try requireKeys(scheme).newest)
        case .siv:
            return sivToken(value, key: try requireKeys(scheme).newest)
        case .ff1:
            return ff1Token(value, key: try requireKeys(scheme).newest)
        }
    }

    func hmacToken(_ value: String, key: TokenKey) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(value.utf8), using: key.hmacKey)
        return Self.hmacPrefix + key.id + "_" + Base64URL.encode(Array(mac))
    }

    func sivToken(_ value: String, key: TokenKey) -> String {
        let sealed = AESSIV(key: key.sivKey).seal(Array(value.utf8), associatedData: [Array(key.id.utf8)])
        return Self.sivPrefix + key.id + "_" + Base64URL.encode(sealed)
    }

    /// FF1 over the value's ASCII letters and digits (the local part only, for an email), leaving every
    /// other character where it is. Values whose protected part is below NIST's minimum domain
    /// (radix^length < 1,000,000: fewer than 6 digits, or fewer than 4 alphanumerics) get an `siv` token instead.
    func ff1Token(_ value: String, key: TokenKey) -> String {
        guard let transformed = FormatPreservingCipher(key: key).transform(value, decrypting: false) else {
            return sivToken(value, key: key)
        }
        return transformed
    }

    // MARK: - Recognition

    /// Whether `value` is a token of `scheme` and with which key. For `siv` this is authenticated
    /// decryption, not a pattern. `ff1` tokens look like plaintext and cannot be recognised from the value
    /// alone (warehouses keep a ledger for them); only its `siv` fallback tokens are recognised here.
    public func recognize(_ value: String, scheme: TokenSchemeName) -> TokenRecognition {
        switch scheme {
        case .poc:
            return poc.isToken(value) ? .token(keyID: nil) : .plaintext
        case .hmac:
            guard let (keyID, body) = split(value, prefix: Self.hmacPrefix), keyring?.key(id: keyID) != nil,
                body.utf8.count == Self.hmacDigestLength, Base64URL.decode(body)?.count == 32
            else { return .plaintext }
            return .token(keyID: keyID)
        case .siv, .ff1:
            guard let (keyID, _) = split(value, prefix: Self.sivPrefix), (try? openSIV(value)) != nil else { return .plaintext }
            return .token(keyID: keyID)
        }
    }

    private func split(_ value: String, prefix: String) -> (String, String)? {
        guard value.hasPrefix(prefix) else { return nil }
        let rest = value.dropFirst(prefix.count)
        guard let separator = rest.firstIndex(of: "_") else { return nil }
        let keyID = String(rest[..<separator])
        guard TokenKey.isValidID(keyID) else { return nil }
        return (keyID, String(rest[rest.index(after: separator)...]))
    }

    /// The POSIX regular expression matching `hmac` tokens of any configured key, for database filters.
    public func hmacTokenPattern() throws(TokenizationError) -> String {
        let ids = try requireKeys(.hmac).keys.map(\.id).joined(separator: "|")
        return "^tkh_(\(ids))_[A-Za-z0-9_-]{\(Self.hmacDigestLength)}$"
    }

    // MARK: - Reversal

    /// The plaintext of an `siv` token, or of an `ff1` token written with `ff1KeyID` (default: the newest key).
    /// - Throws: for `hmac` and `poc` tokens (irreversible or not protected), unknown keys, and values that do
    ///   not authenticate.
    public func detokenize(_ value: String, scheme: TokenSchemeName? = nil, ff1KeyID: String? = nil) throws(TokenizationError) -> String {
        let scheme = scheme ?? detectScheme(value)
        switch scheme {
        case .poc:
            throw TokenizationError(
                .irreversible, "poc tokens are not encryption (anyone can base64-decode them); detokenize handles siv and ff1 only")
        case .hmac:
            throw TokenizationError(.irreversible, "hmac tokens are one-way pseudonyms and cannot be reversed; use siv or ff1 for reversible tokens")
        case .siv:
            return try openSIV(value)
        case .ff1:
            if value.hasPrefix(Self.sivPrefix), let plaintext = try? openSIV(value) { return plaintext }  // short-value fallback
            let keyring = try requireKeys(.ff1)
            let key: TokenKey
            if let ff1KeyID {
                guard let found = keyring.key(id: ff1KeyID) else {
                    throw TokenizationError(.unknownKey, "key \(ff1KeyID) is not in TOKEN_KEYS_FILE")
                }
                key = found
            } else {
                key = keyring.newest
            }
            guard let plaintext = FormatPreservingCipher(key: key).transform(value, decrypting: true) else {
                throw TokenizationError(.notAToken, "the value is too short to be an ff1 token")
            }
            return plaintext
        }
    }

    /// The scheme a token's shape suggests: `poc`, `hmac` and `siv` carry markers; anything else is taken as `ff1`.
    public func detectScheme(_ value: String) -> TokenSchemeName {
        if poc.isToken(value) { return .poc }
        if value.hasPrefix(Self.hmacPrefix) { return .hmac }
        if value.hasPrefix(Self.sivPrefix) { return .siv }
        return .ff1
    }

    private func openSIV(_ value: String) throws(TokenizationError) -> String {
        guard let (keyID, body) = split(value, prefix: Self.sivPrefix) else {
            throw TokenizationError(.notAToken, "not an siv token (expected tks_<key id>_<data>)")
        }
        guard let key = try requireKeys(.siv).key(id: keyID) else {
            throw TokenizationError(.unknownKey, "siv token written with key \(keyID), which is not in TOKEN_KEYS_FILE")
        }
        guard let sealed = Base64URL.decode(body),
            let plaintext = AESSIV(key: key.sivKey).open(sealed, associatedData: [Array(keyID.utf8)]),
            let text = String(validating: plaintext, as: UTF8.self)
        else {
            throw TokenizationError(.notAToken, "the value does not authenticate as an siv token of key \(keyID)")
        }
        return text
    }

    // MARK: - Rotation and the ff1 ledger

    /// The `siv` token of `value` re-written with the newest key, or nil when it already uses it.
    public func rekeySIV(_ token: String) throws(TokenizationError) -> String? {
        guard case .token(let keyID?) = recognize(token, scheme: .siv) else {
            throw TokenizationError(.notAToken, "not an siv token of a configured key")
        }
        let keyring = try requireKeys(.siv)
        guard keyID != keyring.newest.id else { return nil }
        return sivToken(try openSIV(token), key: keyring.newest)
    }

    /// A ff1 token re-written from `oldKeyID` to the newest key.
    public func rekeyFF1(_ token: String, from oldKeyID: String) throws(TokenizationError) -> String {
        let plaintext = try detokenize(token, scheme: .ff1, ff1KeyID: oldKeyID)
        return ff1Token(plaintext, key: try requireKeys(.ff1).newest)
    }

    /// A 16-byte keyed digest of an ff1 token, stored in the warehouse's ledger so a later run recognises the
    /// token: the value is a token when its digest under the recorded key matches.
    public func ledgerDigest(of token: String, keyID: String) -> [UInt8]? {
        guard let key = keyring?.key(id: keyID) else { return nil }
        return Array(HMAC<SHA256>.authenticationCode(for: Data(token.utf8), using: key.ledgerKey).prefix(16))
    }

    /// The HMAC key's inner and outer pads (key ⊕ 0x36…, key ⊕ 0x5c…, 64 bytes each) of the newest key, so a
    /// database can compute `sha256(opad || sha256(ipad || message))`, which is exactly HMAC-SHA256.
    /// Secret: bind them as parameters, never log them.
    public func hmacPads() throws(TokenizationError) -> (keyID: String, inner: [UInt8], outer: [UInt8]) {
        let key = try requireKeys(.hmac).newest
        var block = key.hmacKey.withUnsafeBytes { Array($0) }  // 32 bytes ≤ the 64-byte block: used as is
        block += [UInt8](repeating: 0, count: 64 - block.count)
        return (key.id, block.map { $0 ^ 0x36 }, block.map { $0 ^ 0x5c })
    }
}

/// Lower-case hexadecimal, for digests and keys handed to databases as text parameters.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        var text = [UInt8]()
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The bytes of an even-length hex string, or nil when it is not one.
    public static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}

/// Unpadded base64url (RFC 4648 §5).
enum Base64URL {
    static func encode(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        text = text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }

    static func decode(_ text: String) -> [UInt8]? {
        guard text.utf8.allSatisfy({ byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }) else { return nil }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.utf8.count % 4) % 4)
        return Data(base64Encoded: standard).map(Array.init)
    }
}
