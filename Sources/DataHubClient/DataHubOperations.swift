import Catalog
import JSON
import Resilience
import Synchronization

/// The DataHub operations a run uses, over GraphQL.
public struct DataHubOperations: DataHubCatalog {
    let client: DataHubGraphQLClient
    /// Entities known to exist, so tags and the property are checked once per process.
    private let knownEntities = KnownEntities()
    /// Dataset reads started ahead (`readAhead`).
    private let readAheads: DatasetReadAheads

    public init(client: DataHubGraphQLClient) {
        self.init(client: client, readAheadMaximumAge: .seconds(1))
    }

    /// `readAheadMaximumAge`: how long a read started ahead stays fresh enough for a run to take it.
    init(client: DataHubGraphQLClient, readAheadMaximumAge: Duration) {
        self.client = client
        self.readAheads = DatasetReadAheads(maximumAge: readAheadMaximumAge)
    }

    public func ping() async -> Bool { await client.ping() }

    /// Whether the service can work with GMS: one authenticated GraphQL query (does `tag` exist). A 401 or 403, a 4xx,
    /// or an answer that is not GMS's is a refusal (the settings are wrong); no answer, a 5xx or a 429 is unavailable.
    public func probe(tag: TagURN) async -> ProbeOutcome {
        do {
            _ = try await entityExists(tag.urn)
            return .answers
        } catch {
            let settings = "DATAHUB_GMS_URL is \(client.settings.gmsURL)"
            switch error.code {
            case .unavailable: return .unavailable("\(error.message) (\(settings))")
            case .unauthorized: return .refused("GMS refused the token: \(error.message)")
            case .graphQL, .alreadyExists, .malformedResponse:
                return .refused(
                    "GMS did not answer a GraphQL query as GMS does (\(error.message)); check DATAHUB_GMS_URL (\(settings)) and DATAHUB_TOKEN")
            }
        }
    }

    /// Whether an entity exists (`tag(urn)` and `dataset(urn)` answer placeholders for missing ones).
    public func entityExists(_ urn: String) async throws(DataHubError) -> Bool {
        let data = try await client.execute(.entityExists, variables: ["urn": .string(urn)])
        return data["entityExists"]?.bool ?? false
    }

    /// Which of `urns` exist: one request per `DataHubDocument.existenceSlots` of them, not one each.
    public func existing(_ urns: [String]) async throws(DataHubError) -> Set<String> {
        var found: Set<String> = []
        var start = 0
        while start < urns.count {
            let chunk = Array(urns[start..<min(urns.count, start + DataHubDocument.existenceSlots)])
            var variables: [String: JSONValue] = [:]
            for slot in 0..<DataHubDocument.existenceSlots { variables["u\(slot)"] = .string(chunk[min(slot, chunk.count - 1)]) }
            let data = try await client.execute(.entitiesExist, variables: variables)
            for (slot, urn) in chunk.enumerated() where data["e\(slot)"]?.bool == true { found.insert(urn) }
            start += chunk.count
        }
        return found
    }

    /// Checks the tags not known to exist in one request, then creates the missing ones at the same time.
    public func ensureTags(_ tags: [TagURN], description: String) async throws(DataHubError) {
        let unknown = tags.filter { !knownEntities.contains($0.urn) }
        guard !unknown.isEmpty else { return }
        let present = try await existing(unknown.map(\.urn))
        for tag in unknown where present.contains(tag.urn) { knownEntities.insert(tag.urn) }
        let failures = await withTaskGroup(of: DataHubError?.self) { group in
            for tag in unknown where !present.contains(tag.urn) {
                group.addTask {
                    do throws(DataHubError) {
                        try await create(tag.urn) { () async throws(DataHubError) in
                            _ = try await client.execute(
                                .createTag,
                                variables: ["input": ["id": .string(tag.name), "name": .string(tag.name), "description": .string(description)]])
                        }
                        return nil
                    } catch {
                        return error
                    }
                }
            }
            var failures: [DataHubError] = []
            for await failure in group { if let failure { failures.append(failure) } }
            return failures
        }
        // A transient failure first, so the write-back is retried rather than given up on.
        if let failure = failures.first(where: \.isTransient) ?? failures.first { throw failure }
    }

    public func ensureStructuredProperty(id: String, displayName: String, description: String) async throws(DataHubError) {
        try await ensure("urn:li:structuredProperty:\(id)") { () async throws(DataHubError) in
            _ = try await client.execute(
                .createStructuredProperty,
                variables: [
                    "input": [
                        "id": .string(id), "qualifiedName": .string(id), "displayName": .string(displayName),
                        "description": .string(description), "valueType": "urn:li:dataType:datahub.string",
                        "cardinality": "SINGLE", "entityTypes": ["urn:li:entityType:datahub.dataset"],
                        "settings": ["isHidden": false, "showInAssetSummary": true, "showInSearchFilters": false],
                    ]
                ])
        }
    }

    /// Creates an entity unless it exists. Another run (or replica) may create it between the check and the
    /// create: GMS then answers "already exists", which is success here.
    private func ensure(_ urn: String, create: () async throws(DataHubError) -> Void) async throws(DataHubError) {
        guard !knownEntities.contains(urn) else { return }
        if try await entityExists(urn) {
            knownEntities.insert(urn)
        } else {
            try await self.create(urn, create)
        }
    }

    /// Creates an entity found missing; "already exists" (created meanwhile) is success.
    private func create(_ urn: String, _ create: () async throws(DataHubError) -> Void) async throws(DataHubError) {
        do {
            try await create()
        } catch  where error.code == .alreadyExists {
            // Created concurrently: what we wanted.
        }
        knownEntities.insert(urn)
    }

    /// Starts reading the dataset now, for the next `datasetForRun(urn)` within a second to take (a one-off command
    /// reads its dataset while it connects to PostgreSQL). A read that fails leaves that call to read again.
    public func readAhead(_ urn: DatasetURN) {
        readAheads.start(urn) { [self] in try await dataset(urn) }
    }

    public func datasetForRun(_ urn: DatasetURN) async throws(DataHubError) -> DatasetSnapshot? {
        if let ahead = readAheads.take(urn) {
            do {
                return try await ahead.value
            } catch {
                // Read again below: this read's failure (or cancellation) is its own, not necessarily DataHub's now.
            }
        }
        return try await dataset(urn)
    }

    /// The dataset, or nil when DataHub has no such entity (one request: existence and snapshot together).
    public func dataset(_ urn: DatasetURN) async throws(DataHubError) -> DatasetSnapshot? {
        let data = try await client.execute(.dataset, variables: ["urn": .string(urn.description)])
        guard data["entityExists"]?.bool == true, let dataset = data["dataset"], dataset != .null else { return nil }
        return Self.snapshot(urn: urn, dataset)
    }

    /// Maps the `tokenizeDataset` answer.
    static func snapshot(urn: DatasetURN, _ dataset: JSONValue) -> DatasetSnapshot {
        func tags(_ value: JSONValue?) -> Set<TagURN> {
            Set((value?["tags"]?.array ?? []).compactMap { $0["tag"]?["urn"]?.string.flatMap(TagURN.init(urn:)) })
        }
        /// Both the display name and the URN's last component (`Classification.Email_Address` → `Email_Address`).
        func terms(_ value: JSONValue?) -> Set<String> {
            Set(
                (value?["terms"]?.array ?? []).flatMap { association in
                    [association["term"]?["properties"]?["name"]?.string, association["term"]?["urn"]?.string.map(glossaryTermName(urn:))].compactMap
                    { $0 }
                })
        }
        var fields: [String: DatasetSnapshot.Field] = [:]
        var order: [String] = []
        for field in dataset["schemaMetadata"]?["fields"]?.array ?? [] {
            guard let path = field["fieldPath"]?.string else { continue }
            if fields[path] == nil { order.append(path) }
            let entity = field["schemaFieldEntity"]
            fields[path] = .init(
                fieldPath: path, ingestedTags: tags(field["tags"]), entityTags: tags(entity?["tags"]),
                glossaryTerms: terms(field["glossaryTerms"]).union(terms(entity?["glossaryTerms"])), nativeDataType: field["nativeDataType"]?.string)
        }
        for info in dataset["editableSchemaMetadata"]?["editableSchemaFieldInfo"]?.array ?? [] {
            guard let path = info["fieldPath"]?.string else { continue }
            if fields[path] == nil {
                order.append(path)
                fields[path] = .init(fieldPath: path)
            }
            fields[path]?.editableTags.formUnion(tags(info["tags"]))
            fields[path]?.glossaryTerms.formUnion(terms(info["glossaryTerms"]))
        }
        return DatasetSnapshot(
            urn: urn, tags: tags(dataset["tags"]), fields: order.compactMap { fields[$0] },
            editableDescription: dataset["editableProperties"]?["description"]?.string,
            editableName: dataset["editableProperties"]?["name"]?.string,
            ingestedDescription: dataset["properties"]?["description"]?.string)
    }

    /// A glossary term's name from its URN: `urn:li:glossaryTerm:Classification.Email_Address` → `Email_Address`.
    static func glossaryTermName(urn: String) -> String {
        let id = urn.hasPrefix("urn:li:glossaryTerm:") ? String(urn.dropFirst("urn:li:glossaryTerm:".count)) : urn
        return id.split(separator: ".").last.map(String.init) ?? id
    }

    /// Datasets carrying `tag` on the dataset, in a schema aspect's field, or on a field's own `schemaField`
    /// entity (found by searching SCHEMA_FIELD entities and mapped to their dataset).
    public func datasets(taggedWith tag: TagURN) async throws(DataHubError) -> TaggedDatasets {
        try await datasets(where: ["tags", "fieldTags", "editedFieldTags"], holdAnyOf: [tag.urn])
    }

    public func datasets(withGlossaryTerms terms: [String]) async throws(DataHubError) -> TaggedDatasets {
        guard !terms.isEmpty else { return TaggedDatasets(datasets: []) }
        return try await datasets(where: ["glossaryTerms", "fieldGlossaryTerms", "editedFieldGlossaryTerms"], holdAnyOf: terms)
    }

    /// Datasets (and fields, as their datasets) whose search document holds one of `values` in one of `fields`.
    private func datasets(where fields: [String], holdAnyOf values: [String]) async throws(DataHubError) -> TaggedDatasets {
        let filters: JSONValue = .array(
            fields.map { field in ["and": [["field": .string(field), "values": .array(values.map { .string($0) })]]] })
        var urns: [String] = []
        var scrollID: JSONValue = .null
        for _ in 0..<1000 {
            let data = try await client.execute(
                .scrollTaggedDatasets,
                variables: [
                    "input": ["types": ["DATASET", "SCHEMA_FIELD"], "query": "*", "count": .number(200), "scrollId": scrollID, "orFilters": filters]
                ])
            let page = data["scrollAcrossEntities"]
            urns += (page?["searchResults"]?.array ?? []).compactMap { result in
                result["entity"]?["urn"]?.string.map { urn in TagTarget.schemaFieldParts(urn)?.dataset ?? urn }
            }
            guard let next = page?["nextScrollId"]?.string, !(page?["searchResults"]?.array ?? []).isEmpty else { break }
            scrollID = .string(next)
        }
        return TaggedDatasets(listed: urns)
    }

    public func groups(of user: String) async throws(DataHubError) -> Set<String> {
        var groups: Set<String> = []
        var start = 0
        for _ in 0..<100 {
            let data = try await client.execute(
                .userGroups, variables: ["urn": .string(user), "start": .number(Double(start)), "count": .number(100)])
            let page = data["corpUser"]?["relationships"]
            let items = page?["relationships"]?.array ?? []
            groups.formUnion(items.compactMap { $0["entity"]?["urn"]?.string })
            start += items.count
            guard !items.isEmpty, start < Int(page?["total"]?.number ?? 0) else { break }
        }
        return groups
    }

    public func addTags(_ tags: [TagURN], to targets: [TagTarget]) async throws(DataHubError) {
        guard !tags.isEmpty, !targets.isEmpty else { return }
        let data = try await client.execute(.batchAddTags, variables: ["input": Self.tagInput(tags, targets)])
        guard data["batchAddTags"]?.bool == true else {
            throw DataHubError(.graphQL, "batchAddTags returned false", operationName: DataHubDocument.batchAddTags.operationName)
        }
    }

    public func removeTags(_ tags: [TagURN], from targets: [TagTarget]) async throws(DataHubError) {
        guard !tags.isEmpty, !targets.isEmpty else { return }
        let data = try await client.execute(.batchRemoveTags, variables: ["input": Self.tagInput(tags, targets)])
        guard data["batchRemoveTags"]?.bool == true else {
            throw DataHubError(.graphQL, "batchRemoveTags returned false", operationName: DataHubDocument.batchRemoveTags.operationName)
        }
    }

    private static func tagInput(_ tags: [TagURN], _ targets: [TagTarget]) -> JSONValue {
        let resources = targets.map { target -> JSONValue in
            guard let fieldPath = target.fieldPath else { return ["resourceUrn": .string(target.datasetURN.description)] }
            if target.onFieldEntity { return ["resourceUrn": .string(TagTarget.schemaFieldURN(dataset: target.datasetURN, fieldPath: fieldPath))] }
            return ["resourceUrn": .string(target.datasetURN.description), "subResourceType": "DATASET_FIELD", "subResource": .string(fieldPath)]
        }
        return ["tagUrns": .array(tags.map { .string($0.urn) }), "resources": .array(resources)]
    }

    public func setEditableDescription(datasetURN: DatasetURN, description: String, name: String?) async throws(DataHubError) {
        var editable: [String: JSONValue] = ["description": .string(description)]
        if let name { editable["name"] = .string(name) }
        _ = try await client.execute(
            .updateEditableProperties, variables: ["urn": .string(datasetURN.description), "input": ["editableProperties": .object(editable)]])
    }

    public func setStructuredProperty(datasetURN: DatasetURN, propertyID: String, value: String) async throws(DataHubError) {
        _ = try await client.execute(
            .upsertStructuredProperties,
            variables: [
                "input": [
                    "assetUrn": .string(datasetURN.description),
                    "structuredPropertyInputParams": [
                        ["structuredPropertyUrn": .string("urn:li:structuredProperty:\(propertyID)"), "values": [["stringValue": .string(value)]]]
                    ],
                ]
            ])
    }
}

/// A set of URNs known to exist, shared by copies of `DataHubOperations`.
final class KnownEntities: Sendable {
    private let urns = Mutex<Set<String>>([])
    func contains(_ urn: String) -> Bool { urns.withLock { $0.contains(urn) } }
    func insert(_ urn: String) { _ = urns.withLock { $0.insert(urn) } }
}
