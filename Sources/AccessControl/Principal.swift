/// Who asked for a run, as the run record's `requested_by` says.
public enum Principal: Hashable, Sendable, CustomStringConvertible {
    /// A DataHub principal (`urn:li:corpuser:…`): the actor of the MCL that added the trigger tag.
    case datahub(String)
    /// An HTTP API caller, by its token's name (`api:NAME`).
    case apiCaller(String)
    /// `POST /trigger` with `HTTP_AUTH=off`: nobody in particular.
    case anonymousAPI
    /// `tokenize-action run`: an operator with the service's own credentials.
    case commandLine
    /// Nobody is known (a trigger found by reconciliation: the tag is there, who added it is not).
    case unknown

    /// The principal a `requested_by` value names.
    public init(requestedBy: String?) {
        switch requestedBy {
        case nil, "": self = .unknown
        case "cli": self = .commandLine
        case "api": self = .anonymousAPI
        case let value? where value.hasPrefix("api:"): self = .apiCaller(String(value.dropFirst(4)))
        case let value? where value.hasPrefix("urn:li:"): self = .datahub(value)
        default: self = .unknown
        }
    }

    /// The `requested_by` value.
    public var description: String {
        switch self {
        case .datahub(let urn): urn
        case .apiCaller(let name): "api:\(name)"
        case .anonymousAPI: "api"
        case .commandLine: "cli"
        case .unknown: "unknown"
        }
    }

    /// The DataHub user URN whose groups matter, if any.
    public var datahubURN: String? {
        if case .datahub(let urn) = self { return urn }
        return nil
    }
}

/// A set of principals named in the policy: DataHub users, DataHub groups (by membership), API token names.
public struct PrincipalSet: Sendable, Equatable {
    public var users: Set<String>
    public var groups: Set<String>
    public var apiCallers: Set<String>

    public init(users: Set<String> = [], groups: Set<String> = [], apiCallers: Set<String> = []) {
        self.users = users
        self.groups = groups
        self.apiCallers = apiCallers
    }

    /// Whether `principal` (a member of `groups`) is in the set.
    public func contains(_ principal: Principal, memberOf memberships: Set<String>) -> Bool {
        switch principal {
        case .datahub(let urn): users.contains(urn) || !groups.isDisjoint(with: memberships)
        case .apiCaller(let name): apiCallers.contains(name)
        case .anonymousAPI, .commandLine, .unknown: false
        }
    }

    /// For messages: `users a, b; groups c; api callers d`.
    public var summary: String {
        var parts: [String] = []
        if !users.isEmpty { parts.append("users \(users.sorted().joined(separator: ", "))") }
        if !groups.isEmpty { parts.append("groups \(groups.sorted().joined(separator: ", "))") }
        if !apiCallers.isEmpty { parts.append("API callers \(apiCallers.sorted().joined(separator: ", "))") }
        return parts.isEmpty ? "nobody" : parts.joined(separator: "; ")
    }
}
