import Catalog
import Foundation

/// The downstream copies of a run's columns that may still hold plaintext: DataHub's lineage after a SUCCESS.
public struct DownstreamReport: Sendable, Codable, Equatable {
    /// A downstream dataset holding columns fed by (or named like) the tokenized ones.
    public struct Copy: Sendable, Codable, Equatable {
        public var dataset: DatasetURN
        public var degree: Int
        /// The downstream field paths that may hold the values.
        public var fields: [String]
        /// Whether the service added the trigger to those fields (`PROPAGATE_DOWNSTREAM`).
        public var propagated: Bool
        /// Why propagation was not done, when it was asked for.
        public var notPropagated: String?

        enum CodingKeys: String, CodingKey {
            case dataset, degree, fields, propagated
            case notPropagated = "not_propagated"
        }
    }

    public var depth: Int
    public var copies: [Copy]
    /// Why lineage could not be read (DataHub unavailable, …): the run stays SUCCESS, the check is missing.
    public var error: String?

    public init(depth: Int, copies: [Copy], error: String? = nil) {
        self.depth = depth
        self.copies = copies
        self.error = error
    }

    /// "2 downstream datasets may still hold these values: a (email), b (contact)", or nil when none does.
    public var sentence: String? {
        if let error { return "downstream lineage not checked: \(error)" }
        guard !copies.isEmpty else { return nil }
        let list = copies.map { copy in
            "\(copy.dataset) (\(copy.fields.map(ColumnResolver.columnName).joined(separator: ", ")))"
                + (copy.propagated ? ", tokenize/run added" : "")
        }
        return "\(copies.count) downstream dataset(s) may still hold these values: \(list.joined(separator: "; "))"
    }

    /// The downstream fields that may hold the values of `columns` of `upstream`: a field of the same column name,
    /// or one a column-level edge feeds from such a field (followed hop by hop, in degree order). Datasets whose
    /// fields were all tokenized since (`tokenizedSince`: dataset → columns) are left out. Pure.
    public static func copies(
        of columns: [String], upstream: DatasetURN, downstreams: [DownstreamDataset], tokenizedSince: [DatasetURN: Set<String>]
    ) -> [Copy] {
        let names = Set(columns)
        var tainted: [DatasetURN: Set<String>] = [upstream: names]  // dataset → column names that may hold values
        var copies: [Copy] = []
        for downstream in downstreams.sorted(by: { ($0.degree, $0.urn) < ($1.degree, $1.urn) }) {
            var fields: [String] = []
            for path in downstream.fieldPaths {
                let name = ColumnResolver.columnName(fieldPath: path)
                let fed = downstream.edges.contains { edge in
                    edge.downstreamField == path
                        && tainted[edge.upstreamDataset]?.contains(ColumnResolver.columnName(fieldPath: edge.upstreamField)) == true
                }
                if names.contains(name) || fed { fields.append(path) }
            }
            guard !fields.isEmpty else { continue }
            tainted[downstream.urn] = Set(fields.map(ColumnResolver.columnName))
            let done = tokenizedSince[downstream.urn] ?? []
            let open = fields.filter { !done.contains(ColumnResolver.columnName(fieldPath: $0)) }
            if !open.isEmpty { copies.append(Copy(dataset: downstream.urn, degree: downstream.degree, fields: open, propagated: false)) }
        }
        return copies
    }
}
