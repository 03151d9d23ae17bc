import Avro

/// A writer schema prepared for MetadataChangeLog decoding: which top-level field plays which part.
///
/// Decoding walks the top-level fields in the writer's order, reads the few the service needs, skips the
/// rest without building them, and stops as soon as a filter rules the event out.
public struct MCLSchema: Sendable {
    enum Role: Sendable {
        case entityType, entityURN, changeType, aspectName, aspect, previousAspectValue, created, other
    }

    public let avro: AvroSchema
    let fields: [(node: Int, role: Role)]

    /// - Throws: `.invalidSchema` when the schema is not a record with `entityType` and `changeType`.
    public init(avro: AvroSchema) throws(MCLDecodingError) {
        guard let rootFields = avro.rootFields else {
            throw MCLDecodingError(.invalidSchema, "the writer schema is not a record, so it is not a MetadataChangeLog schema")
        }
        let roles: [String: Role] = [
            "entityType": .entityType, "entityUrn": .entityURN, "changeType": .changeType, "aspectName": .aspectName,
            "aspect": .aspect, "previousAspectValue": .previousAspectValue, "created": .created,
        ]
        fields = rootFields.map { ($0.type, roles[$0.name] ?? .other) }
        for required in ["entityType", "changeType"] where !rootFields.contains(where: { $0.name == required }) {
            throw MCLDecodingError(.invalidSchema, "the writer schema has no \(required) field, so it is not a MetadataChangeLog schema")
        }
        self.avro = avro
    }

    /// Parses a registry's schema text.
    public init(json: String) throws(MCLDecodingError) {
        let avro: AvroSchema
        do {
            avro = try AvroSchema(json: json)
        } catch {
            throw MCLDecodingError(.invalidSchema, "the writer schema does not parse: \(error.message)")
        }
        try self.init(avro: avro)
    }

    /// Decodes an Avro body, or returns nil as soon as `filter` rules the event out.
    public func decode(_ body: UnsafeRawBufferPointer, filter: MCLFilter? = nil) throws(MCLDecodingError) -> MetadataChangeLog? {
        do {
            return try AvroReader.withReader(body, schema: avro) { (reader: inout AvroReader) throws -> MetadataChangeLog? in
                try read(&reader, filter: filter)
            }
        } catch let error as AvroError {
            throw MCLDecodingError(.avroBody, "the body does not match its writer schema: \(error.message)", context: error.context)
        } catch let error as MCLDecodingError {
            throw error
        } catch {
            throw MCLDecodingError(.avroBody, "\(error)")
        }
    }

    public func decode(_ body: [UInt8], filter: MCLFilter? = nil) throws(MCLDecodingError) -> MetadataChangeLog? {
        let result: Result<MetadataChangeLog?, MCLDecodingError> = body.withUnsafeBytes { buffer in
            do throws(MCLDecodingError) { return .success(try decode(buffer, filter: filter)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    private func read(_ reader: inout AvroReader, filter: MCLFilter?) throws -> MetadataChangeLog? {
        var event = MetadataChangeLog(entityType: "", entityURN: nil, changeType: "", aspectName: nil, aspect: nil, previousAspectValue: nil)
        var sawEntityType = false
        var sawChangeType = false
        // With a filter, the URN (it precedes aspectName) is read only once the event has passed the filter.
        var deferredURN: (reader: AvroReader, node: Int)?
        for (node, role) in fields {
            switch role {
            case .other:
                try reader.skip(node)
            case .entityType:
                guard let value = try reader.decode(node).stringValue else { throw MCLDecodingError(.missingField, "entityType is null") }
                if let filter, !filter.entityTypes.contains(value) { return nil }
                event.entityType = value
                sawEntityType = true
            case .changeType:
                guard let value = try reader.decode(node).stringValue else { throw MCLDecodingError(.missingField, "changeType is null") }
                if let filter, !filter.changeTypes.contains(value) { return nil }
                event.changeType = value
                sawChangeType = true
            case .aspectName:
                let value = try reader.decode(node).stringValue
                if let filter, !filter.aspectNames.contains(value ?? "") { return nil }
                event.aspectName = value
            case .entityURN where filter != nil:
                deferredURN = (reader, node)
                try reader.skip(node)
            case .entityURN:
                event.entityURN = try reader.decode(node).stringValue
            case .aspect:
                event.aspect = try Self.aspect(try reader.decode(node), name: "aspect")
            case .previousAspectValue:
                event.previousAspectValue = try Self.aspect(try reader.decode(node), name: "previousAspectValue")
            case .created:
                event.actor = try reader.decode(node)[field: "actor"]?.stringValue
            }
        }
        try reader.expectEnd()
        guard sawEntityType, sawChangeType else { throw MCLDecodingError(.missingField, "entityType or changeType is missing") }
        if var (urnReader, node) = deferredURN {
            event.entityURN = try urnReader.decode(node).stringValue
        }
        return event
    }

    private static func aspect(_ datum: AvroDatum, name: String) throws(MCLDecodingError) -> MetadataChangeLog.Aspect? {
        guard !datum.isNull else { return nil }
        guard let value = datum[field: "value"]?.bytesValue, let contentType = datum[field: "contentType"]?.stringValue else {
            throw MCLDecodingError(.missingField, "\(name) lacks value or contentType")
        }
        return .init(value: value, contentType: contentType)
    }
}
