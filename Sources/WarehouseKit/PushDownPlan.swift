import Tokenization

/// What a database needs to compute and recognise `poc` and `hmac` tokens itself, independent of its SQL
/// dialect: both warehouses render their push-down UPDATE from this one plan.
public struct PushDownPlan: Sendable, Equatable {
    /// How tokens of a scheme look, so a statement can skip them: checks a database evaluates fast (exact
    /// lengths and a pattern with no bounded quantifiers, which PostgreSQL's regex engine evaluates slowly).
    public struct TokenShape: Sendable, Equatable {
        /// The lengths a token of a configured key can have (nil: any length, for `poc`).
        public var lengths: [Int]?
        /// A POSIX regular expression matching tokens (and only tokens) of configured keys.
        public var pattern: String
        /// What every token of a configured key starts with (`tkh_<key id>_`, `tks_<key id>_`); empty for `poc`.
        /// With `lengths` and the base64url alphabet this recognises hmac and siv tokens without the regex,
        /// which costs PostgreSQL several times more per value.
        public var prefixes: [String] = []
    }

    public var columns: [ColumnPlan]
    /// The shape of each push-down scheme the plan uses.
    public var shapes: [TokenSchemeName: TokenShape]
    /// The key id new `hmac` tokens are written with (not secret), when a column uses `hmac`.
    public var hmacKeyID: String?

    /// - Throws: `.unsupported` for a scheme that cannot be pushed down, `.tokenization` when hmac has no keys.
    public init(columns: [ColumnPlan], tokenizer: Tokenizer, table: TableReference) throws(WarehouseError) {
        self.columns = columns
        var shapes: [TokenSchemeName: TokenShape] = [:]
        var hmacKeyID: String? = nil
        for column in columns {
            switch column.scheme {
            case .poc:
                shapes[.poc] = TokenShape.of(.poc, keyIDs: [])
            case .hmac:
                do {
                    hmacKeyID = try tokenizer.newestKeyID(.hmac)
                } catch {
                    throw WarehouseError(.tokenization, "cannot tokenize \(table): \(error.message)", table: table)
                }
                shapes[.hmac] = TokenShape.of(.hmac, keyIDs: tokenizer.keyIDs)
            case .siv, .ff1:
                throw WarehouseError(.unsupported, "\(column.scheme.rawValue) tokens cannot be computed in SQL", table: table)
            }
        }
        self.shapes = shapes
        self.hmacKeyID = hmacKeyID
    }

    /// Whether every column can be pushed down.
    /// A column whose values are normalized first is tokenized in the service: Unicode normalization and case
    /// mapping are computed by one implementation only, so the same value gets the same token in every table.
    public static func canPushDown(_ columns: [ColumnPlan], mode: TokenizationMode) -> Bool {
        mode == .tokenize && columns.allSatisfy { $0.scheme.canPushDown && $0.normalization == .none }
    }
}

extension PushDownPlan.TokenShape {
    /// How tokens of `scheme` under the configured keys look: exact for `poc` and `hmac`; for `siv` the shape
    /// only (authenticity needs the key); nil for `ff1`, whose tokens look like plaintext.
    public static func of(_ scheme: TokenSchemeName, keyIDs: [String]) -> Self? {
        let ids = keyIDs.joined(separator: "|")
        switch scheme {
        case .poc:
            return Self(lengths: nil, pattern: PocTokenScheme.tokenPattern)
        case .hmac:
            return Self(
                lengths: Array(Set(keyIDs.map { Tokenizer.hmacTokenLength(keyID: $0) })).sorted(),
                pattern: "^\(Tokenizer.hmacPrefix)(\(ids))_[A-Za-z0-9_-]+$", prefixes: keyIDs.map { "\(Tokenizer.hmacPrefix)\($0)_" })
        case .siv:
            return Self(
                lengths: nil, pattern: "^\(Tokenizer.sivPrefix)(\(ids))_[A-Za-z0-9_-]+$", prefixes: keyIDs.map { "\(Tokenizer.sivPrefix)\($0)_" })
        case .ff1:
            return nil
        }
    }
}

/// Every configured key's ledger-digest pads (HMAC-SHA256 with the key's ledger subkey, as `HMACPads`): a
/// database holding them checks ff1 ledger digests itself. Key material, handled like `HMACPads`.
public struct LedgerPads: Sendable, CustomStringConvertible {
    public let pads: [(keyID: String, inner: [UInt8], outer: [UInt8])]

    public init(tokenizer: Tokenizer) {
        pads = tokenizer.withLedgerKeys { keys in
            keys.map { key in
                var block = key.key + [UInt8](repeating: 0, count: max(0, 64 - key.key.count))
                block = Array(block.prefix(64))
                return (key.id, block.map { $0 ^ 0x36 }, block.map { $0 ^ 0x5c })
            }
        }
    }

    public var description: String { "LedgerPads(\(pads.map(\.keyID).joined(separator: ", ")), redacted)" }
}

/// The newest key's HMAC pads (key ⊕ 0x36…, key ⊕ 0x5c…, 64 bytes each): with them a database computes
/// `sha256(outer || sha256(inner || message))`, which is exactly HMAC-SHA256. Key material: it must reach a
/// database only in a way no log records (never as SQL text or bind parameters), and never be logged.
public struct HMACPads: Sendable, CustomStringConvertible {
    public let keyID: String
    public let inner: [UInt8]
    public let outer: [UInt8]

    public init(tokenizer: Tokenizer) throws(WarehouseError) {
        do {
            (keyID, inner, outer) = try tokenizer.withNewestHMACKey { keyID, key in
                var block = Array(key)  // 32 bytes ≤ the 64-byte block: used as is
                block += [UInt8](repeating: 0, count: 64 - block.count)
                return (keyID, block.map { $0 ^ 0x36 }, block.map { $0 ^ 0x5c })
            }
        } catch let error as TokenizationError {
            throw WarehouseError(.tokenization, error.message)
        } catch {
            throw WarehouseError(.tokenization, "\(error)")
        }
    }

    public var description: String { "HMACPads(\(keyID), redacted)" }
}
