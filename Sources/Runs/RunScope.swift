/// What a run covers. Several triggers for one dataset merge into one scope.
public struct RunScope: Sendable, Equatable {
    /// The dataset itself was tagged (or a request named no columns): PII columns are found automatically
    /// and the dataset's tags are flipped.
    public var datasetLevel: Bool
    /// Fields tagged with the trigger; exactly these are tokenized and have their tags flipped.
    public var triggerFields: Set<String>
    /// Columns named in an HTTP or CLI request.
    public var explicitColumns: Set<String>

    public init(datasetLevel: Bool = false, triggerFields: Set<String> = [], explicitColumns: Set<String> = []) {
        self.datasetLevel = datasetLevel
        self.triggerFields = triggerFields
        self.explicitColumns = explicitColumns
    }

    /// A scope for a request that names `columns` (or none, meaning "find the PII columns").
    public static func request(columns: [String]?) -> RunScope {
        guard let columns, !columns.isEmpty else { return RunScope(datasetLevel: true) }
        return RunScope(explicitColumns: Set(columns))
    }

    /// The union of two scopes.
    public func merged(with other: RunScope) -> RunScope {
        RunScope(
            datasetLevel: datasetLevel || other.datasetLevel,
            triggerFields: triggerFields.union(other.triggerFields),
            explicitColumns: explicitColumns.union(other.explicitColumns))
    }

    /// Whether running `self` does everything `other` asks for.
    public func covers(_ other: RunScope) -> Bool {
        (datasetLevel || !other.datasetLevel) && other.triggerFields.isSubset(of: triggerFields)
            && other.explicitColumns.isSubset(of: explicitColumns)
    }
}
