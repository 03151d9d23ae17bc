import Resilience

/// Why a run could not be started or completed (input the service cannot act on).
public struct RunError: CodedError {
    public enum Code: String, Sendable {
        case invalidRequest = "invalid_request"
        case unsupportedPlatform = "unsupported_platform"
        case noColumns = "no_columns"
        case unknownColumn = "unknown_column"
        /// The dataset is not in DataHub.
        case datasetNotFound = "dataset_not_found"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}
