import Tokenization

/// Values read from a table for a plan or for discovery. They stay in the service's memory for as long as it
/// takes to classify them: never logged, stored or written anywhere.
public struct TableSample: Sendable {
    /// Values per column, in the order rows were read (NULL is nil).
    public var values: [String: [String?]]
    /// Rows read.
    public var rows: Int
    /// The table's rows as the catalog estimates them (nil when unknown).
    public var estimatedRows: Int?
    /// How the rows were chosen, in words (`TABLESAMPLE SYSTEM (2%)`, `every row`, …).
    public var method: String

    public init(values: [String: [String?]], rows: Int, estimatedRows: Int?, method: String) {
        self.values = values
        self.rows = rows
        self.estimatedRows = estimatedRows
        self.method = method
    }

    /// Whether every row of the table was read, so counts from the sample are exact.
    public var isWholeTable: Bool { estimatedRows.map { rows >= $0 } ?? false }
}

/// What a run would find in one column, from a sample: counts of the sampled values, and whether the column can
/// hold the scheme's tokens. Pure.
public struct SampledColumnFacts: Sendable, Equatable, Codable {
    public var sampled: Int
    /// NULL, empty or whitespace only: nothing to protect, left as it is.
    public var empty: Int
    /// Of `empty`, the values of whitespace only.
    public var blank: Int
    /// Values recognised as tokens of the scheme (for ff1, only its siv fallback tokens: the ledger knows the rest).
    public var tokens: Int
    public var plaintext: Int
    /// The longest token a run would write for the sampled values, in characters.
    public var longestToken: Int?
    /// Sampled values whose letters and digits are too few for ff1 (NIST's minimum domain): they get siv tokens.
    public var belowFF1Domain: Int
    /// Sampled values with more letters and digits than ff1 takes (`Tokenizer.ff1MaximumLength`): siv tokens too.
    public var aboveFF1Length: Int
    /// Non-empty sampled values that are not in Unicode normalization form C (a byte-exact token of such a value
    /// differs from the token of its NFC twin).
    public var notNFC: Int

    public init(
        sampled: Int, empty: Int, blank: Int = 0, tokens: Int, plaintext: Int, longestToken: Int?, belowFF1Domain: Int, aboveFF1Length: Int = 0,
        notNFC: Int = 0
    ) {
        self.sampled = sampled
        self.empty = empty
        self.blank = blank
        self.tokens = tokens
        self.plaintext = plaintext
        self.longestToken = longestToken
        self.belowFF1Domain = belowFF1Domain
        self.aboveFF1Length = aboveFF1Length
        self.notNFC = notNFC
    }

    /// Counts `values` for `scheme` with `tokenizer` (which computes the tokens a run would write, to size them).
    public static func of(
        _ values: [String?], scheme: TokenSchemeName, tokenizer: Tokenizer, normalization: Normalization = .none
    ) -> SampledColumnFacts {
        var facts = SampledColumnFacts(sampled: values.count, empty: 0, tokens: 0, plaintext: 0, longestToken: nil, belowFF1Domain: 0)
        for value in values {
            guard let value, !Tokenizer.holdsNothing(value) else {
                facts.empty += 1
                if let value, !value.isEmpty { facts.blank += 1 }
                continue
            }
            if !Normalization.isNFC(value) { facts.notNFC += 1 }
            if case .token = tokenizer.recognize(value, scheme: scheme) {
                facts.tokens += 1
                continue
            }
            facts.plaintext += 1
            guard let token = try? tokenizer.token(for: value, scheme: scheme, normalization: normalization) else { continue }
            if scheme == .ff1, token.hasPrefix(Tokenizer.sivPrefix) {
                if Tokenizer.ff1Letters(in: value) > Tokenizer.ff1MaximumLength {
                    facts.aboveFF1Length += 1
                } else {
                    facts.belowFF1Domain += 1
                }
            }
            facts.longestToken = max(facts.longestToken ?? 0, token.unicodeScalars.count)
        }
        return facts
    }
}
