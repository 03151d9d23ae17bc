import Tokenization

/// Whether a run writes tokens for plaintext only, or also moves existing tokens to the newest key.
public enum TokenizationMode: String, Sendable, Codable, Equatable {
    /// Replace plaintext with tokens; leave existing tokens alone.
    case tokenize
    /// Also re-write `siv` and `ff1` tokens of older keys with the newest key (hmac and poc cannot move).
    case rekey
}

/// What the ledger of a warehouse says about one ff1 cell: the key it was written with and the token's digest.
public struct LedgerEntry: Sendable, Equatable {
    public var keyID: String
    public var digest: [UInt8]

    public init(keyID: String, digest: [UInt8]) {
        self.keyID = keyID
        self.digest = digest
    }
}

/// What to do with one cell.
public enum CellDecision: Sendable, Equatable {
    /// Nothing to protect (NULL, empty, whitespace only) or already a token of the wanted key.
    case keep
    /// Write this value; for ff1 tokens also record the ledger entry.
    case write(String, ledger: LedgerEntry?)
}

extension Tokenizer {
    /// Decides one cell for a run that computes tokens in the service (siv, ff1, or a rekey). Pure.
    ///
    /// - Parameter ledger: the warehouse's ledger entry for this cell (ff1 only), if any.
    ///
    /// - Parameter normalization: the form a new token's value is put in first; in `.rekey` mode, reversible tokens
    ///   whose value is not in that form are written again from the normalized value (hmac tokens cannot move).
    public func decide(
        _ value: String?, scheme: TokenSchemeName, mode: TokenizationMode, ledger: LedgerEntry?, normalization: Normalization = .none
    ) throws(TokenizationError) -> CellDecision {
        guard let value, !Tokenizer.holdsNothing(value) else { return .keep }
        switch scheme {
        case .poc, .hmac:
            if case .token = recognize(value, scheme: scheme) { return .keep }
            return .write(try token(for: value, scheme: scheme, normalization: normalization), ledger: nil)
        case .siv:
            if case .token = recognize(value, scheme: .siv) {
                guard mode == .rekey, let moved = try rekeySIV(value, normalization: normalization) else { return .keep }
                return .write(moved, ledger: nil)
            }
            return .write(try token(for: value, scheme: .siv, normalization: normalization), ledger: nil)
        case .ff1:
            if case .token = recognize(value, scheme: .ff1) {  // an siv fallback token of a short or long value
                guard mode == .rekey, let moved = try rekeySIV(value, normalization: normalization) else { return .keep }
                return try ff1Write(moved)
            }
            if let ledger, tokenDigest(of: value, keyID: ledger.keyID) == ledger.digest {
                guard mode == .rekey, let moved = try rekeyFF1(value, from: ledger.keyID, normalization: normalization) else { return .keep }
                return try ff1Write(moved)
            }
            return try ff1Write(try token(for: value, scheme: .ff1, normalization: normalization))
        }
    }

    private func ff1Write(_ token: String) throws(TokenizationError) -> CellDecision {
        if token.hasPrefix(Self.sivPrefix) { return .write(token, ledger: nil) }  // recognised by authentication
        let keyID = try newestKeyID(.ff1)
        return .write(token, ledger: tokenDigest(of: token, keyID: keyID).map { LedgerEntry(keyID: keyID, digest: $0) })
    }
}
