/// A Kafka value in Confluent's wire format: magic byte 0, a 4-byte big-endian schema id, the Avro body.
public struct ConfluentFrame: Sendable, Equatable {
    /// The schema registry id of the writer schema.
    public var schemaID: Int32
    /// The Avro binary body.
    public var body: [UInt8]

    /// Splits a raw Kafka value into its schema id and Avro body.
    public init(value: some Collection<UInt8>) throws(MCLDecodingError) {
        let bytes = Array(value)
        self.schemaID = try Self.schemaID(of: bytes)
        self.body = Array(bytes[5...])
    }

    /// Frames an Avro body with a schema id.
    public init(schemaID: Int32, body: [UInt8]) {
        self.schemaID = schemaID
        self.body = body
    }

    /// The schema id of a framed value, without copying its body.
    public static func schemaID(of value: some RandomAccessCollection<UInt8>) throws(MCLDecodingError) -> Int32 {
        guard value.count >= 5 else {
            throw MCLDecodingError(.notConfluentFramed, "value is \(value.count) bytes, shorter than the 5-byte Confluent header")
        }
        var index = value.startIndex
        guard value[index] == 0 else {
            throw MCLDecodingError(.notConfluentFramed, "magic byte is \(value[index]), expected 0 (Confluent Avro framing)")
        }
        var id: UInt32 = 0
        for _ in 0..<4 {
            index = value.index(after: index)
            id = id << 8 | UInt32(value[index])
        }
        return Int32(bitPattern: id)
    }

    /// The framed bytes.
    public var bytes: [UInt8] {
        let id = UInt32(bitPattern: schemaID)
        return [0, UInt8(id >> 24), UInt8((id >> 16) & 0xff), UInt8((id >> 8) & 0xff), UInt8(id & 0xff)] + body
    }
}
