/// A decoded Avro value, copied out of avro-c into plain Swift so no C memory outlives a decode.
///
/// Unions are represented by their selected branch; enums by their symbol name.
public indirect enum AvroDatum: Sendable, Equatable {
    case null
    case boolean(Bool)
    case int(Int32)
    case long(Int64)
    case float(Float)
    case double(Double)
    case bytes([UInt8])
    case string(String)
    case enumSymbol(String)
    case fixed([UInt8])
    case array([AvroDatum])
    case map([String: AvroDatum])
    case record([String: AvroDatum])

    /// The named field of a record, or `nil` when this is not a record or has no such field.
    public subscript(field name: String) -> AvroDatum? {
        if case .record(let fields) = self { return fields[name] }
        return nil
    }

    /// The value as a string when it is a string or an enum symbol; `nil` for null or other types.
    public var stringValue: String? {
        switch self {
        case .string(let value), .enumSymbol(let value): return value
        default: return nil
        }
    }

    /// The value as bytes when it is `bytes`, `fixed` or a string.
    public var bytesValue: [UInt8]? {
        switch self {
        case .bytes(let value), .fixed(let value): return value
        case .string(let value): return Array(value.utf8)
        default: return nil
        }
    }

    /// Whether this is Avro `null` (an unset optional).
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}
