/// The fields of a DataHub MetadataChangeLog event that the service acts on.
///
/// Built from a decoded Avro record by field name, so both the current layout (schema ids 18/19) and the
/// older v1 layout (ids 2/3/11/12) map the same way.
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

    /// Maps a decoded MCL Avro record.
    public init(datum: AvroDatum) throws(MCLDecodingError) {
        guard case .record = datum else {
            throw MCLDecodingError(.missingField, "top-level value is not a record")
        }
        guard let entityType = datum[field: "entityType"]?.stringValue else {
            throw MCLDecodingError(.missingField, "entityType is missing")
        }
        guard let changeType = datum[field: "changeType"]?.stringValue else {
            throw MCLDecodingError(.missingField, "changeType is missing")
        }
        self.entityType = entityType
        self.changeType = changeType
        self.entityURN = datum[field: "entityUrn"]?.stringValue
        self.aspectName = datum[field: "aspectName"]?.stringValue
        self.aspect = try Self.aspect(datum[field: "aspect"], name: "aspect")
        self.previousAspectValue = try Self.aspect(datum[field: "previousAspectValue"], name: "previousAspectValue")
        self.actor = datum[field: "created"]?[field: "actor"]?.stringValue
    }

    private static func aspect(_ datum: AvroDatum?, name: String) throws(MCLDecodingError) -> Aspect? {
        guard let datum, !datum.isNull else { return nil }
        guard let value = datum[field: "value"]?.bytesValue,
            let contentType = datum[field: "contentType"]?.stringValue
        else { throw MCLDecodingError(.missingField, "\(name) lacks value or contentType") }
        return Aspect(value: value, contentType: contentType)
    }
}
