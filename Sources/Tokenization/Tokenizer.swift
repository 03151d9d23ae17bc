import Crypto
import Foundation

/// Computes, recognises and reverses tokens for every scheme. Pure and deterministic: the same value, scheme
/// and key ring always give the same token.
public struct Tokenizer: Sendable {
    public let keyring: TokenKeyring?
    let poc = PocTokenScheme()

    public static let hmacPrefix = "tkh_"
    public static let sivPrefix = "tks_"
    /// Base64url characters of an HMAC-SHA256 digest without padding.
    public static let hmacDigestLength = 43

    /// The length of an `hmac` token written with `keyID`.
    public static func hmacTokenLength(keyID: String) -> Int {
        hmacPrefix.utf8.count + keyID.utf8.count + 1 + hmacDigestLength
    }

    /// The ids of the configured keys, oldest first (empty without keys).
    public var keyIDs: [String] { keyring?.keys.map(\.id) ?? [] }

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

    /// Whether a value holds nothing to protect: empty, or only spaces, tabs, line feeds, vertical tabs, form feeds and
    /// carriage returns (the set the warehouses' SQL tests too). Such values are left as they are, like NULL.
    public static func holdsNothing(_ value: String) -> Bool {
        value.utf8.allSatisfy { $0 == 0x20 || (0x09...0x0D).contains($0) }
    }

    // MARK: - Tokens

    /// The token of `value` normalized as `normalization` asks, under `scheme`, written with the newest key.
    public func token(for value: String, scheme: TokenSchemeName, normalization: Normalization) throws(TokenizationError) -> String {
        try token(for: normalization.apply(value), scheme: scheme)
    }

    /// The letters and digits of `value` that an `ff1` token transforms (the local part's, for an e-mail address).
    public static func ff1Letters(in value: String) -> Int {
        let bytes = value.utf8
        let end = bytes.lastIndex(of: UInt8(ascii: "@")) ?? bytes.endIndex
        return bytes[..<end].reduce(0) { $0 + (FormatPreservingCipher.numeral(ofASCII: $1) == nil ? 0 : 1) }
    }

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
        var mac = key.hmacStart
        var value = value
        value.withUTF8 { mac.update(data: UnsafeRawBufferPointer($0)) }
        return Self.hmacPrefix + key.id + "_" + Base64URL.encode(Array(mac.finalize()))
    }

    func sivToken(_ value: String, key: TokenKey) -> String {
        let sealed = key.siv.seal(Array(value.utf8), header: key.sivHeader)
        return Self.sivPrefix + key.id + "_" + Base64URL.encode(sealed)
    }

    /// The fewest letters and digits (of a value with letters) or digits (of a value of digits only) that an `ff1`
    /// token transforms: NIST's minimum domain, radix^length ≥ 1,000,000.
    public static let ff1MinimumLetters = 4
    public static let ff1MinimumDigits = 6
    /// The most letters and digits an `ff1` token transforms; a longer value gets an `siv` token.
    public static let ff1MaximumLength = 4_096

    /// FF1 over the value's ASCII letters and digits (the local part only, for an email), leaving every
    /// other character where it is. Values whose protected part is below NIST's minimum domain
    /// (radix^length < 1,000,000: fewer than 6 digits, or fewer than 4 alphanumerics), or longer than
    /// `ff1MaximumLength`, get an `siv` token instead.
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

    func split(_ value: String, prefix: String) -> (String, String)? {
        guard value.hasPrefix(prefix) else { return nil }
        let rest = value.dropFirst(prefix.count)
        guard let separator = rest.firstIndex(of: "_") else { return nil }
        let keyID = String(rest[..<separator])
        guard TokenKey.isValidID(keyID) else { return nil }
        return (keyID, String(rest[rest.index(after: separator)...]))
    }
}
