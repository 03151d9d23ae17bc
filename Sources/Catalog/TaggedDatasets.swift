/// The datasets DataHub lists as carrying a tag, and the URNs it listed that the service cannot use (each with
/// the reason), so that a caller reports them instead of losing them.
public struct TaggedDatasets: Sendable, Equatable {
    /// The datasets, sorted, each once.
    public var datasets: [DatasetURN]
    /// Why each listed URN was refused (`DatasetURNError`'s message, which quotes the URN safely).
    public var refused: [String]

    public init(datasets: [DatasetURN], refused: [String] = []) {
        self.datasets = datasets
        self.refused = refused
    }

    /// Parses `urns` as DataHub listed them (duplicates allowed).
    public init(listed urns: some Sequence<String>) {
        var datasets: Set<DatasetURN> = []
        var refused: Set<String> = []
        for urn in urns {
            do {
                datasets.insert(try DatasetURN(urn))
            } catch {
                refused.insert(error.message)
            }
        }
        self.init(datasets: datasets.sorted(), refused: refused.sorted())
    }
}
