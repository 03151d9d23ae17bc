import Resilience

/// Why the service could not start: one line that says what to set or grant; the process exits 78 (EX_CONFIG).
public typealias StartupFailure = ServiceError<StartupFailureCode>

public enum StartupFailureCode: String, ErrorCode {
    /// The state database: unreachable past `STARTUP_WAIT_SECONDS`, credentials or TLS refused, missing, or a
    /// privilege the role lacks.
    case postgres
    /// A broker refused this client.
    case kafka
    /// The schema registry refused the credentials, or is not at `SCHEMA_REGISTRY_URL`.
    case schemaRegistry = "schema_registry"
    /// GMS refused the token, or is not at `DATAHUB_GMS_URL`.
    case datahub

    public static var subject: String? { nil }
}
