/// The fields of a DataHub MetadataChangeLog event that the service acts on.
///
/// Read by field name from the writer schema, so both the current layout (schema ids 18/19) and the older
/// v1 layout (ids 2/3/11/12) map the same way.
public struct MetadataChangeLog: Sendable, Equatable {
    /// A DataHub aspect serialized inside the event (`GenericAspect`).
    public struct Aspect: Sendable, Equatable {
        /// Raw aspect bytes; JSON when `contentType` is `application/json`.
        public var value: [UInt8]
        public var contentType: String

        public init(value: [UInt8], contentType: String) {
            self.value = value
            self.contentType = contentType
        }
    }

    public var entityType: String
    public var entityURN: String?
    /// `UPSERT`, `CREATE`, `DELETE`, `RESTATE`, …
    public var changeType: String
    public var aspectName: String?
    public var aspect: Aspect?
    public var previousAspectValue: Aspect?
    /// The actor of the change (`created.actor`), when present.
    public var actor: String?

    public init(
        entityType: String, entityURN: String?, changeType: String, aspectName: String?,
        aspect: Aspect?, previousAspectValue: Aspect?, actor: String? = nil
    ) {
        self.entityType = entityType
        self.entityURN = entityURN
        self.changeType = changeType
        self.aspectName = aspectName
        self.aspect = aspect
        self.previousAspectValue = previousAspectValue
        self.actor = actor
    }
}

/// Which events are worth decoding in full: an event outside the filter is dropped as soon as the field that
/// rules it out has been read, and the rest of its body is never looked at.
public struct MCLFilter: Sendable, Equatable {
    // A handful of short values each: comparing them one by one is cheaper than hashing the decoded string.
    public let entityTypes: [String]
    public let changeTypes: [String]
    public let aspectNames: [String]

    public init(entityTypes: Set<String>, changeTypes: Set<String>, aspectNames: Set<String>) {
        self.entityTypes = entityTypes.sorted()
        self.changeTypes = changeTypes.sorted()
        self.aspectNames = aspectNames.sorted()
    }
}
