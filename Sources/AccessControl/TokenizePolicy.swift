import Tokenization

/// Who may tokenize what (`TOKENIZE_POLICY_FILE`). Pure: the caller supplies group memberships.
///
/// A run is checked before any row changes, in this order: the dataset (`deny` wins over `allow`), the
/// requester (`triggers`), the schemes, a rekey (`rekey`), then whether it needs a second person (`approval`).
public struct TokenizePolicy: Sendable, Equatable {
    /// Datasets runs may touch: `allow` (empty: all) minus `deny`.
    public var allow: [DatasetPattern]
    public var deny: [DatasetPattern]
    /// Who may start a run; nil: anyone.
    public var triggers: PrincipalSet?
    /// Schemes runs may use; nil: all.
    public var schemes: Set<TokenSchemeName>?
    /// Who may rekey; nil: whoever may start a run.
    public var rekey: PrincipalSet?
    /// Four-eyes rules; the first whose datasets match applies.
    public var approval: [ApprovalRule]
    /// How long a user's group memberships are trusted before they are looked up again.
    public var groupCacheSeconds: Int
    /// How runs treat a table beyond its rows; the first rule whose datasets match applies.
    public var tables: [TableRule]
    /// Who files and decides erasure requests, and what they do per dataset.
    public var erasure = ErasurePolicy()

    public init(
        allow: [DatasetPattern] = [], deny: [DatasetPattern] = [], triggers: PrincipalSet? = nil, schemes: Set<TokenSchemeName>? = nil,
        rekey: PrincipalSet? = nil, approval: [ApprovalRule] = [], groupCacheSeconds: Int = 60, tables: [TableRule] = []
    ) {
        self.allow = allow
        self.deny = deny
        self.triggers = triggers
        self.schemes = schemes
        self.rekey = rekey
        self.approval = approval
        self.groupCacheSeconds = groupCacheSeconds
        self.tables = tables
    }

    /// The table rule for `dataset`: the first that matches, else the defaults (refuse triggers, byte-exact tokens).
    public func tableRule(for dataset: DatasetName) -> TableRule {
        tables.first { rule in rule.datasets.contains { $0.matches(dataset) } } ?? TableRule()
    }

    /// Whether any rule names a group (so users' memberships must be looked up).
    public var namesGroups: Bool {
        !(triggers?.groups.isEmpty ?? true) || !(rekey?.groups.isEmpty ?? true) || approval.contains { !$0.approvers.groups.isEmpty }
            || !(erasure.requesters?.groups.isEmpty ?? true) || !(erasure.approvers?.groups.isEmpty ?? true)
    }

    /// What the policy says of a run.
    public func decide(_ question: PolicyQuestion) -> PolicyDecision {
        if let pattern = deny.first(where: { $0.matches(question.dataset) }) {
            return .reject(.init(.dataset, "\(question.dataset) is denied by the policy (datasets.deny \(pattern))"))
        }
        if !allow.isEmpty, !allow.contains(where: { $0.matches(question.dataset) }) {
            return .reject(.init(.dataset, "\(question.dataset) is not in the policy's datasets.allow"))
        }
        if let triggers, question.requester != .commandLine, !triggers.contains(question.requester, memberOf: question.requesterGroups) {
            let who =
                question.requester == .unknown
                ? "who added the trigger is unknown (the run was found by reconciliation, not heard on Kafka); remove and add the tag again"
                : "\(question.requester) may not start runs"
            return .reject(.init(.principal, "\(who) (policy triggers: \(triggers.summary))"))
        }
        if let schemes, let refused = question.schemes.subtracting(schemes).map(\.rawValue).sorted().first {
            return .reject(
                .init(
                    .scheme, "scheme \(refused) is not allowed by the policy (schemes: \(schemes.map(\.rawValue).sorted().joined(separator: ", ")))"))
        }
        if question.rekey, let rekey, question.requester != .commandLine, !rekey.contains(question.requester, memberOf: question.requesterGroups) {
            return .reject(.init(.rekey, "\(question.requester) may not rekey (policy rekey: \(rekey.summary))"))
        }
        if let rule = approval.first(where: { rule in rule.datasets.contains { $0.matches(question.dataset) } }) {
            return .requireApproval(rule)
        }
        return .allow
    }

    /// Whether `approver` (a member of `approverGroups`) may approve a run `requester` asked for on `dataset`.
    public func mayApprove(
        _ approver: Principal, groups approverGroups: Set<String>, requester: Principal, dataset: DatasetName
    ) -> ApprovalVerdict {
        guard let rule = approval.first(where: { rule in rule.datasets.contains { $0.matches(dataset) } }) else {
            return .refused("no approval rule covers \(dataset) any more")
        }
        guard approver != requester else {
            return .refused("\(approver) requested the run and cannot approve it; another approver must (\(rule.approvers.summary))")
        }
        guard rule.approvers.contains(approver, memberOf: approverGroups) else {
            return .refused("\(approver) is not an approver for \(dataset) (\(rule.approvers.summary))")
        }
        return .approved
    }
}

/// Four-eyes for some datasets: a run starts only after one of `approvers` (not its requester) approves it.
public struct ApprovalRule: Sendable, Equatable {
    public var datasets: [DatasetPattern]
    public var approvers: PrincipalSet

    public init(datasets: [DatasetPattern], approvers: PrincipalSet) {
        self.datasets = datasets
        self.approvers = approvers
    }
}

/// How runs treat a table beyond its rows (`tables:` in the policy file).
public struct TableRule: Sendable, Equatable {
    /// What a run does about the triggers and rules an UPDATE of its columns fires.
    public enum Triggers: String, Sendable, CaseIterable {
        /// The run is refused, naming them (the default: a trigger may copy the old values somewhere).
        case refuse
        /// They fire as for any UPDATE; the record names them and what they may copy.
        case fire
        /// Each batch disables them in its own transaction (`ALTER TABLE … DISABLE TRIGGER`, which needs the table's
        /// owner and holds a lock that blocks other writers of the table for the batch), so they never see the change.
        case skip
    }

    public var datasets: [DatasetPattern]
    public var triggers: Triggers
    /// The normalization of columns no `tokenize/normalize:<form>` tag decides.
    public var normalization: Normalization

    public init(datasets: [DatasetPattern] = [], triggers: Triggers = .refuse, normalization: Normalization = .none) {
        self.datasets = datasets
        self.triggers = triggers
        self.normalization = normalization
    }
}

/// What the policy is asked about a run.
public struct PolicyQuestion: Sendable, Equatable {
    public var dataset: DatasetName
    public var requester: Principal
    /// The requester's DataHub groups (empty unless the policy names groups).
    public var requesterGroups: Set<String>
    public var schemes: Set<TokenSchemeName>
    public var rekey: Bool

    public init(dataset: DatasetName, requester: Principal, requesterGroups: Set<String> = [], schemes: Set<TokenSchemeName>, rekey: Bool) {
        self.dataset = dataset
        self.requester = requester
        self.requesterGroups = requesterGroups
        self.schemes = schemes
        self.rekey = rekey
    }
}

/// The policy's answer.
public enum PolicyDecision: Sendable, Equatable {
    case allow
    /// The run must change nothing: REJECTED.
    case reject(PolicyRejection)
    /// The run waits for an approver (AWAITING_APPROVAL) unless it was approved.
    case requireApproval(ApprovalRule)
}

/// Why a run was rejected.
public struct PolicyRejection: Sendable, Equatable {
    public enum Reason: String, Sendable {
        case dataset, principal, scheme, rekey
    }

    public var reason: Reason
    public var message: String

    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }
}

/// Whether an approval counts.
public enum ApprovalVerdict: Sendable, Equatable {
    case approved
    case refused(String)
}
