import AccessControl
import Catalog
import Crypto
import Foundation
import Logging
import TestSupport
import Testing
import Tokenization
import WarehouseKit

@testable import Erasures

/// The executor with DataHub, the ledger and a warehouse in memory: batching per destination, failures, unreachable datasets, four eyes.
@Suite("Erasure requests: planned through DataHub, erased in batches per destination, closed with a receipt")
struct ErasureExecutorTests {
    static let email = TagURN("pii:email")
    static func urn(_ table: String, platform: String = "postgres") -> DatasetURN {
        try! DatasetURN("urn:li:dataset:(urn:li:dataPlatform:\(platform),shop.public.\(table),PROD)")
    }

    let tokenizer = Tokenizer(
        keyring: TokenKeyring(keys: [
            TokenKey(id: "k1", secret: Array(repeating: 1, count: 32)), TokenKey(id: "k2", secret: Array(repeating: 2, count: 32)),
        ]))
    let store = InMemoryErasureStore()
    let catalog = InMemoryCatalog()
    let signingKey = Curve25519.Signing.PrivateKey()
    let logger = Logger(label: "erasure-test")

    init() {
        let tagged = { (urn: DatasetURN) in
            DatasetSnapshot(
                urn: urn, fields: [.init(fieldPath: "id"), .init(fieldPath: "email", editableTags: [Self.email]), .init(fieldPath: "note")])
        }
        catalog.state.withLock { state in
            state.datasets[Self.urn("customers")] = tagged(Self.urn("customers"))
            state.datasets[Self.urn("orders")] = tagged(Self.urn("orders"))
            state.datasets[Self.urn("copy")] = DatasetSnapshot(urn: Self.urn("copy"), fields: [.init(fieldPath: "id"), .init(fieldPath: "email")])
            state.upstreams[Self.urn("copy")] = [Self.urn("customers")]
        }
    }

    func intake(_ policy: ErasurePolicy = ErasurePolicy()) -> ErasureIntake {
        ErasureIntake(store: store, tokenizer: tokenizer, policy: policy, term: .seconds(86_400 * 30), logger: logger) {}
    }

    func executor(_ eraser: FakeEraser, policy: ErasurePolicy = ErasurePolicy()) -> ErasureExecutor {
        let resolver = DestinationResolver(catalog: catalog, policy: policy, lineageDepth: 2) { _ in [:] }
        return ErasureExecutor(
            store: store, resolver: resolver, warehouses: ["postgres": eraser], tokenizer: tokenizer, signingKey: signingKey, logger: logger)
    }

    func submit(_ email: String, id: String) async throws -> ErasureRecord {
        let body = ErasureSubmission(identifiers: [("email", email)], reason: "GDPR", requester: "them", source: "crm", sourceID: id)
        return try await intake().submit(body, caller: .apiCaller("ops")).record
    }

    @Test("Two requests, three destinations (one by lineage): one statement per table for both people, then COMPLETE with receipts")
    func batched() async throws {
        let aliceToken = try tokenizer.token(for: "alice@example.com", scheme: .siv)
        let eraser = FakeEraser(tables: [
            "customers": ["alice@example.com", "bob@example.com", "carol@example.com"],
            "orders": [aliceToken, "bob@example.com", "carol@example.com", "alice@example.com"],
            "copy": ["alice@example.com", "carol@example.com"],
        ])
        let alice = try await submit("alice@example.com", id: "1")
        let bob = try await submit("bob@example.com", id: "2")
        await executor(eraser).work(try await store.claimDue(limit: 100, lease: .seconds(600)))
        let calls = eraser.calls.withLock { $0 }
        #expect(calls.map(\.table).sorted() == ["copy", "customers", "orders"])
        #expect(
            calls.allSatisfy { $0.values.contains("alice@example.com") && $0.values.contains("bob@example.com") && $0.values.contains(aliceToken) })
        #expect(
            eraser.tables.withLock { $0 } == ["customers": ["carol@example.com"], "orders": ["carol@example.com"], "copy": ["carol@example.com"]])
        for (request, rows) in [(alice, ["customers": 1, "orders": 2, "copy": 1]), (bob, ["customers": 1, "orders": 1, "copy": 0])] {
            let record = try #require(try await store.record(request.id))
            #expect(record.status == .complete)
            #expect(
                Dictionary(uniqueKeysWithValues: record.destinations.map { ($0.dataset.name, $0.rowsAffected ?? -1) })
                    == rows.mapKeys { "shop.public.\($0)" })
            #expect(store.rows.withLock { $0[request.id]?.sealed } == nil)
            let receipt = try JSONDecoder().decode(SignedErasureReceipt.self, from: try #require(try await store.receipt(request.id)))
            let publicKey = signingKey.publicKey.rawRepresentation.base64EncodedString()
            #expect(receipt.verify(expecting: publicKey) == .valid(publicKey: publicKey))
            #expect(receipt.receipt.destinations.count == 3)
        }
    }

    @Test("One destination failing: the others complete, the request stays OPEN and the failed one is retried")
    func oneFails() async throws {
        let eraser = FakeEraser(tables: ["customers": ["alice@example.com"], "orders": ["alice@example.com"], "copy": []])
        eraser.failing.withLock { $0["orders"] = WarehouseError(.unavailable, "PostgreSQL is unavailable", table: nil) }
        let alice = try await submit("alice@example.com", id: "1")
        await executor(eraser).work(try await store.claimDue(limit: 100, lease: .seconds(600)))
        var record = try #require(try await store.record(alice.id))
        #expect(record.status == .open)
        #expect(record.destinations.first { $0.dataset.name.hasSuffix("orders") }?.state == .failed)
        #expect(record.destinations.filter { $0.state == .done }.count == 2)
        eraser.failing.withLock { $0 = [:] }
        store.rows.withLock { $0[alice.id]?.due = .distantPast }
        eraser.calls.withLock { $0 = [] }
        await executor(eraser).work(try await store.claimDue(limit: 100, lease: .seconds(600)))
        record = try #require(try await store.record(alice.id))
        #expect(record.status == .complete)
        #expect(eraser.calls.withLock { $0.map(\.table) } == ["orders"], "done destinations are not erased again")
    }

    @Test("A dataset the service cannot reach is listed as unreachable, never skipped: the request stays OPEN")
    func unreachable() async throws {
        catalog.state.withLock { state in
            let urn = Self.urn("legacy", platform: "mysql")
            state.datasets[urn] = DatasetSnapshot(urn: urn, fields: [.init(fieldPath: "email", editableTags: [Self.email])])
        }
        let eraser = FakeEraser(tables: ["customers": [], "orders": [], "copy": []])
        let alice = try await submit("alice@example.com", id: "1")
        await executor(eraser).work(try await store.claimDue(limit: 100, lease: .seconds(600)))
        let record = try #require(try await store.record(alice.id))
        #expect(record.status == .open)
        let legacy = try #require(record.destinations.first { $0.dataset.platform == "mysql" })
        #expect(legacy.state == .unreachable)
        #expect(legacy.error?.contains("mysql") == true)
    }

    @Test("An unreachable destination is planned again on the next pass: once DataHub no longer names it, the request completes")
    func replanned() async throws {
        let legacy = Self.urn("legacy", platform: "mysql")
        catalog.state.withLock { state in
            state.datasets[legacy] = DatasetSnapshot(urn: legacy, fields: [.init(fieldPath: "email", editableTags: [Self.email])])
        }
        let eraser = FakeEraser(tables: ["customers": ["alice@example.com"], "orders": [], "copy": []])
        let alice = try await submit("alice@example.com", id: "1")
        await executor(eraser).work(try await store.claimDue(limit: 100, lease: .seconds(600)))
        #expect(try await store.record(alice.id)?.status == .open)
        // A steward removes the tag from the legacy system's field (its data was migrated away).
        catalog.state.withLock { state in state.datasets[legacy] = DatasetSnapshot(urn: legacy, fields: [.init(fieldPath: "email")]) }
        store.rows.withLock { $0[alice.id]?.due = .distantPast }
        eraser.calls.withLock { $0 = [] }
        await executor(eraser).work(try await store.claimDue(limit: 100, lease: .seconds(600)))
        let record = try #require(try await store.record(alice.id))
        #expect(record.status == .complete)
        #expect(!record.destinations.contains { $0.dataset == legacy })
        #expect(eraser.calls.withLock { $0.isEmpty }, "done destinations are not erased again")
        #expect(try await store.events(alice.id).map(\.kind).contains("replanned"))
    }

    @Test("A field carrying the kind's glossary term (policy erasure.terms) is a destination too, matched on that column")
    func glossaryTerms() async throws {
        let crm = Self.urn("crm")
        catalog.state.withLock { state in
            state.datasets[crm] = DatasetSnapshot(
                urn: crm, fields: [.init(fieldPath: "id"), .init(fieldPath: "mail", glossaryTerms: ["Email_Address"])])
        }
        let policy = try PolicyFile.parse(
            """
            erasure:
              terms:
                email: [urn:li:glossaryTerm:Email_Address]
            """
        ).erasure
        let resolver = DestinationResolver(catalog: catalog, policy: policy, lineageDepth: 0) { _ in [:] }
        let destinations = try await resolver.resolve([IdentifierKind(rawValue: "email")!])
        let found = try #require(destinations.first { $0.dataset == crm })
        #expect(found.match == ["mail"])
        #expect(found.via.contains("Email_Address"))
        #expect(Set(destinations.map(\.dataset)) == [crm, Self.urn("customers"), Self.urn("orders")])
        #expect(throws: AccessError.self) { try PolicyFile.parse("erasure:\n  terms:\n    email: [Email_Address]\n") }
    }

    @Test("The same request twice is recorded once")
    func duplicate() async throws {
        let body = ErasureSubmission(identifiers: [("email", "a@example.com")], reason: "GDPR", requester: "them", source: "crm", sourceID: "7")
        let first = try await intake().submit(body, caller: .apiCaller("ops"))
        let second = try await intake().submit(body, caller: .apiCaller("ops"))
        #expect(!first.duplicate && second.duplicate && first.record.id == second.record.id)
    }

    @Test("Four eyes: awaiting approval; the submitter cannot decide; another approver opens it; a rejection needs a reason")
    func approval() async throws {
        let policy = ErasurePolicy(approvers: PrincipalSet(apiCallers: ["ops", "dpo"]))
        let body = ErasureSubmission(identifiers: [("email", "a@example.com")], reason: "GDPR", requester: "them", source: "crm", sourceID: "8")
        let record = try await intake(policy).submit(body, caller: .apiCaller("ops")).record
        #expect(record.status == .awaitingApproval)
        await #expect(throws: ErasureError.self) { try await intake(policy).decide(record.id, approve: true, reason: nil, caller: .apiCaller("ops")) }
        await #expect(throws: ErasureError.self) {
            try await intake(policy).decide(record.id, approve: false, reason: nil, caller: .apiCaller("dpo"))
        }
        #expect(try await intake(policy).decide(record.id, approve: true, reason: nil, caller: .apiCaller("dpo")).status == .open)
        let rejected = try await intake(policy).decide(record.id, approve: false, reason: "not the subject", caller: .apiCaller("dpo"))
        #expect(rejected.status == .rejected)
        #expect(store.rows.withLock { $0[record.id]?.sealed } == nil, "a rejected request keeps no identifier")
    }

    @Test("The policy decides who may file")
    func requesters() async throws {
        let policy = ErasurePolicy(requesters: PrincipalSet(apiCallers: ["privacy"]))
        let body = ErasureSubmission(identifiers: [("email", "a@example.com")], reason: "GDPR", requester: "them", source: "crm", sourceID: "9")
        await #expect(throws: ErasureError.self) { try await intake(policy).submit(body, caller: .apiCaller("ops")) }
        #expect(try await intake(policy).submit(body, caller: .apiCaller("privacy")).record.status == .open)
    }
}

extension Dictionary {
    func mapKeys<K: Hashable>(_ transform: (Key) -> K) -> [K: Value] { [K: Value](uniqueKeysWithValues: map { (transform($0.key), $0.value) }) }
}
