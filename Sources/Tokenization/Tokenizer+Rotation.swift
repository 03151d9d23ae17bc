import Crypto
import Foundation

extension Tokenizer {
    /// The `siv` token of `value` re-written with the newest key and its value in `normalization`'s form, or nil
    /// when it already uses that key and form.
    public func rekeySIV(_ token: String, normalization: Normalization = .none) throws(TokenizationError) -> String? {
        guard case .token(let keyID?) = recognize(token, scheme: .siv) else {
            throw TokenizationError(.notAToken, "not an siv token of a configured key")
        }
        let keyring = try requireKeys(.siv)
        if keyID == keyring.newest.id && normalization == .none { return nil }
        let plaintext = try openSIV(token)
        let normalized = normalization.apply(plaintext)
        if keyID == keyring.newest.id && Array(normalized.utf8) == Array(plaintext.utf8) { return nil }
        return sivToken(normalized, key: keyring.newest)
    }

    /// A ff1 token re-written from `oldKeyID` to the newest key and its value in `normalization`'s form; nil when
    /// it already uses both.
    public func rekeyFF1(_ token: String, from oldKeyID: String, normalization: Normalization = .none) throws(TokenizationError) -> String? {
        let newest = try requireKeys(.ff1).newest
        if oldKeyID == newest.id && normalization == .none { return nil }
        let plaintext = try detokenize(token, scheme: .ff1, ff1KeyID: oldKeyID)
        let normalized = normalization.apply(plaintext)
        if oldKeyID == newest.id && Array(normalized.utf8) == Array(plaintext.utf8) { return nil }
        return ff1Token(normalized, key: newest)
    }

    /// A 16-byte keyed digest of a token (its own subkey), which a warehouse's ledger stores so a later run
    /// recognises ff1 tokens, which look like plaintext: the value is a token when its digest under the recorded
    /// key matches.
    public func tokenDigest(of token: String, keyID: String) -> [UInt8]? {
        guard let key = keyring?.key(id: keyID) else { return nil }
        var mac = key.ledgerStart
        var token = token
        token.withUTF8 { mac.update(data: UnsafeRawBufferPointer($0)) }
        return Array(mac.finalize().prefix(16))
    }

    /// Lends every key's ledger subkey to `body` (for a database that checks ff1 ledger digests itself). Key
    /// material: never log the bytes or put them in SQL text.
    public func withLedgerKeys<R>(_ body: (_ keys: [(id: String, key: [UInt8])]) throws -> R) rethrows -> R {
        let keys = (keyring?.keys ?? []).map { key in (id: key.id, key: key.ledgerKey.withUnsafeBytes { Array($0) }) }
        return try body(keys)
    }

    /// Lends the newest key's HMAC subkey to `body`, for a database that computes `hmac` tokens itself. The
    /// bytes are valid only during the call; they are key material: never log them or put them in SQL text.
    public func withNewestHMACKey<R>(_ body: (_ keyID: String, _ key: UnsafeRawBufferPointer) throws -> R) throws -> R {
        let key = try requireKeys(.hmac).newest
        return try key.hmacKey.withUnsafeBytes { try body(key.id, $0) }
    }

    /// The id of the key new tokens are written with.
    public func newestKeyID(_ scheme: TokenSchemeName) throws(TokenizationError) -> String {
        try requireKeys(scheme).newest.id
    }
}
