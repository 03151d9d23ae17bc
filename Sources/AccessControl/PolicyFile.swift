import Foundation
import Tokenization
import Yams

/// Reads `TOKENIZE_POLICY_FILE` (YAML). Every key is checked, so a typo stops startup instead of silently
/// allowing more; errors name the line.
///
/// ```yaml
/// datasets:
///   allow: ["postgres/shop/*", "databricks/main/crm"]
///   deny: ["*/*/*/audit_*"]
/// triggers:                      # who may start a run (absent: anyone)
///   users: [urn:li:corpuser:alice]
///   groups: [urn:li:corpGroup:privacy-stewards]
///   api: [ops]                   # API_TOKENS_FILE names
/// schemes: [hmac, siv, ff1]      # absent: all
/// rekey:                         # absent: whoever may start a run
///   groups: [urn:li:corpGroup:security]
/// approval:                      # four-eyes, first matching rule
///   - datasets: ["postgres/shop/public/customers"]
///     approvers:
///       users: [urn:li:corpuser:carol]
/// group_cache_seconds: 60
/// erasure:                       # erasure requests (absent: any API caller files, no approval, rows deleted)
///   requesters: {api: [privacy]}
///   approvers: {users: [urn:li:corpuser:dpo]}
///   actions:                     # first matching rule; absent: delete-rows
///     - datasets: ["postgres/shop/public/orders"]
///       action: scramble-cells   # delete-rows | null-cells | scramble-cells
/// tables:                        # beyond the rows, first matching rule (absent: refuse triggers, byte-exact)
///   - datasets: ["postgres/shop/public/orders"]
///     triggers: fire             # refuse | fire | skip: what UPDATE triggers and rules get
///     normalization: nfc         # none | nfc | nfc-casefold
/// ```
public enum PolicyFile {
    /// Parses the policy text; `source` names the file in messages.
    public static func parse(_ text: String, source: String = "TOKENIZE_POLICY_FILE") throws(AccessError) -> TokenizePolicy {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw AccessError(.policyFile, "\(source): not valid YAML: \(Self.describe(error))", line: Self.line(of: error))
        } catch {
            throw AccessError(.policyFile, "\(source): not valid YAML: \(error)", line: nil)
        }
        guard let root else { throw AccessError(.policyFile, "\(source) is empty; see docs/security.md for its keys", line: nil) }
        let reader = Reader(source: source)
        let top = try reader.mapping(
            root, "the policy", keys: ["datasets", "triggers", "schemes", "rekey", "approval", "group_cache_seconds", "tables", "erasure"])
        var policy = TokenizePolicy()
        if let datasets = top["datasets"] {
            let fields = try reader.mapping(datasets, "datasets", keys: ["allow", "deny"])
            policy.allow = try fields["allow"].map { node throws(AccessError) in try reader.patterns(node, "datasets.allow") } ?? []
            policy.deny = try fields["deny"].map { node throws(AccessError) in try reader.patterns(node, "datasets.deny") } ?? []
        }
        policy.triggers = try top["triggers"].map { node throws(AccessError) in try reader.principals(node, "triggers") }
        policy.rekey = try top["rekey"].map { node throws(AccessError) in try reader.principals(node, "rekey") }
        if let schemes = top["schemes"] {
            var names: Set<TokenSchemeName> = []
            for item in try reader.sequence(schemes, "schemes") {
                let text = try reader.string(item, "schemes")
                guard let scheme = TokenSchemeName(rawValue: text) else {
                    throw reader.error(
                        item, "schemes: '\(text)' is not a scheme (\(TokenSchemeName.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                names.insert(scheme)
            }
            policy.schemes = names
        }
        if let approval = top["approval"] {
            for (index, item) in try reader.sequence(approval, "approval").enumerated() {
                let what = "approval[\(index)]"
                let rule = try reader.mapping(item, what, keys: ["datasets", "approvers"])
                guard let datasets = rule["datasets"], let approvers = rule["approvers"] else {
                    throw reader.error(item, "\(what) needs both datasets and approvers")
                }
                let parsed = ApprovalRule(
                    datasets: try reader.patterns(datasets, "\(what).datasets"), approvers: try reader.principals(approvers, "\(what).approvers"))
                guard parsed.approvers != PrincipalSet() else { throw reader.error(approvers, "\(what).approvers names nobody") }
                policy.approval.append(parsed)
            }
        }
        if let tables = top["tables"] {
            for (index, item) in try reader.sequence(tables, "tables").enumerated() {
                let what = "tables[\(index)]"
                let rule = try reader.mapping(item, what, keys: ["datasets", "triggers", "normalization"])
                guard let datasets = rule["datasets"] else { throw reader.error(item, "\(what) needs datasets") }
                var parsed = TableRule(datasets: try reader.patterns(datasets, "\(what).datasets"))
                if let node = rule["triggers"] {
                    let text = try reader.string(node, "\(what).triggers")
                    guard let triggers = TableRule.Triggers(rawValue: text) else {
                        throw reader.error(
                            node, "\(what).triggers: '\(text)' is not one of \(TableRule.Triggers.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    parsed.triggers = triggers
                }
                if let node = rule["normalization"] {
                    let text = try reader.string(node, "\(what).normalization")
                    guard let normalization = Normalization(rawValue: text) else {
                        throw reader.error(
                            node, "\(what).normalization: '\(text)' is not one of \(Normalization.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    parsed.normalization = normalization
                }
                policy.tables.append(parsed)
            }
        }
        if let erasure = top["erasure"] { policy.erasure = try ErasurePolicy.parse(erasure, reader) }
        if let seconds = top["group_cache_seconds"] {
            guard let value = Int(try reader.string(seconds, "group_cache_seconds")), (0...86_400).contains(value) else {
                throw reader.error(seconds, "group_cache_seconds must be a whole number of seconds in 0...86400")
            }
            policy.groupCacheSeconds = value
        }
        return policy
    }

    /// Reads and parses the file at `path`.
    public static func load(path: String) throws(AccessError) -> TokenizePolicy {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw AccessError(.policyFile, "TOKENIZE_POLICY_FILE \(path) cannot be read", line: nil)
        }
        return try parse(text, source: "TOKENIZE_POLICY_FILE \(path)")
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        case .duplicatedKeysInMapping(_, let context): context.mark.line
        default: nil
        }
    }

    private static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            "line \(mark.line): \(problem)"
        case .duplicatedKeysInMapping(let duplicates, let context):
            "line \(context.mark.line): duplicated key(s) \(duplicates.joined(separator: ", "))"
        default: "\(error)"
        }
    }
}

/// Walks YAML nodes, turning every surprise into an error that names the line.
struct Reader {
    let source: String

    func error(_ node: Node, _ message: String) -> AccessError {
        let line = node.mark?.line
        return AccessError(.policyFile, "\(source)\(line.map { " line \($0)" } ?? ""): \(message)", line: line)
    }

    /// The mapping's entries by key; `allowed` nil takes any key (a mapping whose keys are data, such as kinds).
    func mapping(_ node: Node, _ what: String, keys allowed: Set<String>?) throws(AccessError) -> [String: Node] {
        guard case .mapping(let mapping) = node else {
            throw error(node, "\(what) must be a mapping" + (allowed.map { " of \($0.sorted().joined(separator: ", "))" } ?? ""))
        }
        var result: [String: Node] = [:]
        for (key, value) in mapping {
            let name = try string(key, what)
            if let allowed, !allowed.contains(name) {
                throw error(key, "unknown key '\(name)' in \(what); allowed: \(allowed.sorted().joined(separator: ", "))")
            }
            guard result[name] == nil else { throw error(key, "'\(name)' appears twice in \(what)") }
            result[name] = value
        }
        return result
    }

    func sequence(_ node: Node, _ what: String) throws(AccessError) -> [Node] {
        guard case .sequence(let sequence) = node else { throw error(node, "\(what) must be a list, e.g. [a, b]") }
        return Array(sequence)
    }

    func string(_ node: Node, _ what: String) throws(AccessError) -> String {
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else { throw error(node, "\(what): expected a non-empty text value") }
        return scalar.string
    }

    func patterns(_ node: Node, _ what: String) throws(AccessError) -> [DatasetPattern] {
        var result: [DatasetPattern] = []
        for item in try sequence(node, what) {
            let text = try string(item, what)
            guard let pattern = DatasetPattern(text) else {
                throw error(item, "\(what): '\(text)' is not platform/database/schema/table (1 to 4 parts, globs * and ?)")
            }
            result.append(pattern)
        }
        return result
    }

    func principals(_ node: Node, _ what: String) throws(AccessError) -> PrincipalSet {
        let fields = try mapping(node, what, keys: ["users", "groups", "api"])
        var set = PrincipalSet()
        for item in try fields["users"].map({ node throws(AccessError) in try sequence(node, "\(what).users") }) ?? [] {
            let urn = try string(item, "\(what).users")
            guard urn.hasPrefix("urn:li:corpuser:"), urn.count > "urn:li:corpuser:".count else {
                throw error(item, "\(what).users: '\(urn)' is not a user URN (urn:li:corpuser:NAME)")
            }
            set.users.insert(urn)
        }
        for item in try fields["groups"].map({ node throws(AccessError) in try sequence(node, "\(what).groups") }) ?? [] {
            let urn = try string(item, "\(what).groups")
            guard urn.hasPrefix("urn:li:corpGroup:"), urn.count > "urn:li:corpGroup:".count else {
                throw error(item, "\(what).groups: '\(urn)' is not a group URN (urn:li:corpGroup:NAME)")
            }
            set.groups.insert(urn)
        }
        for item in try fields["api"].map({ node throws(AccessError) in try sequence(node, "\(what).api") }) ?? [] {
            let name = try string(item, "\(what).api")
            guard APITokens.isValidName(name) else { throw error(item, "\(what).api: '\(name)' is not an API_TOKENS_FILE name") }
            set.apiCallers.insert(name)
        }
        return set
    }
}
