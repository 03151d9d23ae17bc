import Catalog

/// What one MCL message means to the service.
public enum MCLClassification: Sendable, Equatable {
    /// Not a trigger: its offset may move on at once.
    case irrelevant
    /// The trigger tag was added.
    case trigger(Trigger)
    /// The message can never be decoded: it belongs in the dead-letter table.
    case poison(MCLDecodingError)
    /// The writer schema is not cached yet; classify again after fetching it.
    case needsSchema(Int32)
}

/// Classifies raw MCL values without I/O, from the schema cache: Confluent framing → writer schema by id →
/// the header fields (stopping early for everything that cannot be a trigger) → the trigger tag diff.
///
/// Cheap and synchronous, so the Kafka poll thread can drop the irrelevant majority of a busy topic without
/// copying them or handing them to async code.
public struct MCLClassifier: Sendable {
    public let cache: SchemaCache
    public let detector: TriggerDetector

    public init(cache: SchemaCache, detector: TriggerDetector) {
        self.cache = cache
        self.detector = detector
    }

    /// Classifies a message value (bytes valid only during the call).
    public func classify(_ value: UnsafeRawBufferPointer) -> MCLClassification {
        let schemaID: Int32
        do {
            schemaID = try ConfluentFrame.schemaID(of: value)
        } catch {
            return .poison(error)
        }
        guard let schema = cache.schema(id: schemaID) else { return .needsSchema(schemaID) }
        do {
            guard let event = try schema.decode(UnsafeRawBufferPointer(rebasing: value[5...]), filter: TriggerDetector.filter) else {
                return .irrelevant
            }
            return try detector.trigger(in: event).map(MCLClassification.trigger) ?? .irrelevant
        } catch {
            return .poison(MCLDecodingError(error.code, error.message, context: error.context.merging(["schema_id": "\(schemaID)"]) { $1 }))
        }
    }

    public func classify(_ value: [UInt8]) -> MCLClassification {
        value.withUnsafeBytes { classify($0) }
    }

    /// Classifies, fetching the writer schema from the registry when it is not cached.
    /// - Throws: `.registryUnavailable` (transient) when the registry cannot be reached; retry later.
    public func classify(_ value: [UInt8], registry: SchemaRegistryClient) async throws(MCLDecodingError) -> MCLClassification {
        let first = classify(value)
        guard case .needsSchema(let id) = first else { return first }
        do {
            _ = try await registry.schema(id: id)
        } catch  where !error.isTransient {
            return .poison(error)
        }
        return classify(value)
    }
}
