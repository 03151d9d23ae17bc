import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import RunLedger
import Runs
import TestSupport
import Testing

/// The PostgreSQL ledger in a state database of its own on the stack's server.
private func withLedger(_ body: (PostgresRunStore, PostgresDatasetLocks, DeadLetterStore, PostgresClient) async throws -> Void) async throws {
    let settings = try stackPostgresSettings()
    let logger = Logger(label: "ledger-test")
    let database = "tokenize_ledger_test"
    try await StateDatabase.prepare(settings: settings, database: database, logger: logger)
    try await StateDatabase.prepare(settings: settings, database: database, logger: logger)  // idempotent
    let databases = try PostgresDatabases(settings: settings, logger: logger)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await databases.run() }
        defer { group.cancelAll() }
        let client = databases.client(database: database)
        try await body(
            PostgresRunStore(client: client, owner: "test", logger: logger), PostgresDatasetLocks(client: client, logger: logger),
            DeadLetterStore(client: client, logger: logger), client)
    }
}

private func uniqueURN(_ table: String) -> String {
    "urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.\(table)_\(UInt32.random(in: 0...UInt32.max)),PROD)"
}

@Suite(.enabled(if: TestEnvironment.postgresTestsEnabled), .serialized) struct RunLedgerTests {
    @Test func migrationsAreVersionedAndApplyOnce() async throws {
        try await withLedger { _, _, _, client in
            var versions: [Int] = []
            for try await version in try await client.query("SELECT version FROM tokenize_action.schema_migrations ORDER BY version").decode(Int.self) {
                versions.append(version)
            }
            #expect(versions == [1, 2, 3, 4, 5, 6, 7])
        }
    }

    @Test func enqueueRules() async throws {
        try await withLedger { store, _, _, _ in
            try await RunStoreConformance.enqueueRules(store, datasets: (uniqueURN("customers"), uniqueURN("orders")), topic: "mcl-\(UUID().uuidString)")
        }
    }

    @Test func workOrder() async throws {
        try await withLedger { store, _, _, _ in
            try await RunStoreConformance.workOrder(store, dataset: uniqueURN("work"), topic: "mcl-\(UUID().uuidString)")
        }
    }

    @Test func requesterAdoption() async throws {
        try await withLedger { store, _, _, _ in
            try await RunStoreConformance.requesterAdoption(store, datasets: (uniqueURN("adopting"), uniqueURN("lonely")), topic: "mcl-\(UUID().uuidString)")
        }
    }

    @Test func auditTrail() async throws {
        try await withLedger { store, _, _, _ in
            try await RunStoreConformance.auditTrail(store, dataset: uniqueURN("audit"), topic: "mcl-\(UUID().uuidString)")
        }
    }

    @Test func approvals() async throws {
        try await withLedger { store, _, _, _ in
            try await RunStoreConformance.approvals(store, dataset: uniqueURN("approvals"), topic: "mcl-\(UUID().uuidString)")
        }
    }

    @Test func writeBackAskedForWhilePublishing() async throws {
        try await withLedger { store, _, _, _ in
            try await RunStoreConformance.writeBackAskedForWhilePublishing(store, dataset: uniqueURN("republish"), topic: "mcl-\(UUID().uuidString)")
        }
    }

    /// Requests for one dataset recorded at the same time by several processes make one run.
    @Test func concurrentRequestsForADatasetMakeOneRun() async throws {
        try await withLedger { store, _, _, _ in
            let urn = uniqueURN("concurrent")
            let topic = "mcl-\(UUID().uuidString)"
            let outcomes = try await withThrowingTaskGroup(of: EnqueueOutcome.self) { group in
                for offset in 0..<20 {
                    group.addTask {
                        try await store.enqueue(
                            RunRequest(
                                dataset: try DatasetURN(urn), scope: RunScope(datasetLevel: true), source: .kafka,
                                position: TriggerPosition(topic: topic, partition: 0, offset: Int64(offset))))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { $0.kind == .queued }.count == 1)
            #expect(Set(outcomes.map(\.run.runID)).count == 1)
        }
    }

    /// One worker per dataset across processes: a second holder is refused until the first lets go, and a lost
    /// session frees the lock.
    @Test func theDatasetLockIsExclusiveAcrossSessions() async throws {
        try await withLedger { _, locks, _, _ in
            try await withLedger { _, otherProcess, _, _ in
                let urn = uniqueURN("locked")
                let inside = try await locks.withLock(dataset: urn) { lease -> Bool? in
                    try await lease.check()
                    return try await otherProcess.withLock(dataset: urn) { _ in true }
                }
                #expect(inside == .some(nil), "the second holder must be refused while the first holds the lock")
                #expect(try await otherProcess.withLock(dataset: urn) { _ in true } == true)
            }
        }
    }

    @Test func deadLettersAreKeptOnceAndReplayable() async throws {
        try await withLedger { _, _, deadLetters, _ in
            let topic = "mcl-\(UUID().uuidString)"
            for _ in 0..<2 {
                try await deadLetters.add(topic: topic, partition: 0, offset: 7, key: [1], value: [0, 1, 2], reasonCode: "avro_body", reason: "bad")
            }
            let letters = try await deadLetters.list(limit: 100, includeReplayed: false).filter { $0.topic == topic }
            #expect(letters.count == 1 && letters.first?.value == [0, 1, 2] && letters.first?.reasonCode == "avro_body")
            let id = try #require(letters.first?.id)
            try await deadLetters.markReplayed(id: id, outcome: "not a trigger")
            #expect(try await deadLetters.get(id: id)?.replayOutcome == "not a trigger")
            #expect(try await deadLetters.list(limit: 100, includeReplayed: false).allSatisfy { $0.topic != topic })
        }
    }
}
