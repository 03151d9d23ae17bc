import Crypto
import Foundation

/// What an erasure request needs of the key ring: every token a person's value may have become in a warehouse,
/// and the request's identifiers sealed while it is open and reduced to a keyed digest after.
extension Tokenizer {
    /// Every form `value` may take in a tokenized column: the value itself, in each normalization, and its `hmac`,
    /// `siv` and `ff1` tokens under every key of the ring (an older key's tokens stay until a rekey moves them). Sorted,
    /// each once. Without keys: the value's normalized forms only.
    public func subjectForms(of value: String) -> [String] {
        var forms: Set<String> = []
        for normalization in Normalization.allCases {
            let normalized = normalization.apply(value)
            forms.insert(normalized)
            for key in keyring?.keys ?? [] {
                forms.insert(hmacToken(normalized, key: key))
                forms.insert(sivToken(normalized, key: key))
                forms.insert(ff1Token(normalized, key: key))
            }
        }
        return forms.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// The prefix of a sealed identifier (`es_<key id>_<base64url>`).
    public static let subjectSealPrefix = "es_"

    /// `text` sealed with the newest key's erasure subkey (AES-SIV, the key id as associated data).
    public func sealSubject(_ text: String) throws(TokenizationError) -> String {
        let key = try requireKeys(.siv).newest
        let sealed = key.subjectSIV.seal(Array(text.utf8), associatedData: [Array(key.id.utf8)])
        return Self.subjectSealPrefix + key.id + "_" + Base64URL.encode(sealed)
    }

    /// The text of a sealed identifier.
    /// - Throws: when its key is not in the ring or it does not authenticate.
    public func openSubject(_ sealed: String) throws(TokenizationError) -> String {
        let body = sealed.dropFirst(Self.subjectSealPrefix.count)
        guard sealed.hasPrefix(Self.subjectSealPrefix), let separator = body.firstIndex(of: "_") else {
            throw TokenizationError(.notAToken, "not a sealed erasure identifier")
        }
        let keyID = String(body[..<separator])
        guard let key = try requireKeys(.siv).key(id: keyID) else {
            throw TokenizationError(.unknownKey, "key \(keyID) is not in TOKEN_KEYS_FILE: the erasure identifiers it sealed cannot be read")
        }
        guard let bytes = Base64URL.decode(String(body[body.index(after: separator)...])),
            let plain = key.subjectSIV.open(bytes, associatedData: [Array(keyID.utf8)]), let text = String(validating: plain, as: UTF8.self)
        else {
            throw TokenizationError(.notAToken, "a sealed erasure identifier does not authenticate under key \(keyID)")
        }
        return text
    }

    /// The keyed digest (`<key id>:<hex HMAC-SHA256>`) that stands for `text` once its request is closed: whoever holds
    /// the key ring can tell whether a given person's request was fulfilled; nobody can read who it was.
    public func subjectDigest(_ text: String, keyID: String? = nil) throws(TokenizationError) -> String {
        let keyring = try requireKeys(.hmac)
        let key: TokenKey
        if let keyID {
            guard let found = keyring.key(id: keyID) else { throw TokenizationError(.unknownKey, "key \(keyID) is not in TOKEN_KEYS_FILE") }
            key = found
        } else {
            key = keyring.newest
        }
        let mac = HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key.subjectDigestKey)
        return key.id + ":" + Hex.encode(Array(mac))
    }
}
