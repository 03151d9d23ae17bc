/// What the service needs of DataHub: reading datasets, finding tagged ones, and writing a run's outcome
/// back. `DataHubOperations` talks to GMS; tests use an in-memory catalog.
public protocol DataHubCatalog: Sendable {
    /// Tags, field tags and descriptions of a dataset; `nil` when it does not exist.
    func dataset(_ urn: DatasetURN) async throws(DataHubError) -> DatasetSnapshot?
    /// The dataset as a run starts: a read started ahead for it (`DataHubOperations.readAhead`) when there is a
    /// fresh one, else `dataset(urn)`. Never for a write-back, which reads afresh to merge what it writes.
    func datasetForRun(_ urn: DatasetURN) async throws(DataHubError) -> DatasetSnapshot?
    /// Datasets carrying `tag` on the dataset or on a field, and the listed URNs the service cannot use.
    func datasets(taggedWith tag: TagURN) async throws(DataHubError) -> TaggedDatasets
    /// Datasets carrying one of the glossary terms (`urn:li:glossaryTerm:…`) on the dataset or on a field.
    func datasets(withGlossaryTerms terms: [String]) async throws(DataHubError) -> TaggedDatasets
    /// The groups `user` (`urn:li:corpuser:…`) belongs to, native and external.
    func groups(of user: String) async throws(DataHubError) -> Set<String>
    /// Creates each tag that does not exist yet; an existing one (even one created meanwhile) is fine.
    func ensureTags(_ tags: [TagURN], description: String) async throws(DataHubError)
    /// Creates the string structured property `id` for datasets unless it exists.
    func ensureStructuredProperty(id: String, displayName: String, description: String) async throws(DataHubError)
    func addTags(_ tags: [TagURN], to targets: [TagTarget]) async throws(DataHubError)
    func removeTags(_ tags: [TagURN], from targets: [TagTarget]) async throws(DataHubError)
    /// Sets the dataset's UI description, carrying the editable name over (the update replaces both).
    func setEditableDescription(datasetURN: DatasetURN, description: String, name: String?) async throws(DataHubError)
    func setStructuredProperty(datasetURN: DatasetURN, propertyID: String, value: String) async throws(DataHubError)
    /// Datasets downstream of `urn` in DataHub's lineage, up to `depth` hops, with their fields and column lineage.
    func downstreams(of urn: DatasetURN, depth: Int) async throws(DataHubError) -> [DownstreamDataset]
    /// Whether GMS answers.
    func ping() async -> Bool
}

extension DataHubCatalog {
    /// No read ahead: `dataset(urn)`.
    public func datasetForRun(_ urn: DatasetURN) async throws(DataHubError) -> DatasetSnapshot? {
        try await dataset(urn)
    }
}
