import Resilience

/// Why a run could not be started or completed (input the service cannot act on).
public typealias RunError = ServiceError<RunErrorCode>

public enum RunErrorCode: String, ErrorCode {
    case invalidRequest = "invalid_request"
    case unsupportedPlatform = "unsupported_platform"
    case noColumns = "no_columns"
    case unknownColumn = "unknown_column"
}
