import Catalog
import Resilience

/// Settings for reaching DataHub GMS.
public struct DataHubSettings: Sendable, Equatable {
    /// GMS root, e.g. `http://localhost:8080` (no trailing slash).
    public var gmsURL: String
    /// Personal access token sent as `Authorization: Bearer`; `nil` when metadata-service auth is off.
    public var token: String?
    /// Bound on one request (default 15 s).
    public var requestTimeout: Duration
    /// Retries of one request that failed transiently (default 4 attempts, 250 ms doubling, jittered).
    public var retry: RetryPolicy

    public init(
        gmsURL: String, token: String?, requestTimeout: Duration = .seconds(15),
        retry: RetryPolicy = RetryPolicy(backoff: Backoff(initial: .milliseconds(250), maximum: .seconds(4)), maxAttempts: 4)
    ) {
        self.gmsURL = gmsURL.hasSuffix("/") ? String(gmsURL.dropLast()) : gmsURL
        self.token = token
        self.requestTimeout = requestTimeout
        self.retry = retry
    }
}
