/// A Kafka value in Confluent's wire format: magic byte 0, a 4-byte big-endian schema id, the Avro body.
public struct ConfluentFrame: Sendable, Equatable {
    /// The schema registry id of the writer schema.
    public var schemaID: Int32
    /// The Avro binary body.
    public var body: [UInt8]

    /// Splits a raw Kafka value into its schema id and Avro body.
    public init(value: [UInt8]) throws(MCLDecodingError) {
        guard value.count >= 5 else {
            throw MCLDecodingError(.notConfluentFramed, "value is \(value.count) bytes, shorter than the 5-byte Confluent header")
        }
        guard value[0] == 0 else {
            throw MCLDecodingError(.notConfluentFramed, "magic byte is \(value[0]), expected 0 (Confluent Avro framing)")
        }
        let id = value[1..<5].reduce(UInt32(0)) { ($0 << 8) | UInt32($1) }
        self.schemaID = Int32(bitPattern: id)
        self.body = Array(value[5...])
    }

    /// Frames an Avro body with a schema id.
    public init(schemaID: Int32, body: [UInt8]) {
        self.schemaID = schemaID
        self.body = body
    }

    /// The framed bytes.
    public var bytes: [UInt8] {
        let id = UInt32(bitPattern: schemaID)
        return [0, UInt8(id >> 24), UInt8((id >> 16) & 0xff), UInt8((id >> 8) & 0xff), UInt8(id & 0xff)] + body
    }
}

/// Why a MetadataChangeLog message could not be decoded.
public struct MCLDecodingError: Error, CustomStringConvertible, Sendable {
    /// A stable category for metrics and tests; new codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public static let notConfluentFramed = Code(name: "not_confluent_framed")
        public static let schemaUnavailable = Code(name: "schema_unavailable")
        public static let avroBody = Code(name: "avro_body")
        public static let missingField = Code(name: "missing_field")
        public var description: String { name }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
