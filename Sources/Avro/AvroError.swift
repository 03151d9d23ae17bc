import Resilience

/// A schema that does not parse, or a body that does not match its writer schema. Always permanent: the
/// same bytes never decode later.
public typealias AvroError = ServiceError<AvroErrorCode>

public enum AvroErrorCode: String, ErrorCode {
    /// The schema JSON is not a valid Avro schema.
    case invalidSchema = "invalid_schema"
    /// The body ends before the value does.
    case truncated
    /// A declared length or count exceeds what the body holds, or is negative.
    case invalidLength = "invalid_length"
    /// A union branch or enum index outside the schema.
    case invalidIndex = "invalid_index"
    /// A string that is not UTF-8.
    case invalidUTF8 = "invalid_utf8"
    /// Nesting or item count beyond the decoder's bounds.
    case limitExceeded = "limit_exceeded"
    /// Bytes left over after the value: the body was written with another schema.
    case trailingBytes = "trailing_bytes"
}

extension ServiceError where Code == AvroErrorCode {
    /// - Parameter offset: the byte offset into the body, when decoding.
    init(_ code: AvroErrorCode, _ message: String, offset: Int) {
        self.init(code, message, context: ["offset": "\(offset)"])
    }
}
