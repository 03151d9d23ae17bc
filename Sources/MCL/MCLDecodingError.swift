import Resilience

/// Why a MetadataChangeLog message could not be decoded. Only `registryUnavailable` is transient: the
/// message must be retried, never skipped. Every other code is *poison*: the same bytes never decode, so the
/// message goes to the dead-letter table.
public typealias MCLDecodingError = ServiceError<MCLDecodingErrorCode>

public enum MCLDecodingErrorCode: String, ErrorCode, CaseIterable {
    /// Not Confluent's wire format (magic byte 0 and a 4-byte schema id).
    case notConfluentFramed = "not_confluent_framed"
    /// The registry answered 404 for the schema id.
    case unknownSchema = "unknown_schema"
    /// The registry served a schema that does not parse, or is not an MCL record.
    case invalidSchema = "invalid_schema"
    /// The registry is unreachable or failing (5xx, 429, timeout, credentials refused): retry.
    case registryUnavailable = "registry_unavailable"
    /// The Avro body does not match its writer schema.
    case avroBody = "avro_body"
    /// A field the service needs is absent.
    case missingField = "missing_field"
    /// A watched aspect's value is not JSON (or not UTF-8, or has a byte-order mark).
    case aspectNotJSON = "aspect_not_json"
    /// A watched aspect's JSON does not have the aspect's shape.
    case aspectShape = "aspect_shape"

    public var isTransient: Bool { self == .registryUnavailable }
}
