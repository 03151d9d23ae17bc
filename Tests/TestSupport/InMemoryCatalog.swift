import Catalog
import Synchronization

/// DataHub in memory: datasets with tags and descriptions, every mutation recorded, failures on demand.
public final class InMemoryCatalog: DataHubCatalog {
    public struct State: Sendable {
        public var datasets: [DatasetURN: DatasetSnapshot] = [:]
        public var tags: Set<TagURN> = []
        public var properties: [DatasetURN: [String: String]] = [:]
        /// The structured properties defined (`ensureStructuredProperty` creates each once).
        public var propertyDefinitions: Set<String> = []
        public var mutations: [String] = []
        /// Group URNs by user URN.
        public var groups: [String: Set<String>] = [:]
        /// How many group lookups were made (the gate caches them).
        public var groupLookups = 0
        /// Thrown by every call while set.
        public var failure: DataHubError?
        /// Lineage: the upstream datasets of each dataset, and the column-level edges into it.
        public var upstreams: [DatasetURN: [DatasetURN]] = [:]
        public var fieldEdges: [DatasetURN: [DownstreamDataset.FieldEdge]] = [:]
        /// Thrown by `downstreams` alone while set (lineage search failing while the rest of GMS answers).
        public var lineageFailure: DataHubError?
    }

    public let state = Mutex(State())
    /// Awaited before each tag, description or property write, with the mutation's name: a test holds a
    /// write-back midway.
    public let beforeMutation = Mutex<(@Sendable (String) async -> Void)?>(nil)

    /// Awaited at the start of each `dataset` read: a test holds a read to see what runs meanwhile.
    public let beforeDatasetRead = Mutex<(@Sendable () async -> Void)?>(nil)

    private func pause(before name: String) async {
        if let hook = beforeMutation.withLock({ $0 }) { await hook(name) }
    }

    public init(datasets: [DatasetSnapshot] = []) {
        state.withLock { state in
            for dataset in datasets { state.datasets[dataset.urn] = dataset }
        }
    }

    public func snapshot(_ urn: DatasetURN) -> DatasetSnapshot? { state.withLock { $0.datasets[urn] } }
    public func property(_ urn: DatasetURN, _ id: String) -> String? { state.withLock { $0.properties[urn]?[id] } }
    public var mutations: [String] { state.withLock { $0.mutations } }
    public func fail(with error: DataHubError?) { state.withLock { $0.failure = error } }

    private func read<T>(_ body: (State) -> T) throws(DataHubError) -> T {
        let result: Result<T, DataHubError> = state.withLock { state in
            if let failure = state.failure { return .failure(failure) }
            return .success(body(state))
        }
        return try result.get()
    }

    private func mutate(_ name: String, _ body: (inout State) -> Void) throws(DataHubError) {
        let failure: DataHubError? = state.withLock { state in
            if let failure = state.failure { return failure }
            state.mutations.append(name)
            body(&state)
            return nil
        }
        if let failure { throw failure }
    }

    public func dataset(_ urn: DatasetURN) async throws(DataHubError) -> DatasetSnapshot? {
        if let hook = beforeDatasetRead.withLock({ $0 }) { await hook() }
        return try read { $0.datasets[urn] }
    }

    public func datasets(taggedWith tag: TagURN) async throws(DataHubError) -> TaggedDatasets {
        try read { state in
            TaggedDatasets(
                datasets: state.datasets.values.filter { $0.tags.contains(tag) || !$0.fields(taggedWith: tag).isEmpty }.map(\.urn).sorted())
        }
    }

    public func datasets(withGlossaryTerms terms: [String]) async throws(DataHubError) -> TaggedDatasets {
        let names = Set(terms.map { $0.hasPrefix("urn:li:glossaryTerm:") ? String($0.dropFirst("urn:li:glossaryTerm:".count)) : $0 })
        return try read { state in
            TaggedDatasets(
                datasets: state.datasets.values.filter { $0.fields.contains { !$0.glossaryTerms.isDisjoint(with: names) } }.map(\.urn).sorted())
        }
    }

    public func groups(of user: String) async throws(DataHubError) -> Set<String> {
        let result: Result<Set<String>, DataHubError> = state.withLock { state in
            if let failure = state.failure { return .failure(failure) }
            state.groupLookups += 1
            return .success(state.groups[user] ?? [])
        }
        return try result.get()
    }

    public func ensureTags(_ tags: [TagURN], description: String) async throws(DataHubError) {
        let missing = try read { state in tags.filter { !state.tags.contains($0) } }
        guard !missing.isEmpty else { return }
        try mutate("createTag") { $0.tags.formUnion(missing) }
    }

    public func ensureStructuredProperty(id: String, displayName: String, description: String) async throws(DataHubError) {
        guard try read({ !$0.propertyDefinitions.contains(id) }) else { return }
        try mutate("createStructuredProperty") { $0.propertyDefinitions.insert(id) }
    }

    public func addTags(_ tags: [TagURN], to targets: [TagTarget]) async throws(DataHubError) {
        guard !tags.isEmpty else { return }
        await pause(before: "batchAddTags")
        try mutate("batchAddTags") { state in Self.apply(&state, tags, targets, add: true) }
    }

    public func removeTags(_ tags: [TagURN], from targets: [TagTarget]) async throws(DataHubError) {
        guard !tags.isEmpty else { return }
        await pause(before: "batchRemoveTags")
        try mutate("batchRemoveTags") { state in Self.apply(&state, tags, targets, add: false) }
    }

    private static func apply(_ state: inout State, _ tags: [TagURN], _ targets: [TagTarget], add: Bool) {
        for target in targets {
            guard var dataset = state.datasets[target.datasetURN] else { continue }
            if let path = target.fieldPath {
                if let index = dataset.fields.firstIndex(where: { $0.fieldPath == path }) {
                    if target.onFieldEntity {
                        if add { dataset.fields[index].entityTags.formUnion(tags) } else { dataset.fields[index].entityTags.subtract(tags) }
                    } else if add {
                        dataset.fields[index].editableTags.formUnion(tags)
                    } else {
                        dataset.fields[index].editableTags.subtract(tags)
                    }
                }
            } else if add {
                dataset.tags.formUnion(tags)
            } else {
                dataset.tags.subtract(tags)
            }
            state.datasets[target.datasetURN] = dataset
        }
    }

    public func setEditableDescription(datasetURN: DatasetURN, description: String, name: String?) async throws(DataHubError) {
        await pause(before: "updateDataset")
        try mutate("updateDataset") { $0.datasets[datasetURN]?.editableDescription = description }
    }

    public func setStructuredProperty(datasetURN: DatasetURN, propertyID: String, value: String) async throws(DataHubError) {
        await pause(before: "upsertStructuredProperties")
        try mutate("upsertStructuredProperties") { $0.properties[datasetURN, default: [:]][propertyID] = value }
    }

    /// Breadth-first over `upstreams`, as DataHub's lineage search counts degrees (the shortest path).
    public func downstreams(of urn: DatasetURN, depth: Int) async throws(DataHubError) -> [DownstreamDataset] {
        if let failure = state.withLock({ $0.lineageFailure }) { throw failure }
        return try read { state in
            var degrees: [DatasetURN: Int] = [urn: 0]
            var frontier = [urn]
            var found: [DownstreamDataset] = []
            for degree in 1...max(1, depth) where depth > 0 {
                var next: [DatasetURN] = []
                for (downstream, ups) in state.upstreams.sorted(by: { $0.key < $1.key })
                where degrees[downstream] == nil && ups.contains(where: frontier.contains) {
                    degrees[downstream] = degree
                    next.append(downstream)
                    found.append(
                        DownstreamDataset(
                            urn: downstream, degree: degree, fieldPaths: state.datasets[downstream]?.fields.map(\.fieldPath) ?? [],
                            edges: state.fieldEdges[downstream] ?? []))
                }
                frontier = next
            }
            return found
        }
    }

    public func ping() async -> Bool { true }
}
