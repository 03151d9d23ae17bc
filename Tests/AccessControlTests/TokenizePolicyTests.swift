import Testing
import Tokenization

@testable import AccessControl

/// The policy file: denied and unlisted datasets, who may trigger, forbidden schemes and rekeys, four-eyes approval.
@Suite struct TokenizePolicyTests {
    let customers = DatasetName(platform: "postgres", database: "shop", schema: "public", table: "customers")
    let alice = Principal.datahub("urn:li:corpuser:alice")
    let bob = Principal.datahub("urn:li:corpuser:bob")
    let carol = Principal.datahub("urn:li:corpuser:carol")

    let policy = try! PolicyFile.parse(
        """
        datasets:
          allow: ["postgres/shop"]
          deny: ["*/*/*/audit_*"]
        triggers:
          users: [urn:li:corpuser:alice]
          groups: [urn:li:corpGroup:stewards]
          api: [ops]
        schemes: [hmac, siv]
        rekey:
          api: [ops]
        approval:
          - datasets: ["postgres/shop/public/customers"]
            approvers:
              users: [urn:li:corpuser:carol, urn:li:corpuser:alice]
              groups: [urn:li:corpGroup:officers]
        group_cache_seconds: 30
        """)

    func ask(
        _ dataset: DatasetName? = nil, _ requester: Principal, groups: Set<String> = [], schemes: Set<TokenSchemeName> = [.hmac], rekey: Bool = false
    )
        -> PolicyDecision
    {
        policy.decide(PolicyQuestion(dataset: dataset ?? customers, requester: requester, requesterGroups: groups, schemes: schemes, rekey: rekey))
    }

    func rejection(_ decision: PolicyDecision) -> PolicyRejection.Reason? {
        if case .reject(let rejection) = decision { return rejection.reason }
        return nil
    }

    @Test func theFileIsReadWhole() {
        #expect(policy.allow.map(\.description) == ["postgres/shop"])
        #expect(policy.triggers?.apiCallers == ["ops"])
        #expect(policy.schemes == [.hmac, .siv])
        #expect(policy.groupCacheSeconds == 30)
        #expect(policy.namesGroups)
    }

    @Test func deniedAndUnlistedDatasetsAreRejected() {
        let audit = DatasetName(platform: "postgres", database: "shop", schema: "public", table: "audit_log")
        let elsewhere = DatasetName(platform: "postgres", database: "hr", schema: "public", table: "staff")
        let orders = DatasetName(platform: "postgres", database: "shop", schema: "public", table: "orders")
        #expect(rejection(ask(audit, alice)) == .dataset)
        #expect(rejection(ask(elsewhere, alice)) == .dataset)
        #expect(ask(orders, alice) == .allow)
    }

    @Test func onlyListedPrincipalsMayTrigger() {
        let orders = DatasetName(platform: "postgres", database: "shop", schema: "public", table: "orders")
        #expect(ask(orders, alice) == .allow)
        #expect(rejection(ask(orders, bob)) == .principal)
        #expect(ask(orders, bob, groups: ["urn:li:corpGroup:stewards"]) == .allow)
        #expect(ask(orders, .apiCaller("ops")) == .allow)
        #expect(rejection(ask(orders, .apiCaller("other"))) == .principal)
        #expect(rejection(ask(orders, .anonymousAPI)) == .principal)
        #expect(rejection(ask(orders, .unknown)) == .principal)
        #expect(ask(orders, .commandLine) == .allow)
    }

    @Test func forbiddenSchemesAndRekeysAreRejected() {
        let orders = DatasetName(platform: "postgres", database: "shop", schema: "public", table: "orders")
        #expect(rejection(ask(orders, alice, schemes: [.hmac, .ff1])) == .scheme)
        #expect(rejection(ask(orders, alice, rekey: true)) == .rekey)
        #expect(ask(orders, .apiCaller("ops"), rekey: true) == .allow)
    }

    @Test func approvalRulesApplyAfterEverythingElse() {
        guard case .requireApproval(let rule) = ask(customers, alice) else {
            Issue.record("customers needs approval")
            return
        }
        #expect(rule.approvers.users.contains("urn:li:corpuser:carol"))
        #expect(rejection(ask(customers, bob)) == .principal)
    }

    @Test func theRequesterNeverApprovesTheirOwnRun() {
        #expect(policy.mayApprove(carol, groups: [], requester: alice, dataset: customers) == .approved)
        #expect(policy.mayApprove(bob, groups: ["urn:li:corpGroup:officers"], requester: alice, dataset: customers) == .approved)
        guard case .refused(let why) = policy.mayApprove(alice, groups: [], requester: alice, dataset: customers) else {
            Issue.record("self-approval must be refused")
            return
        }
        #expect(why.contains("cannot approve"))
        #expect(policy.mayApprove(bob, groups: [], requester: alice, dataset: customers) != .approved)
    }

    @Test func anEmptyPolicyAllowsEverything() throws {
        let open = try PolicyFile.parse("group_cache_seconds: 60")
        #expect(open.decide(PolicyQuestion(dataset: customers, requester: .unknown, schemes: [.poc], rekey: true)) == .allow)
        #expect(!open.namesGroups)
    }

    @Test(arguments: [
        ("datasets:\n  allow: [postgres]\n  alow: [x]", 3, "unknown key 'alow'"),
        ("triggers:\n  users: [alice]", 2, "not a user URN"),
        ("schemes: [hmac, rot13]", 1, "not a scheme"),
        ("approval:\n  - datasets: [postgres]\n", 2, "needs both"),
        ("datasets:\n  deny: [\"a//b\"]", 2, "not platform/database/schema/table"),
        ("group_cache_seconds: soon", 1, "whole number"),
        ("triggers: [\n", 2, "not valid YAML"),
        ("datasets: {allow: [a]}\ndatasets: {deny: [b]}", 1, "duplicated key(s) datasets"),
    ])
    func mistakesNameTheirLine(text: String, line: Int, fragment: String) {
        #expect {
            try PolicyFile.parse(text)
        } throws: { error in
            let error = error as! AccessError
            return error.context["line"] == "\(line)" && error.message.contains(fragment)
        }
    }
}

/// The policy's `tables:` rules (triggers, normalization): parsed, and the first matching rule applies.
@Suite struct TableRuleTests {
    @Test func tablesRulesParseAndTheFirstMatchApplies() throws {
        let policy = try PolicyFile.parse(
            """
            tables:
              - datasets: ["postgres/shop/public/audited_*"]
                triggers: skip
              - datasets: ["postgres/shop/*"]
                triggers: fire
                normalization: nfc-casefold
            """)
        let audited = DatasetName(platform: "postgres", database: "shop", schema: "public", table: "audited_orders")
        let other = DatasetName(platform: "postgres", database: "shop", schema: "public", table: "customers")
        let elsewhere = DatasetName(platform: "databricks", database: "main", schema: "crm", table: "people")
        #expect(policy.tableRule(for: audited).triggers == .skip && policy.tableRule(for: audited).normalization == .none)
        #expect(policy.tableRule(for: other).triggers == .fire && policy.tableRule(for: other).normalization == .nfcCasefold)
        #expect(policy.tableRule(for: elsewhere) == TableRule())
    }

    @Test(arguments: [
        ("tables:\n  - datasets: [\"*\"]\n    triggers: sometimes\n", "line 3: tables[0].triggers: 'sometimes' is not one of refuse, fire, skip"),
        ("tables:\n  - datasets: [\"*\"]\n    normalization: nfd\n", "tables[0].normalization: 'nfd' is not one of none, nfc, nfc-casefold"),
        ("tables:\n  - triggers: fire\n", "tables[0] needs datasets"),
        ("tables:\n  - datasets: [\"*\"]\n    trigger: fire\n", "unknown key 'trigger' in tables[0]"),
    ])
    func badTableRulesNameTheLine(text: String, says: String) {
        #expect {
            try PolicyFile.parse(text)
        } throws: { error in
            "\(error)".contains(says)
        }
    }
}
