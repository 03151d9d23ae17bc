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
    /// Only verify (count the plaintext left): nothing is written to the table.
    public var verifyOnly: Bool
    /// Only plan (a dry run): resolve and sample the columns, count what a run would change; no row is written.
    public var planOnly: Bool
    /// Check every row, even where the last clean verification's mark would let the verification check only the rows
    /// written since (an auditor's full scan).
    public var fullScan: Bool

    public init(
        datasetLevel: Bool = false, triggerFields: Set<String> = [], explicitColumns: Set<String> = [], rekey: Bool = false, verifyOnly: Bool = false,
        planOnly: Bool = false, fullScan: Bool = false
    ) {
        self.planOnly = planOnly
        self.fullScan = fullScan
        self.datasetLevel = datasetLevel
        self.triggerFields = triggerFields
        self.explicitColumns = explicitColumns
        self.rekey = rekey
        self.verifyOnly = verifyOnly
    }

    enum CodingKeys: String, CodingKey {
        case datasetLevel = "dataset_level"
        case triggerFields = "fields"
        case explicitColumns = "columns"
        case rekey
        case verifyOnly = "verify_only"
        case planOnly = "plan_only"
        case fullScan = "full_scan"
    }

    /// The ledger's `kind` of a run of this scope: `plan` for a plan, `run` for every other (verifications too).
    public var kind: String { planOnly ? "plan" : "run" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        datasetLevel = try container.decode(Bool.self, forKey: .datasetLevel)
        triggerFields = try container.decode(Set<String>.self, forKey: .triggerFields)
        explicitColumns = try container.decode(Set<String>.self, forKey: .explicitColumns)
        rekey = try container.decode(Bool.self, forKey: .rekey)
        verifyOnly = try container.decodeIfPresent(Bool.self, forKey: .verifyOnly) ?? false  // absent in rows written before it existed
        planOnly = try container.decodeIfPresent(Bool.self, forKey: .planOnly) ?? false
        fullScan = try container.decodeIfPresent(Bool.self, forKey: .fullScan) ?? false
    }

    /// A scope for a request that names `columns` (or none, meaning "find the PII columns").
    public static func request(
        columns: [String]?, rekey: Bool = false, verifyOnly: Bool = false, planOnly: Bool = false, fullScan: Bool = false
    ) -> RunScope {
        guard let columns, !columns.isEmpty else {
            return RunScope(datasetLevel: true, rekey: rekey, verifyOnly: verifyOnly, planOnly: planOnly, fullScan: fullScan)
        }
        return RunScope(explicitColumns: Set(columns), rekey: rekey, verifyOnly: verifyOnly, planOnly: planOnly, fullScan: fullScan)
    }

    /// The union of two scopes.
    public func merged(with other: RunScope) -> RunScope {
        RunScope(
            datasetLevel: datasetLevel || other.datasetLevel,
            triggerFields: triggerFields.union(other.triggerFields),
            explicitColumns: explicitColumns.union(other.explicitColumns),
            rekey: rekey || other.rekey, verifyOnly: verifyOnly && other.verifyOnly, planOnly: planOnly && other.planOnly,
            fullScan: fullScan || other.fullScan)
    }

    /// Whether running `self` does everything `other` asks for.
    public func covers(_ other: RunScope) -> Bool {
        (datasetLevel || !other.datasetLevel) && other.triggerFields.isSubset(of: triggerFields)
            && other.explicitColumns.isSubset(of: explicitColumns) && (rekey || !other.rekey) && (other.verifyOnly || !verifyOnly)
            && planOnly == other.planOnly && (fullScan || !other.fullScan)
    }
}
