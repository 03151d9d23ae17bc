/// A dataset downstream of another in DataHub's lineage, as far as copies of values are concerned.
public struct DownstreamDataset: Sendable, Equatable {
    /// A column-level lineage edge into this dataset: `upstream` field of `upstreamDataset` → `downstreamField` here.
    public struct FieldEdge: Sendable, Equatable, Hashable {
        public var upstreamDataset: DatasetURN
        public var upstreamField: String
        public var downstreamField: String

        public init(upstreamDataset: DatasetURN, upstreamField: String, downstreamField: String) {
            self.upstreamDataset = upstreamDataset
            self.upstreamField = upstreamField
            self.downstreamField = downstreamField
        }
    }

    public var urn: DatasetURN
    /// Hops from the dataset lineage was asked for (1: a direct copy).
    public var degree: Int
    public var fieldPaths: [String]
    public var edges: [FieldEdge]

    public init(urn: DatasetURN, degree: Int, fieldPaths: [String], edges: [FieldEdge] = []) {
        self.urn = urn
        self.degree = degree
        self.fieldPaths = fieldPaths
        self.edges = edges
    }
}
