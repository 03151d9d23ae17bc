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
    public var empty: Int
    /// Values recognised as tokens of the scheme (for ff1, only its siv fallback tokens: the ledger knows the rest).
    public var tokens: Int
    public var plaintext: Int
    /// The longest token a run would write for the sampled values, in characters.
    public var longestToken: Int?
    /// Sampled values whose letters and digits are too few for ff1 (NIST's minimum domain): they get siv tokens.
    public var belowFF1Domain: Int

    public init(sampled: Int, empty: Int, tokens: Int, plaintext: Int, longestToken: Int?, belowFF1Domain: Int) {
        self.sampled = sampled
        self.empty = empty
        self.tokens = tokens
        self.plaintext = plaintext
        self.longestToken = longestToken
        self.belowFF1Domain = belowFF1Domain
    }

    /// Counts `values` for `scheme` with `tokenizer` (which computes the tokens a run would write, to size them).
    public static func of(_ values: [String?], scheme: TokenSchemeName, tokenizer: Tokenizer) -> SampledColumnFacts {
        var facts = SampledColumnFacts(sampled: values.count, empty: 0, tokens: 0, plaintext: 0, longestToken: nil, belowFF1Domain: 0)
        for value in values {
            guard let value, !value.isEmpty else {
                facts.empty += 1
                continue
            }
            if case .token = tokenizer.recognize(value, scheme: scheme) {
                facts.tokens += 1
                continue
            }
            facts.plaintext += 1
            guard let token = try? tokenizer.token(for: value, scheme: scheme) else { continue }
            if scheme == .ff1, token.hasPrefix(Tokenizer.sivPrefix) { facts.belowFF1Domain += 1 }
            facts.longestToken = max(facts.longestToken ?? 0, token.count)
        }
        return facts
    }
}
