import Catalog
import JSON

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a MetadataChangeLog asks the service to do.
public struct Trigger: Sendable, Equatable {
    /// What the added tag asks for.
    public enum Kind: Sendable, Equatable {
        /// The trigger tag: tokenize.
        case run
        /// The approval tag on a dataset: approve its runs awaiting approval.
        case approval
        /// The plan tag on a dataset: a dry run.
        case plan
    }

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
    /// Who made the change (`created.actor`), when the event says.
    public var actor: String?
    public var kind: Kind

    public init(datasetURN: String, scope: Scope, aspectName: String, actor: String? = nil, kind: Kind = .run) {
        self.kind = kind
        self.datasetURN = datasetURN
        self.scope = scope
        self.aspectName = aspectName
        self.actor = actor
    }
}

/// Decides whether an MCL adds the trigger tag (to a dataset or its fields), or the approval tag (to a
/// dataset). Pure: no I/O.
///
/// A trigger is the tag present in the new aspect and absent from `previousAspectValue` (a missing
/// previous value counts as empty). Only dataset UPSERT/CREATE events count: RESTATE replays and
/// DELETEs never trigger, and the service's own write-backs (which remove the trigger or keep it
/// unchanged) never add it, so they cannot re-trigger.
///
/// Aspect JSON is parsed only when it can hold the trigger (its bytes contain the tag's URN, or an escape
/// that might spell it), and then strictly, as DataHub reads it.
public struct TriggerDetector: Sendable {
    public let triggerTag: TagURN
    public let approvalTag: TagURN?
    /// Asks for a plan when added to a dataset (`PLAN_TAG`).
    public let planTag: TagURN?
    private let needles: [BytePattern]

    /// Hears the trigger, approval and plan tags of `tags`.
    public init(tags: ServiceTags) {
        self.init(trigger: tags.trigger, approval: tags.approval, plan: tags.plan)
    }

    /// Hears `trigger` alone, or with an approval and a plan tag.
    public init(trigger: TagURN, approval: TagURN? = nil, plan: TagURN? = nil) {
        self.triggerTag = trigger
        self.approvalTag = approval
        self.planTag = plan
        self.needles = [trigger, approval, plan].compactMap { $0.map { BytePattern(Array($0.urn.utf8)) } }
    }

    /// The aspects that can carry a trigger.
    public static let watchedAspects: Set<String> = ["globalTags", "editableSchemaMetadata", "schemaMetadata"]

    /// The events worth decoding past their header: datasets, and fields' own `schemaField` entities (whose
    /// `globalTags` carry field tags too).
    public static let filter = MCLFilter(entityTypes: ["dataset", "schemaField"], changeTypes: ["UPSERT", "CREATE"], aspectNames: watchedAspects)

    /// The trigger in `event`, or `nil` when it holds none.
    /// - Throws: `MCLDecodingError` (poison) when a watched aspect is not JSON or not the aspect's shape.
    public func trigger(in event: MetadataChangeLog) throws(MCLDecodingError) -> Trigger? {
        guard Self.filter.entityTypes.contains(event.entityType), Self.filter.changeTypes.contains(event.changeType),
            let urn = event.entityURN, let aspectName = event.aspectName, Self.watchedAspects.contains(aspectName),
            let aspect = event.aspect
        else { return nil }
        guard aspect.contentType.lowercased().hasPrefix("application/json") else {
            throw MCLDecodingError(.aspectNotJSON, "\(aspectName) has content type \(aspect.contentType), expected application/json")
        }
        guard mayMention(aspect.value) else { return nil }
        let now = try Self.tags(of: aspectName, aspect.value)
        let before = try event.previousAspectValue.map { value throws(MCLDecodingError) in try Self.tags(of: aspectName, value.value) } ?? [:]
        if event.entityType == "schemaField" {  // the trigger on a field's own entity: a field-level trigger
            guard aspectName == "globalTags", let (dataset, fieldPath) = Self.schemaFieldParts(urn),
                now[nil]?.contains(triggerTag) == true, before[nil]?.contains(triggerTag) != true
            else { return nil }
            return Trigger(datasetURN: dataset, scope: .fields([fieldPath]), aspectName: aspectName, actor: event.actor)
        }
        if aspectName == "globalTags" {
            func added(_ tag: TagURN) -> Bool { now[nil]?.contains(tag) == true && before[nil]?.contains(tag) != true }
            if added(triggerTag) { return Trigger(datasetURN: urn, scope: .dataset, aspectName: aspectName, actor: event.actor) }
            if let approvalTag, added(approvalTag) {
                return Trigger(datasetURN: urn, scope: .dataset, aspectName: aspectName, actor: event.actor, kind: .approval)
            }
            if let planTag, added(planTag) {
                return Trigger(datasetURN: urn, scope: .dataset, aspectName: aspectName, actor: event.actor, kind: .plan)
            }
            return nil
        }
        let added = now.compactMap { field, tags -> String? in
            guard let field, tags.contains(triggerTag), before[field]?.contains(triggerTag) != true else { return nil }
            return field
        }
        guard !added.isEmpty else { return nil }
        return Trigger(datasetURN: urn, scope: .fields(added.sorted()), aspectName: aspectName, actor: event.actor)
    }

    /// The dataset URN and field path of a `schemaField` entity URN (`TagTarget.schemaFieldParts`).
    public static func schemaFieldParts(_ urn: String) -> (dataset: String, fieldPath: String)? {
        TagTarget.schemaFieldParts(urn)
    }

    /// Whether the bytes contain a watched tag's URN, or a backslash (an escape could spell it).
    /// Most aspects on a busy topic are schemas of kilobytes, so the scans run on libc's vectorised `memchr`.
    private func mayMention(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { haystack in
            guard let base = haystack.baseAddress, !haystack.isEmpty else { return false }
            if memchr(base, Int32(UInt8(ascii: "\\")), haystack.count) != nil { return true }
            return needles.contains { $0.occurs(in: haystack) }
        }
    }

    /// The tags of a watched aspect: key nil for the dataset (`globalTags`), else by field path.
    static func tags(of aspectName: String, _ bytes: [UInt8]) throws(MCLDecodingError) -> [String?: Set<TagURN>] {
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw MCLDecodingError(.aspectNotJSON, "\(aspectName) is not valid JSON: \(error)")
        }
        guard json.object != nil else { throw MCLDecodingError(.aspectShape, "\(aspectName) is not a JSON object") }
        switch aspectName {
        case "globalTags":
            return [nil: try globalTags(json, aspectName)]
        default:
            let key = aspectName == "schemaMetadata" ? "fields" : "editableSchemaFieldInfo"
            var result: [String?: Set<TagURN>] = [:]
            for field in try list(json[key], "\(aspectName).\(key)") {
                guard let path = field["fieldPath"]?.string else {
                    throw MCLDecodingError(.aspectShape, "\(aspectName).\(key)[] lacks a string fieldPath")
                }
                result[path, default: []].formUnion(try globalTags(field["globalTags"] ?? .null, "\(aspectName) field \(path)"))
            }
            return result
        }
    }

    private static func globalTags(_ holder: JSONValue, _ what: String) throws(MCLDecodingError) -> Set<TagURN> {
        if holder == .null { return [] }
        var tags: Set<TagURN> = []
        for association in try list(holder["tags"], "\(what) tags") {
            guard let urn = association["tag"]?.string, let tag = TagURN(urn: urn) else {
                throw MCLDecodingError(.aspectShape, "\(what) has a tag association without a tag URN")
            }
            tags.insert(tag)
        }
        return tags
    }

    private static func list(_ value: JSONValue?, _ what: String) throws(MCLDecodingError) -> [JSONValue] {
        switch value {
        case nil, .null?: return []
        case .array(let items)?: return items
        default: throw MCLDecodingError(.aspectShape, "\(what) is not an array")
        }
    }
}
