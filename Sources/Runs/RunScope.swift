/// What a run does with its columns.
public enum RunKind: String, Sendable, Codable, CaseIterable {
    /// Tokenize the columns, then verify them.
    case tokenize
    /// Only verify (count the plaintext left): nothing is written to the table.
    case verify
    /// Only plan (a dry run): resolve and sample the columns, count what a run would change; no row is written.
    case plan

    /// The ledger's `kind` column: `plan` for a plan, `run` for the others (verifications too).
    public var ledgerKind: String { self == .plan ? "plan" : "run" }

    /// The kind of a run doing what both ask: a plan merges only with a plan; a verification asked beside a
    /// tokenization is the tokenization's own verification.
    func merged(with other: RunKind) -> RunKind { self == other ? self : .tokenize }

    /// Whether a run of this kind does what one of `other` asks: the same kind, or a tokenization for a verification.
    func covers(_ other: RunKind) -> Bool { self == other || (self == .tokenize && other == .verify) }
}

/// What a run covers. Several requests for one dataset merge into one scope.
public struct RunScope: Sendable, Equatable, Codable {
    /// The dataset itself was tagged (or a request named no columns): PII columns are found automatically
    /// and the dataset's tags are flipped.
    public var datasetLevel: Bool
    /// Fields tagged with the trigger; exactly these are tokenized and have their tags flipped.
    public var triggerFields: Set<String>
    /// Columns named in an HTTP or CLI request.
    public var explicitColumns: Set<String>
    /// Also move siv and ff1 tokens of older keys to the newest key.
    public var rekey: Bool
    /// Tokenize, only verify, or only plan.
    public var kind: RunKind
    /// Check every row, even where the last clean verification's mark would let the verification check only the rows
    /// written since (an auditor's full scan).
    public var fullScan: Bool

    public init(
        datasetLevel: Bool = false, triggerFields: Set<String> = [], explicitColumns: Set<String> = [], rekey: Bool = false,
        kind: RunKind = .tokenize, fullScan: Bool = false
    ) {
        self.datasetLevel = datasetLevel
        self.triggerFields = triggerFields
        self.explicitColumns = explicitColumns
        self.rekey = rekey
        self.kind = kind
        self.fullScan = fullScan
    }

    enum CodingKeys: String, CodingKey {
        case datasetLevel = "dataset_level"
        case triggerFields = "fields"
        case explicitColumns = "columns"
        case rekey
        case kind
        case fullScan = "full_scan"
        // Written by versions that carried the kind as two flags (read, never written).
        case verifyOnly = "verify_only"
        case planOnly = "plan_only"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        datasetLevel = try container.decode(Bool.self, forKey: .datasetLevel)
        triggerFields = try container.decode(Set<String>.self, forKey: .triggerFields)
        explicitColumns = try container.decode(Set<String>.self, forKey: .explicitColumns)
        rekey = try container.decode(Bool.self, forKey: .rekey)
        if let kind = try container.decodeIfPresent(RunKind.self, forKey: .kind) {
            self.kind = kind
        } else if try container.decodeIfPresent(Bool.self, forKey: .planOnly) == true {
            kind = .plan
        } else if try container.decodeIfPresent(Bool.self, forKey: .verifyOnly) == true {
            kind = .verify
        } else {
            kind = .tokenize
        }
        fullScan = try container.decodeIfPresent(Bool.self, forKey: .fullScan) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(datasetLevel, forKey: .datasetLevel)
        try container.encode(triggerFields.sorted(), forKey: .triggerFields)
        try container.encode(explicitColumns.sorted(), forKey: .explicitColumns)
        try container.encode(rekey, forKey: .rekey)
        try container.encode(kind, forKey: .kind)
        try container.encode(fullScan, forKey: .fullScan)
    }

    /// A scope for a request that names `columns` (or none, meaning "find the PII columns").
    public static func request(columns: [String]?, rekey: Bool = false, kind: RunKind = .tokenize, fullScan: Bool = false) -> RunScope {
        guard let columns, !columns.isEmpty else {
            return RunScope(datasetLevel: true, rekey: rekey, kind: kind, fullScan: fullScan)
        }
        return RunScope(explicitColumns: Set(columns), rekey: rekey, kind: kind, fullScan: fullScan)
    }

    /// The union of two scopes.
    public func merged(with other: RunScope) -> RunScope {
        RunScope(
            datasetLevel: datasetLevel || other.datasetLevel,
            triggerFields: triggerFields.union(other.triggerFields),
            explicitColumns: explicitColumns.union(other.explicitColumns),
            rekey: rekey || other.rekey, kind: kind.merged(with: other.kind), fullScan: fullScan || other.fullScan)
    }

    /// Whether running `self` does everything `other` asks for.
    public func covers(_ other: RunScope) -> Bool {
        (datasetLevel || !other.datasetLevel) && other.triggerFields.isSubset(of: triggerFields)
            && other.explicitColumns.isSubset(of: explicitColumns) && (rekey || !other.rekey) && kind.covers(other.kind)
            && (fullScan || !other.fullScan)
    }
}
