/// What the service reads of a dataset before a run and before a write-back.
public struct DatasetSnapshot: Sendable, Equatable {
    public struct Field: Sendable, Equatable {
        public var fieldPath: String
        /// Tags set in the UI or over GraphQL (`editableSchemaMetadata`): these can be removed.
        public var editableTags: Set<TagURN>
        /// Tags set by ingestion (`schemaMetadata`): GraphQL cannot remove these.
        public var ingestedTags: Set<TagURN>
        /// Tags on the field's own `schemaField` entity (`urn:li:schemaField:(<dataset>,<field path>)`, its
        /// `globalTags`): removable by naming that entity.
        public var entityTags: Set<TagURN>
        /// The names of the glossary terms on the field (ingested, edited, or on its entity).
        public var glossaryTerms: Set<String>
        public var nativeDataType: String?

        public init(
            fieldPath: String, editableTags: Set<TagURN> = [], ingestedTags: Set<TagURN> = [], entityTags: Set<TagURN> = [],
            glossaryTerms: Set<String> = [], nativeDataType: String? = nil
        ) {
            self.fieldPath = fieldPath
            self.editableTags = editableTags
            self.ingestedTags = ingestedTags
            self.entityTags = entityTags
            self.glossaryTerms = glossaryTerms
            self.nativeDataType = nativeDataType
        }

        /// Every tag of the field, wherever it was set.
        public var tags: Set<TagURN> { editableTags.union(ingestedTags).union(entityTags) }
    }

    public var urn: DatasetURN
    public var tags: Set<TagURN>
    public var fields: [Field]
    /// The UI-edited description (`editableDatasetProperties`), which is what users see when set.
    public var editableDescription: String?
    /// The UI-edited name, carried over when the editable properties are rewritten.
    public var editableName: String?
    /// The ingested description (`datasetProperties`).
    public var ingestedDescription: String?

    public init(
        urn: DatasetURN, tags: Set<TagURN> = [], fields: [Field] = [], editableDescription: String? = nil, editableName: String? = nil,
        ingestedDescription: String? = nil
    ) {
        self.urn = urn
        self.tags = tags
        self.fields = fields
        self.editableDescription = editableDescription
        self.editableName = editableName
        self.ingestedDescription = ingestedDescription
    }

    /// The fields carrying `tag`, from either source.
    public func fields(taggedWith tag: TagURN) -> [Field] {
        fields.filter { $0.tags.contains(tag) }
    }

    /// The description a user sees: the edited one, else the ingested one.
    public var visibleDescription: String? { editableDescription ?? ingestedDescription }
}

/// A dataset, or one of its fields, that tags are applied to.
public struct TagTarget: Sendable, Hashable {
    public var datasetURN: DatasetURN
    /// A field path, or `nil` for the dataset itself.
    public var fieldPath: String?
    /// Whether the tags are on the field's `schemaField` entity rather than in the dataset's schema aspects.
    public var onFieldEntity: Bool

    public init(datasetURN: DatasetURN, fieldPath: String? = nil, onFieldEntity: Bool = false) {
        self.datasetURN = datasetURN
        self.fieldPath = fieldPath
        self.onFieldEntity = onFieldEntity && fieldPath != nil
    }

    /// The URN of the field's `schemaField` entity.
    public static func schemaFieldURN(dataset: DatasetURN, fieldPath: String) -> String {
        "urn:li:schemaField:(\(dataset),\(fieldPath))"
    }

    /// The dataset URN and field path of `urn:li:schemaField:(<dataset URN>,<field path>)`; the dataset URN's own
    /// parentheses are balanced, so the field path starts after the comma that closes it.
    public static func schemaFieldParts(_ urn: String) -> (dataset: String, fieldPath: String)? {
        let prefix = "urn:li:schemaField:("
        guard urn.hasPrefix(prefix), urn.hasSuffix(")") else { return nil }
        let body = urn.dropFirst(prefix.count).dropLast()
        var depth = 0
        for index in body.indices {
            switch body[index] {
            case "(": depth += 1
            case ")": depth -= 1
            case "," where depth == 0:
                let dataset = String(body[..<index])
                let fieldPath = String(body[body.index(after: index)...])
                return dataset.hasPrefix("urn:li:dataset:") && !fieldPath.isEmpty ? (dataset, fieldPath) : nil
            default: break
            }
        }
        return nil
    }
}
