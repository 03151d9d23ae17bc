import Catalog
import DataHubClient
import Foundation
import Kafka
import Logging
import MCL
import Runs
import Synchronization
import TestSupport
import Testing

@testable import App

final class DeadLetters: DeadLetterSink {
    let stored = Mutex<[(offset: Int64, code: String)]>([])
    func add(topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8]?, reasonCode: String, reason: String) async throws {
        stored.withLock { $0.append((offset, reasonCode)) }
    }
}

private let schemaJSON = """
    {"type": "record", "name": "MetadataChangeLog", "namespace": "t", "fields": [
      {"name": "entityType", "type": "string"}, {"name": "entityUrn", "type": ["null", "string"]},
      {"name": "changeType", "type": {"type": "enum", "name": "ChangeType", "symbols": ["UPSERT", "DELETE"]}},
      {"name": "aspectName", "type": ["null", "string"]},
      {"name": "aspect", "type": ["null", {"type": "record", "name": "GenericAspect", "fields": [
        {"name": "value", "type": "bytes"}, {"name": "contentType", "type": "string"}]}]}]}
    """

/// Avro for the schema above, by hand.
private func mcl(entityType: String, urn: String, aspect: String?) -> [UInt8] {
    func string(_ text: String) -> [UInt8] { varint(Int64(text.utf8.count)) + Array(text.utf8) }
    func varint(_ value: Int64) -> [UInt8] {
        var zigzag = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        var bytes: [UInt8] = []
        while zigzag >= 0x80 {
            bytes.append(UInt8(zigzag & 0x7f) | 0x80)
            zigzag >>= 7
        }
        return bytes + [UInt8(zigzag)]
    }
    var body = string(entityType) + [2] + string(urn) + [0] + [2] + string("globalTags")
    if let aspect { body += [2] + string(aspect) + string("application/json") } else { body += [0] }
    return ConfluentFrame(schemaID: 7, body: body).bytes
}

/// The MCL router: only triggers and poison reach the handler, a trigger recorded once, an unavailable ledger retried.
@Suite struct MCLRouterTests {
    let store = InMemoryRunStore()
    let deadLetters = DeadLetters()

    func router() throws -> MCLRouter {
        let cache = SchemaCache()
        cache.insert(try MCLSchema(json: schemaJSON), id: 7)
        let logger = Logger(label: "router-test")
        let registry = SchemaRegistryClient(
            settings: SchemaRegistrySettings(url: "http://127.0.0.1:1"), httpClient: .shared, cache: cache, logger: logger)
        return MCLRouter(
            classifier: MCLClassifier(cache: cache, detector: TriggerDetector(trigger: TagURN("tokenize/run"))), registry: registry,
            recorder: TriggerRecorder(intake: RunIntake(store: store, logger: logger) {}, deadLetters: deadLetters, logger: logger), logger: logger)
    }

    private func view(_ bytes: [UInt8], offset: Int64, _ body: (KafkaMessageView) -> Void) {
        bytes.withUnsafeBytes { body(KafkaMessageView(position: KafkaPosition(topic: "mcl", partition: 0, offset: offset), key: nil, value: $0)) }
    }

    @Test func onlyTriggersAndPoisonReachTheHandler() throws {
        let router = try router()
        let urn = "urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers,PROD)"
        view(mcl(entityType: "chart", urn: "urn:li:chart:x", aspect: nil), offset: 1) { #expect(router.route($0) == nil) }
        view(mcl(entityType: "dataset", urn: urn, aspect: #"{"tags":[{"tag":"urn:li:tag:pii"}]}"#), offset: 2) { #expect(router.route($0) == nil) }
        view(mcl(entityType: "dataset", urn: urn, aspect: #"{"tags":[{"tag":"urn:li:tag:tokenize/run"}]}"#), offset: 3) {
            guard case .trigger(let trigger, _) = router.route($0) else {
                Issue.record("not a trigger")
                return
            }
            #expect(trigger.datasetURN == urn)
        }
        view(Array("garbage".utf8), offset: 4) {
            guard case .poison(let error, _) = router.route($0) else {
                Issue.record("not poison")
                return
            }
            #expect(error.code == .notConfluentFramed)
        }
        view(ConfluentFrame(schemaID: 8, body: [1]).bytes, offset: 5) {
            guard case .needsSchema = router.route($0) else {
                Issue.record("schema 8 is not cached")
                return
            }
        }
        view([], offset: 6) { message in
            #expect(router.route(KafkaMessageView(position: message.position, key: nil, value: nil)) == nil, "a tombstone")
        }
    }

    @Test func aTriggerIsRecordedOnceWithItsPositionAndActor() async throws {
        let router = try router()
        let urn = "urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers,PROD)"
        let trigger = Trigger(datasetURN: urn, scope: .fields(["email"]), aspectName: "editableSchemaMetadata", actor: "urn:li:corpuser:alice")
        let message = KafkaMessage(topic: "mcl", partition: 0, offset: 42, key: nil, value: [1])
        #expect(await router.handle(.trigger(trigger, message), at: message.position))
        #expect(await router.handle(.trigger(trigger, message), at: message.position))  // redelivered
        let runs = store.all
        #expect(runs.count == 1)
        #expect(runs.first?.position == KafkaPosition(topic: "mcl", partition: 0, offset: 42) && runs.first?.requestedBy == "urn:li:corpuser:alice")
        #expect(runs.first?.scope == RunScope(triggerFields: ["email"]) && runs.first?.tagTriggered == true)
    }

    @Test func poisonAndUnusableURNsAreDeadLettered() async throws {
        let router = try router()
        let garbage = KafkaMessage(topic: "mcl", partition: 0, offset: 1, key: nil, value: Array("garbage".utf8))
        #expect(await router.handle(.poison(MCLDecodingError(.notConfluentFramed, "x"), garbage), at: garbage.position))
        let bad = Trigger(datasetURN: "urn:li:dataset:nonsense", scope: .dataset, aspectName: "globalTags")
        #expect(await router.handle(.trigger(bad, garbage), at: KafkaPosition(topic: "mcl", partition: 0, offset: 2)))
        #expect(deadLetters.stored.withLock { $0.map(\.code) } == ["not_confluent_framed", "unusable_urn"])
        #expect(store.all.isEmpty)
    }

    /// The ledger is down: the handler keeps retrying; the offset does not move until it is back.
    @Test func anUnavailableLedgerIsRetriedNotSkipped() async throws {
        let router = try router()
        store.failure.withLock { $0 = PostgresDown() }
        let trigger = Trigger(
            datasetURN: "urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers,PROD)", scope: .dataset, aspectName: "globalTags")
        let message = KafkaMessage(topic: "mcl", partition: 0, offset: 9, key: nil, value: [1])
        let store = self.store
        async let handled = router.handle(.trigger(trigger, message), at: message.position)
        try await Task.sleep(for: .milliseconds(1200))
        #expect(store.all.isEmpty)
        store.failure.withLock { $0 = nil }
        #expect(await handled)
        #expect(store.all.count == 1)
    }

    struct PostgresDown: Error {}
}
