extension Tokenizer {
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

    func openSIV(_ value: String) throws(TokenizationError) -> String {
        guard let (keyID, body) = split(value, prefix: Self.sivPrefix) else {
            throw TokenizationError(.notAToken, "not an siv token (expected tks_<key id>_<data>)")
        }
        guard let key = try requireKeys(.siv).key(id: keyID) else {
            throw TokenizationError(.unknownKey, "siv token written with key \(keyID), which is not in TOKEN_KEYS_FILE")
        }
        guard let sealed = Base64URL.decode(body),
            let plaintext = key.siv.open(sealed, header: key.sivHeader),
            let text = String(validating: plaintext, as: UTF8.self)
        else {
            throw TokenizationError(.notAToken, "the value does not authenticate as an siv token of key \(keyID)")
        }
        return text
    }
}
