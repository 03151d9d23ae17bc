import Foundation

/// What a MetadataChangeLog asks the service to do.
public struct Trigger: Sendable, Equatable {
    /// Where the trigger tag was added.
    public enum Scope: Sendable, Equatable {
        /// On the dataset itself (`globalTags`).
        case dataset
        /// On these fields (`editableSchemaMetadata` or `schemaMetadata`), sorted by field path.
        case fields([String])
    }

    public var datasetURN: String
    public var scope: Scope
    /// The aspect the trigger was found in.
    public var aspectName: String

    public init(datasetURN: String, scope: Scope, aspectName: String) {
        self.datasetURN = datasetURN
        self.scope = scope
        self.aspectName = aspectName
    }
}

/// Decides whether an MCL adds the trigger tag. Pure: no I/O.
///
/// A trigger is the tag present in the new aspect and absent from `previousAspectValue` (a missing
/// previous value counts as empty). Only dataset UPSERT/CREATE events count: RESTATE replays and
/// DELETEs never trigger, and the service's own write-backs (which remove the trigger or keep it
/// unchanged) never add it, so they cannot re-trigger.
public struct TriggerDetector: Sendable {
    /// The trigger tag's URN, e.g. `urn:li:tag:tokenize/run`.
    public let triggerTagURN: String

    /// - Parameter triggerTag: the tag name (`tokenize/run`) or its full URN.
    public init(triggerTag: String) {
        self.triggerTagURN = triggerTag.hasPrefix("urn:li:tag:") ? triggerTag : "urn:li:tag:\(triggerTag)"
    }

    /// The aspects that can carry a trigger.
    public static let watchedAspects: Set<String> = ["globalTags", "editableSchemaMetadata", "schemaMetadata"]

    /// The trigger in `event`, or `nil` when it holds none.
    /// - Throws: `MCLDecodingError` when a watched aspect's JSON is malformed.
    public func trigger(in event: MetadataChangeLog) throws(MCLDecodingError) -> Trigger? {
        guard event.entityType == "dataset",
            event.changeType == "UPSERT" || event.changeType == "CREATE",
            let urn = event.entityURN,
            let aspectName = event.aspectName, Self.watchedAspects.contains(aspectName),
            let aspect = event.aspect
        else { return nil }
        guard aspect.contentType.lowercased().hasPrefix("application/json") else {
            throw MCLDecodingError(.missingField, "\(aspectName) has content type \(aspect.contentType), expected application/json")
        }
        let previous = event.previousAspectValue?.value
        switch aspectName {
        case "globalTags":
            let now = try Self.parse(GlobalTagsJSON.self, aspect.value, aspectName).tagURNs
            var before: Set<String> = []
            if let previous { before = try Self.parse(GlobalTagsJSON.self, previous, aspectName).tagURNs }
            guard now.contains(triggerTagURN), !before.contains(triggerTagURN) else { return nil }
            return Trigger(datasetURN: urn, scope: .dataset, aspectName: aspectName)
        case "editableSchemaMetadata":
            let now = try Self.parse(EditableSchemaMetadataJSON.self, aspect.value, aspectName).fieldTags
            var before: [String: Set<String>] = [:]
            if let previous { before = try Self.parse(EditableSchemaMetadataJSON.self, previous, aspectName).fieldTags }
            return fieldTrigger(urn: urn, aspectName: aspectName, now: now, before: before)
        default:
            let now = try Self.parse(SchemaMetadataJSON.self, aspect.value, aspectName).fieldTags
            var before: [String: Set<String>] = [:]
            if let previous { before = try Self.parse(SchemaMetadataJSON.self, previous, aspectName).fieldTags }
            return fieldTrigger(urn: urn, aspectName: aspectName, now: now, before: before)
        }
    }

    private func fieldTrigger(urn: String, aspectName: String, now: [String: Set<String>], before: [String: Set<String>]) -> Trigger? {
        let added = now.compactMap { field, tags in
            tags.contains(triggerTagURN) && !(before[field]?.contains(triggerTagURN) ?? false) ? field : nil
        }
        guard !added.isEmpty else { return nil }
        return Trigger(datasetURN: urn, scope: .fields(added.sorted()), aspectName: aspectName)
    }

    private static func parse<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], _ aspectName: String) throws(MCLDecodingError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            throw MCLDecodingError(.missingField, "\(aspectName) JSON does not parse: \(error)")
        }
    }
}

// DataHub (Pegasus) JSON shapes of the aspects; optional fields may be left out.
struct TagAssociationJSON: Decodable { var tag: String }
struct GlobalTagsJSON: Decodable {
    var tags: [TagAssociationJSON]?
    var tagURNs: Set<String> { Set((tags ?? []).map(\.tag)) }
}
struct FieldWithTagsJSON: Decodable {
    var fieldPath: String
    var globalTags: GlobalTagsJSON?
}
struct EditableSchemaMetadataJSON: Decodable {
    var editableSchemaFieldInfo: [FieldWithTagsJSON]?
    var fieldTags: [String: Set<String>] { Self.index(editableSchemaFieldInfo ?? []) }
    static func index(_ fields: [FieldWithTagsJSON]) -> [String: Set<String>] {
        fields.reduce(into: [:]) { result, field in
            result[field.fieldPath, default: []].formUnion(field.globalTags?.tagURNs ?? [])
        }
    }
}
struct SchemaMetadataJSON: Decodable {
    var fields: [FieldWithTagsJSON]?
    var fieldTags: [String: Set<String>] { EditableSchemaMetadataJSON.index(fields ?? []) }
}
