import Catalog
import Foundation
import KafkaModel
import Logging
import PostgresNIO
import PostgresSupport
import Runs
import TestSupport
import Testing

@testable import RunLedger

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

private func uniqueURN(_ table: String) -> DatasetURN {
    try! DatasetURN("urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.\(table)_\(UInt32.random(in: 0...UInt32.max)),PROD)")
}

/// The PostgreSQL ledger: versioned migrations, enqueue and merge rules, work order, the audit trail, approvals.
@Suite(.enabled(if: TestEnvironment.postgresTestsEnabled), .serialized) struct RunLedgerTests {
    @Test func migrationsAreVersionedAndApplyOnce() async throws {
        try await withLedger { _, _, _, client in
            var versions: [Int] = []
            for try await version in try await client.query("SELECT version FROM tokenize_action.schema_migrations ORDER BY version").decode(Int.self)
            {
                versions.append(version)
            }
            #expect(versions == Array(1...10))
        }
    }

    /// Scopes stored with the two flags of older versions are rewritten with their kind, and read back the same.
    @Test func theKindMigrationRewritesOlderScopes() async throws {
        try await withLedger { store, _, _, client in
            var ids: [String: RunKind] = [:]
            for (flags, kind) in [
                ("'{\"verify_only\": true}'", RunKind.verify), ("'{\"plan_only\": true}'", .plan), ("'{\"verify_only\": false}'", .tokenize),
            ] {
                let run = try await store.enqueue(RunRequest(dataset: uniqueURN("kinds"), scope: RunScope(datasetLevel: true), source: .api)).run
                try await client.query(
                    PostgresQuery(
                        unsafeSQL: "UPDATE tokenize_action.runs SET scope = (scope - 'kind') || \(flags)::jsonb WHERE run_id = '\(run.runID)'"))
                ids[run.runID] = kind
            }
            let migration = try #require(Migrations.all.first { $0.version == 9 })
            for statement in migration.statements { try await client.query(PostgresQuery(unsafeSQL: statement)) }
            for (id, kind) in ids {
                #expect(try await store.record(id)?.scope.kind == kind)
                let rows = try await client.query(
                    "SELECT scope ? 'verify_only' OR scope ? 'plan_only' FROM tokenize_action.runs WHERE run_id = \(id)::uuid")
                for try await flagged in rows.decode(Bool.self) { #expect(!flagged, "the flags are gone") }
            }
        }
    }

    @Test func enqueueRules() async throws {
        try await withLedger { store, _, _, _ in
            try await RunStoreConformance.enqueueRules(
                store, datasets: (uniqueURN("customers"), uniqueURN("orders")), topic: "mcl-\(UUID().uuidString)")
        }
    }

    @Test func workOrder() async throws {
        try await withLedger { store, _, _, _ in
            try await RunStoreConformance.workOrder(store, dataset: uniqueURN("work"), topic: "mcl-\(UUID().uuidString)")
        }
    }

    @Test func requesterAdoption() async throws {
        try await withLedger { store, _, _, _ in
            try await RunStoreConformance.requesterAdoption(
                store, datasets: (uniqueURN("adopting"), uniqueURN("lonely")), topic: "mcl-\(UUID().uuidString)")
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

    /// Two processes append to one run's audit trail, one after another and at the same time: each store's
    /// one-statement append after its own last event meets the other's events, and the chain still holds.
    @Test func appendsFromTwoProcessesKeepOneChain() async throws {
        try await withLedger { store, _, _, client in
            let other = PostgresRunStore(client: client, owner: "other", logger: Logger(label: "test"))
            let urn = uniqueURN("chained")
            let run = try await store.enqueue(RunRequest(dataset: urn, scope: RunScope(datasetLevel: true), source: .api)).run
            func event(_ note: String) -> RunEvent { RunEvent(runID: run.runID, kind: .postponed, data: ["note": note]) }
            try await store.appendEvent(event("a1"))
            try await store.appendEvent(event("a2"))  // after its own tail
            try await other.appendEvent(event("b1"))
            try await store.appendEvent(event("a3"))  // its tail is stale: the other store appended since
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<20 {
                    group.addTask { try await (index % 2 == 0 ? store : other).appendEvent(event("c\(index)")) }
                }
                try await group.waitForAll()
            }
            let events = try await store.events(runID: run.runID)
            #expect(events.count == 25, "the request, 4 events and 20 concurrent ones")
            #expect(AuditChain.problems(events).isEmpty, "\(AuditChain.problems(events))")
            #expect(events.map(\.sequence) == Array(1...25))
        }
    }

    /// The one-statement append takes the run's lock: an appender that read the tail under the lock (another
    /// process's enqueue) is never refused, and the one-statement append goes after it.
    @Test func aOneStatementAppendWaitsForAnAppenderHoldingTheLock() async throws {
        try await withLedger { store, _, _, client in
            let urn = uniqueURN("locked")
            let run = try await store.enqueue(RunRequest(dataset: urn, scope: RunScope(datasetLevel: true), source: .api)).run
            func event(_ note: String) -> RunEvent { RunEvent(runID: run.runID, kind: .postponed, data: ["note": note]) }
            try await store.appendEvent(event("first"))  // the store now knows the tail
            let logger = Logger(label: "test")
            try await client.withConnection { holder in
                try await holder.query("BEGIN", logger: logger)
                var lock = PostgresBindings()
                lock.append(run.runID)
                try await holder.query(
                    PostgresQuery(unsafeSQL: "SELECT pg_advisory_xact_lock(hashtextextended('tokenize-action/events/' || $1, 0))", binds: lock),
                    logger: logger)
                let tail = try await store.events(runID: run.runID).last
                let appending = Task { try await store.appendEvent(event("waited")) }
                try await Task.sleep(for: .milliseconds(300))  // time for the append to reach PostgreSQL
                let next = AuditChain.next(after: tail, event("held"), at: Date())
                var binds = PostgresBindings()
                binds.append(next.runID)
                binds.append(next.sequence)
                for text in [next.at, next.kind, next.data, next.previousHash, next.hash] { binds.append(text) }
                try await holder.query(
                    PostgresQuery(
                        unsafeSQL:
                            "INSERT INTO tokenize_action.run_events (run_id, seq, at, kind, data, prev_hash, hash) VALUES ($1::uuid, $2, "
                            + "$3, $4, $5, $6, $7)",
                        binds: binds), logger: logger)
                try await holder.query("COMMIT", logger: logger)
                try await appending.value
            }
            let events = try await store.events(runID: run.runID)
            #expect(events.map(\.data).suffix(2) == [#"{"note":"held"}"#, #"{"note":"waited"}"#], "\(events.map(\.data))")
            #expect(AuditChain.problems(events).isEmpty, "\(AuditChain.problems(events))")
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
                                dataset: urn, scope: RunScope(datasetLevel: true), source: .kafka,
                                position: KafkaPosition(topic: topic, partition: 0, offset: Int64(offset))))
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
