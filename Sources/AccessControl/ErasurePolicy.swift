import WarehouseKit
import Yams

/// The policy's `erasure` section: who files erasure requests, who approves them, and what an erasure does per
/// dataset. Pure.
public struct ErasurePolicy: Sendable, Equatable {
    /// Who may file, list and read erasure requests; nil: any authenticated API caller.
    public var requesters: PrincipalSet?
    /// When set, every request waits for one of them to approve it, never its own submitter (four eyes).
    public var approvers: PrincipalSet?
    /// What an erasure does to a dataset: the first rule whose datasets match, else `defaultEffect`.
    public var actions: [Rule]
    public var defaultEffect: ErasureEffect
    /// Glossary terms (`urn:li:glossaryTerm:…`) that also mark the fields holding a kind of identifier, by kind
    /// (`email: [urn:li:glossaryTerm:Email_Address]`), besides the `pii:<kind>` tags.
    public var terms: [String: [String]]

    public struct Rule: Sendable, Equatable {
        public var datasets: [DatasetPattern]
        public var effect: ErasureEffect

        public init(datasets: [DatasetPattern], effect: ErasureEffect) {
            self.datasets = datasets
            self.effect = effect
        }
    }

    public init(
        requesters: PrincipalSet? = nil, approvers: PrincipalSet? = nil, actions: [Rule] = [], defaultEffect: ErasureEffect = .deleteRows,
        terms: [String: [String]] = [:]
    ) {
        self.terms = terms
        self.requesters = requesters
        self.approvers = approvers
        self.actions = actions
        self.defaultEffect = defaultEffect
    }

    /// The effect for `dataset`.
    public func effect(for dataset: DatasetName) -> ErasureEffect {
        actions.first { rule in rule.datasets.contains { $0.matches(dataset) } }?.effect ?? defaultEffect
    }

    /// Whether `principal` may file and read requests.
    public func mayRequest(_ principal: Principal, memberOf groups: Set<String>) -> Bool {
        guard let requesters else { return principal != .unknown }
        return requesters.contains(principal, memberOf: groups)
    }

    /// Whether `principal` may approve or reject a request filed by `submitter`.
    public func mayDecide(_ principal: Principal, memberOf groups: Set<String>, submittedBy submitter: String) -> Bool {
        guard principal.description != submitter else { return false }
        guard let approvers else { return mayRequest(principal, memberOf: groups) }
        return approvers.contains(principal, memberOf: groups)
    }

    static func parse(_ node: Node, _ reader: Reader) throws(AccessError) -> ErasurePolicy {
        let fields = try reader.mapping(node, "erasure", keys: ["requesters", "approvers", "actions", "default_action", "terms"])
        var policy = ErasurePolicy()
        policy.requesters = try fields["requesters"].map { node throws(AccessError) in try reader.principals(node, "erasure.requesters") }
        policy.approvers = try fields["approvers"].map { node throws(AccessError) in try reader.principals(node, "erasure.approvers") }
        if let node = fields["terms"] {
            for (kind, list) in try reader.mapping(node, "erasure.terms", keys: nil) {
                let urns = try reader.sequence(list, "erasure.terms.\(kind)").map { item throws(AccessError) in
                    try reader.string(item, "erasure.terms.\(kind)")
                }
                for urn in urns where !urn.hasPrefix("urn:li:glossaryTerm:") {
                    throw reader.error(list, "erasure.terms.\(kind): '\(urn)' is not a glossary term URN (urn:li:glossaryTerm:…)")
                }
                policy.terms[kind] = urns
            }
        }
        if let node = fields["default_action"] { policy.defaultEffect = try effect(node, "erasure.default_action", reader) }
        if let actions = fields["actions"] {
            for (index, item) in try reader.sequence(actions, "erasure.actions").enumerated() {
                let what = "erasure.actions[\(index)]"
                let rule = try reader.mapping(item, what, keys: ["datasets", "action"])
                guard let datasets = rule["datasets"], let action = rule["action"] else {
                    throw reader.error(item, "\(what) needs datasets and action")
                }
                policy.actions.append(
                    Rule(datasets: try reader.patterns(datasets, "\(what).datasets"), effect: try effect(action, "\(what).action", reader)))
            }
        }
        return policy
    }

    private static func effect(_ node: Node, _ what: String, _ reader: Reader) throws(AccessError) -> ErasureEffect {
        let text = try reader.string(node, what)
        guard let effect = ErasureEffect(rawValue: text) else {
            throw reader.error(node, "\(what): '\(text)' is not one of \(ErasureEffect.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return effect
    }
}
