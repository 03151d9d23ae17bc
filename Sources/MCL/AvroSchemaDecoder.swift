import CAvro
import Synchronization

/// An error while parsing an Avro schema or decoding an Avro body.
public struct AvroError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, including avro-c's own message where it gave one.
    public var message: String
    public var description: String { "Avro: \(message)" }
}

/// Owns one parsed avro-c writer schema and its generic value class, and decodes binary bodies with it.
///
/// `@unchecked Sendable`: the C schema and iface are only touched under `lock`, and freed once in `deinit`.
public final class AvroSchemaDecoder: @unchecked Sendable {
    private let schema: avro_schema_t
    private let iface: UnsafeMutablePointer<avro_value_iface_t>
    private let lock = Mutex(())
    /// The schema's JSON as it was parsed.
    public let schemaJSON: String

    /// Parses an Avro schema (JSON text).
    public init(schemaJSON: String) throws(AvroError) {
        var parsed: avro_schema_t?
        let rc = schemaJSON.withCString { pointer in
            avro_schema_from_json_length(pointer, schemaJSON.utf8.count, &parsed)
        }
        guard rc == 0, let parsed else {
            throw AvroError(message: "cannot parse schema: \(Self.lastAvroError())")
        }
        guard let iface = avro_generic_class_from_schema(parsed) else {
            avro_schema_decref(parsed)
            throw AvroError(message: "cannot build a value class for schema: \(Self.lastAvroError())")
        }
        self.schema = parsed
        self.iface = iface
        self.schemaJSON = schemaJSON
    }

    deinit {
        tk_avro_value_iface_decref(iface)
        avro_schema_decref(schema)
    }

    /// Decodes one Avro binary body written with this schema into a Swift value.
    public func decode(_ body: [UInt8]) throws(AvroError) -> AvroDatum {
        try lock.withLock { _ throws(AvroError) -> AvroDatum in
            var value = avro_value_t()
            guard avro_generic_value_new(iface, &value) == 0 else {
                throw AvroError(message: "cannot allocate a value: \(Self.lastAvroError())")
            }
            defer { avro_value_decref(&value) }
            let readResult: Int32 = body.withUnsafeBufferPointer { buffer -> Int32 in
                guard let base = buffer.baseAddress, buffer.count > 0 else { return -1 }
                let reader = base.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                    avro_reader_memory($0, Int64(buffer.count))
                }
                guard let reader else { return -1 }
                defer { avro_reader_free(reader) }
                return avro_value_read(reader, &value)
            }
            guard readResult == 0 else {
                throw AvroError(message: "body does not match the writer schema (\(body.count) bytes): \(Self.lastAvroError())")
            }
            return try Self.copy(&value, depth: 0)
        }
    }

    private static func lastAvroError() -> String {
        guard let message = avro_strerror() else { return "unknown error" }
        return String(cString: message)
    }

    /// Copies an avro-c value tree into an `AvroDatum`, bounded in depth against hostile schemas.
    private static func copy(_ value: inout avro_value_t, depth: Int) throws(AvroError) -> AvroDatum {
        guard depth < 64 else { throw AvroError(message: "value nested deeper than 64 levels") }
        let type = tk_avro_value_get_type(&value)
        switch type {
        case AVRO_NULL:
            return .null
        case AVRO_BOOLEAN:
            var out: Int32 = 0
            try check(tk_avro_value_get_boolean(&value, &out), "boolean")
            return .boolean(out != 0)
        case AVRO_INT32:
            var out: Int32 = 0
            try check(tk_avro_value_get_int(&value, &out), "int")
            return .int(out)
        case AVRO_INT64:
            var out: Int64 = 0
            try check(tk_avro_value_get_long(&value, &out), "long")
            return .long(out)
        case AVRO_FLOAT:
            var out: Float = 0
            try check(tk_avro_value_get_float(&value, &out), "float")
            return .float(out)
        case AVRO_DOUBLE:
            var out: Double = 0
            try check(tk_avro_value_get_double(&value, &out), "double")
            return .double(out)
        case AVRO_STRING:
            var pointer: UnsafePointer<CChar>?
            var size = 0
            try check(tk_avro_value_get_string(&value, &pointer, &size), "string")
            // avro-c counts the terminating NUL in `size`.
            guard let pointer, size > 0 else { return .string("") }
            let bytes = UnsafeRawBufferPointer(start: pointer, count: size - 1)
            return .string(String(decoding: bytes, as: UTF8.self))
        case AVRO_BYTES, AVRO_FIXED:
            var pointer: UnsafeRawPointer?
            var size = 0
            if type == AVRO_BYTES {
                try check(tk_avro_value_get_bytes(&value, &pointer, &size), "bytes")
            } else {
                try check(tk_avro_value_get_fixed(&value, &pointer, &size), "fixed")
            }
            let bytes = pointer.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
            return type == AVRO_BYTES ? .bytes(bytes) : .fixed(bytes)
        case AVRO_ENUM:
            var index: Int32 = 0
            try check(tk_avro_value_get_enum(&value, &index), "enum")
            guard let schema = tk_avro_value_get_schema(&value),
                let symbol = avro_schema_enum_get(schema, index)
            else { throw AvroError(message: "enum index \(index) has no symbol") }
            return .enumSymbol(String(cString: symbol))
        case AVRO_UNION:
            var branch = avro_value_t()
            try check(tk_avro_value_get_current_branch(&value, &branch), "union branch")
            return try copy(&branch, depth: depth + 1)
        case AVRO_RECORD, AVRO_MAP:
            var count = 0
            try check(tk_avro_value_get_size(&value, &count), "size")
            var fields: [String: AvroDatum] = [:]
            fields.reserveCapacity(count)
            for index in 0..<count {
                var child = avro_value_t()
                var name: UnsafePointer<CChar>?
                try check(tk_avro_value_get_by_index(&value, index, &child, &name), "field \(index)")
                guard let name else { throw AvroError(message: "field \(index) has no name") }
                fields[String(cString: name)] = try copy(&child, depth: depth + 1)
            }
            return type == AVRO_RECORD ? .record(fields) : .map(fields)
        case AVRO_ARRAY:
            var count = 0
            try check(tk_avro_value_get_size(&value, &count), "size")
            var items: [AvroDatum] = []
            items.reserveCapacity(count)
            for index in 0..<count {
                var child = avro_value_t()
                try check(tk_avro_value_get_by_index(&value, index, &child, nil), "item \(index)")
                items.append(try copy(&child, depth: depth + 1))
            }
            return .array(items)
        default:
            throw AvroError(message: "unsupported Avro type \(type.rawValue)")
        }
    }

    private static func check(_ rc: Int32, _ what: String) throws(AvroError) {
        if rc != 0 { throw AvroError(message: "cannot read \(what): \(lastAvroError())") }
    }
}
