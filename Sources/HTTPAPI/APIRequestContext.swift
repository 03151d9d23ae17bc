import AccessControl
import Foundation
import Hummingbird
import Runs

/// The request context of the API: run records and errors are encoded as the ledger writes them (sorted
/// keys, ISO 8601 UTC dates).
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Who is calling, once `BearerAuthentication` has checked (`api:NAME`).
    public var caller: Principal = .unknown

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    public var responseEncoder: JSONEncoder { RunRecord.encoder() }
}

extension RunRecord: ResponseEncodable {}

/// `{"error": "…"}`: one line saying what is wrong and what to do; `field` names the request's field at fault.
public struct ErrorBody: ResponseEncodable, Sendable {
    public var error: String
    public var field: String?

    public init(_ error: String, field: String? = nil) {
        self.error = error
        self.field = field
    }
}

/// A page of run records.
public struct RunList: ResponseEncodable, Sendable {
    public var runs: [RunRecord]
}

/// A run's audit trail, and whether its hash chain holds.
public struct EventList: ResponseEncodable, Sendable {
    public var events: [StoredRunEvent]
    /// `intact` or `broken`.
    public var chain: String
    public var problems: [String]
}

/// What `/readyz` reports.
public struct Readiness: ResponseEncodable, Sendable {
    public var status: String
    public var checks: [String: String]
}
