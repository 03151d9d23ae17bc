import Synchronization

/// What the service reads of a dataset before a run.
public struct DatasetSnapshot: Sendable, Equatable {
    public struct Field: Sendable, Equatable {
        public var fieldPath: String
        /// Tags from ingestion (`schemaMetadata`) and the UI (`editableSchemaMetadata`) together.
        public var tagURNs: Set<String>
        public var nativeDataType: String?

        public init(fieldPath: String, tagURNs: Set<String>, nativeDataType: String?) {
            self.fieldPath = fieldPath
            self.tagURNs = tagURNs
            self.nativeDataType = nativeDataType
        }
    }

    public var urn: String
    public var tagURNs: Set<String>
    public var fields: [Field]
    /// The UI-edited description (`editableDatasetProperties`), which is what users see when set.
    public var editableDescription: String?
    /// The UI-edited name, carried over when the editable properties are rewritten.
    public var editableName: String?
    /// The ingested description (`datasetProperties`).
    public var ingestedDescription: String?

    public init(
        urn: String, tagURNs: Set<String>, fields: [Field], editableDescription: String?, editableName: String?, ingestedDescription: String?
    ) {
        self.urn = urn
        self.tagURNs = tagURNs
        self.fields = fields
        self.editableDescription = editableDescription
        self.editableName = editableName
        self.ingestedDescription = ingestedDescription
    }
}

/// The DataHub operations a run uses, typed.
public struct DataHubOperations: Sendable {
    private let client: DataHubGraphQLClient
    /// Entities known to exist, so tags are checked once per process.
    private let knownEntities = KnownEntities()

    public init(client: DataHubGraphQLClient) {
        self.client = client
    }

    public func ping() async -> Bool { await client.ping() }

    /// Whether an entity exists (`tag(urn)` and `dataset(urn)` answer placeholders for missing ones).
    public func entityExists(_ urn: String) async throws(DataHubError) -> Bool {
        let data = try await client.execute(DataHubDocuments.entityExists, variables: ["urn": .string(urn)])
        return data["entityExists"]?.bool ?? false
    }

    /// Creates each tag (`urn:li:tag:NAME`) that does not exist yet.
    public func ensureTags(_ tagURNs: [String], description: String) async throws(DataHubError) {
        for urn in tagURNs where !knownEntities.contains(urn) {
            if try await !entityExists(urn) {
                let id = String(urn.dropFirst("urn:li:tag:".count))
                _ = try await client.execute(
                    DataHubDocuments.createTag,
                    variables: ["input": ["id": .string(id), "name": .string(id), "description": .string(description)]])
            }
            knownEntities.insert(urn)
        }
    }

    /// Creates the string structured property `id` for datasets if it does not exist yet.
    public func ensureStructuredProperty(id: String, displayName: String, description: String) async throws(DataHubError) {
        let urn = "urn:li:structuredProperty:\(id)"
        guard !knownEntities.contains(urn) else { return }
        if try await !entityExists(urn) {
            _ = try await client.execute(
                DataHubDocuments.createStructuredProperty,
                variables: [
                    "input": [
                        "id": .string(id), "qualifiedName": .string(id), "displayName": .string(displayName),
                        "description": .string(description), "valueType": "urn:li:dataType:datahub.string",
                        "cardinality": "SINGLE", "entityTypes": ["urn:li:entityType:datahub.dataset"],
                        "settings": ["isHidden": false, "showInAssetSummary": true, "showInSearchFilters": false],
                    ]
                ])
        }
        knownEntities.insert(urn)
    }

    /// Reads tags, field tags and descriptions of a dataset; `nil` when it does not exist.
    public func dataset(_ urn: String) async throws(DataHubError) -> DatasetSnapshot? {
        guard try await entityExists(urn) else { return nil }
        let data = try await client.execute(DataHubDocuments.dataset, variables: ["urn": .string(urn)])
        guard let dataset = data["dataset"], dataset != .null else { return nil }
        func tags(_ value: JSONValue?) -> Set<String> {
            Set((value?["tags"]?.array ?? []).compactMap { $0["tag"]?["urn"]?.string })
        }
        var fields: [String: DatasetSnapshot.Field] = [:]
        var order: [String] = []
        for field in dataset["schemaMetadata"]?["fields"]?.array ?? [] {
            guard let path = field["fieldPath"]?.string else { continue }
            if fields[path] == nil { order.append(path) }
            fields[path] = .init(fieldPath: path, tagURNs: tags(field["tags"]), nativeDataType: field["nativeDataType"]?.string)
        }
        for info in dataset["editableSchemaMetadata"]?["editableSchemaFieldInfo"]?.array ?? [] {
            guard let path = info["fieldPath"]?.string else { continue }
            if fields[path] == nil {
                order.append(path)
                fields[path] = .init(fieldPath: path, tagURNs: [], nativeDataType: nil)
            }
            fields[path]?.tagURNs.formUnion(tags(info["tags"]))
        }
        return DatasetSnapshot(
            urn: urn, tagURNs: tags(dataset["tags"]), fields: order.compactMap { fields[$0] },
            editableDescription: dataset["editableProperties"]?["description"]?.string,
            editableName: dataset["editableProperties"]?["name"]?.string,
            ingestedDescription: dataset["properties"]?["description"]?.string)
    }

    /// A dataset, or one of its fields, that tags are applied to.
    public struct TagTarget: Sendable, Hashable {
        public var datasetURN: String
        /// A field path, or `nil` for the dataset itself.
        public var fieldPath: String?

        public init(datasetURN: String, fieldPath: String?) {
            self.datasetURN = datasetURN
            self.fieldPath = fieldPath
        }

        var resourceRef: JSONValue {
            guard let fieldPath else { return ["resourceUrn": .string(datasetURN)] }
            return ["resourceUrn": .string(datasetURN), "subResourceType": "DATASET_FIELD", "subResource": .string(fieldPath)]
        }
    }

    /// Adds tags to targets, as the UI does (`batchAddTags`).
    public func addTags(_ tagURNs: [String], to targets: [TagTarget]) async throws(DataHubError) {
        guard !tagURNs.isEmpty, !targets.isEmpty else { return }
        let data = try await client.execute(
            DataHubDocuments.batchAddTags,
            variables: ["input": ["tagUrns": .array(tagURNs.map(JSONValue.string)), "resources": .array(targets.map(\.resourceRef))]])
        guard data["batchAddTags"]?.bool == true else {
            throw DataHubError(.graphQL, "batchAddTags returned false", operationName: DataHubDocuments.batchAddTags.operationName)
        }
    }

    /// Removes tags from targets (`batchRemoveTags`).
    public func removeTags(_ tagURNs: [String], from targets: [TagTarget]) async throws(DataHubError) {
        guard !tagURNs.isEmpty, !targets.isEmpty else { return }
        let data = try await client.execute(
            DataHubDocuments.batchRemoveTags,
            variables: ["input": ["tagUrns": .array(tagURNs.map(JSONValue.string)), "resources": .array(targets.map(\.resourceRef))]])
        guard data["batchRemoveTags"]?.bool == true else {
            throw DataHubError(.graphQL, "batchRemoveTags returned false", operationName: DataHubDocuments.batchRemoveTags.operationName)
        }
    }

    /// Sets the dataset's UI description, carrying the editable name over (the update replaces both).
    public func setEditableDescription(datasetURN: String, description: String, name: String?) async throws(DataHubError) {
        var editable: [String: JSONValue] = ["description": .string(description)]
        if let name { editable["name"] = .string(name) }
        _ = try await client.execute(
            DataHubDocuments.updateEditableProperties,
            variables: ["urn": .string(datasetURN), "input": ["editableProperties": .object(editable)]])
    }

    /// Sets one string structured property on a dataset.
    public func setStructuredProperty(datasetURN: String, propertyID: String, value: String) async throws(DataHubError) {
        _ = try await client.execute(
            DataHubDocuments.upsertStructuredProperties,
            variables: [
                "input": [
                    "assetUrn": .string(datasetURN),
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
