import AccessControl
import Catalog
import Foundation
import Logging
import Synchronization

/// Decides, before any row changes, whether a run may go ahead, and whether an approval counts.
public protocol RunGate: Sendable {
    /// What the policy says of `run` (its columns and schemes resolved).
    func decide(_ run: RunRecord, dataset: DatasetURN) async throws -> PolicyDecision
    /// How an approval by `approver` judges the dataset's runs awaiting approval (looked up once, applied
    /// inside the ledger's per-dataset critical section).
    func approvalJudge(approver: String, dataset: DatasetURN) async throws -> @Sendable (RunRecord) -> ApprovalVerdict
    /// How runs on `dataset` treat its table beyond the rows (triggers, normalization).
    func tableRule(for dataset: DatasetURN) -> TableRule
}

extension RunGate {
    /// The defaults: triggers refuse a run, tokens are byte-exact.
    public func tableRule(for dataset: DatasetURN) -> TableRule { TableRule() }
}

/// No policy: every run may go ahead, and nothing awaits approval.
public struct OpenGate: RunGate {
    public init() {}

    public func decide(_ run: RunRecord, dataset: DatasetURN) async throws -> PolicyDecision { .allow }

    public func approvalJudge(approver: String, dataset: DatasetURN) async throws -> @Sendable (RunRecord) -> ApprovalVerdict {
        { _ in .refused("no policy asks for approvals") }
    }
}

/// The gate of `TOKENIZE_POLICY_FILE`: group memberships come from DataHub and are cached for the policy's
/// `group_cache_seconds`. Without a policy every run may go ahead.
public final class PolicyGate: RunGate {
    private let policy: TokenizePolicy?
    private let catalog: any DataHubCatalog
    private let groups = Mutex<[String: (groups: Set<String>, fetched: ContinuousClock.Instant)]>([:])

    public init(policy: TokenizePolicy?, catalog: any DataHubCatalog) {
        self.policy = policy
        self.catalog = catalog
    }

    public func decide(_ run: RunRecord, dataset: DatasetURN) async throws -> PolicyDecision {
        guard let policy else { return .allow }
        let requester = Principal(requestedBy: run.requestedBy)
        return policy.decide(
            PolicyQuestion(
                dataset: try Self.name(of: dataset), requester: requester, requesterGroups: try await memberships(of: requester, policy),
                schemes: Set(run.schemes.values), rekey: run.mode == .rekey))
    }

    public func approvalJudge(approver: String, dataset: DatasetURN) async throws -> @Sendable (RunRecord) -> ApprovalVerdict {
        guard let policy else { return { _ in .refused("no policy asks for approvals") } }
        let principal = Principal(requestedBy: approver)
        let approverGroups = try await memberships(of: principal, policy)
        let name = try Self.name(of: dataset)
        return { run in policy.mayApprove(principal, groups: approverGroups, requester: Principal(requestedBy: run.requestedBy), dataset: name) }
    }

    public func tableRule(for dataset: DatasetURN) -> TableRule {
        guard let policy, let name = try? Self.name(of: dataset) else { return TableRule() }
        return policy.tableRule(for: name)
    }

    /// The DataHub groups of a user, when the policy names groups (cached).
    private func memberships(of principal: Principal, _ policy: TokenizePolicy) async throws -> Set<String> {
        guard policy.namesGroups, let user = principal.datahubURN else { return [] }
        let now = ContinuousClock.now
        let ttl = Duration.seconds(policy.groupCacheSeconds)
        if let cached = groups.withLock({ $0[user] }), now - cached.fetched < ttl { return cached.groups }
        let fetched = try await catalog.groups(of: user)
        groups.withLock { $0[user] = (fetched, now) }
        return fetched
    }

    static func name(of dataset: DatasetURN) throws(RunError) -> DatasetName {
        let table = try dataset.tableReference()
        return DatasetName(platform: dataset.platform, database: table.database, schema: table.schema, table: table.table)
    }
}
