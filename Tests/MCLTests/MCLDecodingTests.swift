import Avro
import Catalog
import Foundation
import MCL
import TestSupport
import Testing

private func fixture(_ name: String) throws -> Data {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
    return try Data(contentsOf: url)
}

private func schema(_ file: String) throws -> MCLSchema {
    try MCLSchema(json: String(decoding: try fixture(file), as: UTF8.self))
}

private let detector = TriggerDetector(trigger: TagURN("tokenize/run"))

/// Confluent framing: magic byte, schema id, body.
@Suite struct ConfluentFrameTests {
    @Test func splitsSchemaIDAndBody() throws {
        let frame = try ConfluentFrame(value: [0, 0, 0, 0, 19, 1, 2, 3])
        #expect(frame.schemaID == 19)
        #expect(frame.body == [1, 2, 3])
        #expect(frame.bytes == [0, 0, 0, 0, 19, 1, 2, 3])
    }

    @Test(arguments: [[UInt8](), [0, 0, 0], [1, 0, 0, 0, 19, 9], Array("not avro".utf8)])
    func rejectsUnframedValues(value: [UInt8]) {
        #expect(throws: MCLDecodingError.self) { try ConfluentFrame(value: value) }
    }
}

/// Avro decoding: every truncation a typed error, corrupt bodies, inflated lengths refused without allocating.
@Suite struct AvroDecodingTests {
    @Test func decodesTheV1LayoutToATrigger() throws {
        let frame = try ConfluentFrame(value: Array(try fixture("mcl_v1_globalTags_add.bin")))
        #expect(frame.schemaID == 2)
        let event = try #require(try schema("mcl_v1.avsc").decode(frame.body))
        #expect(event.entityType == "dataset")
        #expect(event.changeType == "UPSERT")
        #expect(event.actor == "urn:li:corpuser:alice")
        let trigger = try detector.trigger(in: event)
        #expect(
            trigger
                == Trigger(
                    datasetURN: "urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers,PROD)", scope: .dataset, aspectName: "globalTags",
                    actor: "urn:li:corpuser:alice"))
    }

    @Test func everyTruncationIsATypedError() throws {
        let body = try ConfluentFrame(value: Array(try fixture("mcl_v1_globalTags_add.bin"))).body
        let mcl = try schema("mcl_v1.avsc")
        for length in 0..<body.count {
            #expect(throws: MCLDecodingError.self) { try mcl.decode(Array(body.prefix(length))) }
        }
    }

    /// Random corruptions of a real body: each decodes to an event, or fails with a typed error that says the
    /// body does not match; never a crash, a hang or an unbounded allocation. The seed is printed, and
    /// `TEST_SEED=<seed>` replays a failure.
    @Test func corruptBodiesDecodeOrFailTyped() throws {
        let body = try ConfluentFrame(value: Array(try fixture("mcl_v1_globalTags_add.bin"))).body
        let mcl = try schema("mcl_v1.avsc")
        let seed = SplitMix64.seedForThisRun()
        var random = SplitMix64(seed: seed)
        var decoded = 0
        var rejected = 0
        for _ in 0..<3000 {
            var corrupt = body
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                corrupt[Int.random(in: 0..<corrupt.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            do {
                let event = try mcl.decode(corrupt)
                #expect(event != nil, "seed \(seed)")
                decoded += 1
            } catch {
                #expect(error.code == .avroBody, "seed \(seed): \(error)")
                rejected += 1
            }
        }
        print("corrupt bodies (seed \(seed)): \(decoded) decoded, \(rejected) rejected as avro_body")
        #expect(decoded + rejected == 3000)
        #expect(rejected > 0)
    }

    /// A string whose declared length exceeds the body is refused before anything is reserved.
    @Test func inflatedLengthsAreRefusedWithoutAllocating() throws {
        let mcl = try schema("mcl_v1.avsc")
        // auditHeader: null branch (0); entityType: string declaring 2^40 bytes.
        var body: [UInt8] = [0x00]
        var length = UInt64(1) << 41  // zig-zag of 2^40
        while length >= 0x80 {
            body.append(UInt8(length & 0x7f) | 0x80)
            length >>= 7
        }
        body.append(UInt8(length))
        body += Array("dataset".utf8)
        #expect {
            try mcl.decode(body)
        } throws: { error in
            (error as? MCLDecodingError)?.context["offset"] != nil && "\(error)".contains("declares")
        }
    }

    @Test func irrelevantEventsStopAtTheFirstDecidingField() throws {
        let frame = try ConfluentFrame(value: Array(try fixture("mcl_v1_globalTags_add.bin")))
        let mcl = try schema("mcl_v1.avsc")
        let chartsOnly = MCLFilter(entityTypes: ["chart"], changeTypes: ["UPSERT"], aspectNames: ["globalTags"])
        #expect(try mcl.decode(frame.body, filter: chartsOnly) == nil)
        // Everything after entityType is garbage: a filtered-out event is never read that far.
        let prefix = try #require(frame.body.firstRange(of: Array("dataset".utf8))).upperBound
        #expect(try mcl.decode(Array(frame.body[..<prefix]) + [0xff, 0xff, 0xff], filter: chartsOnly) == nil)
        #expect(try mcl.decode(frame.body, filter: TriggerDetector.filter) != nil)
    }

    @Test func schemaThatDoesNotParseIsAnError() {
        #expect(throws: MCLDecodingError.self) { try MCLSchema(json: "{\"type\": \"record\"") }
        #expect(throws: MCLDecodingError.self) { try MCLSchema(json: #"{"type": "record", "name": "X", "fields": [{"name": "a", "type": "long"}]}"#) }
    }

    /// The samples in ../shared/datahub/samples (DataHub's current layout, schema id 19), decoded with
    /// DataHub's own MCL schema file, give the expected triggers; the classifier finds them from raw values.
    @Test(.enabled(if: TestEnvironment.sharedTestsEnabled)) func sharedSamplesDecodeToTheExpectedTriggers() throws {
        let official = try MCLSchema(json: String(decoding: try TestEnvironment.sharedFile("avro/MetadataChangeLog.avsc"), as: UTF8.self))
        let cache = SchemaCache()
        cache.insert(official, id: 19)
        let classifier = MCLClassifier(cache: cache, detector: detector)
        let urn = "urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers,PROD)"
        let dataset = Array(try TestEnvironment.sharedFile("samples/mcl_dataset_globalTags_add.bin"))
        guard case .trigger(let datasetTrigger) = classifier.classify(dataset) else {
            Issue.record("the dataset sample is not a trigger")
            return
        }
        #expect(datasetTrigger.datasetURN == urn && datasetTrigger.scope == .dataset)
        let field = Array(try TestEnvironment.sharedFile("samples/mcl_field_editableSchemaMetadata_add.bin"))
        guard case .trigger(let fieldTrigger) = classifier.classify(field) else {
            Issue.record("the field sample is not a trigger")
            return
        }
        #expect(fieldTrigger.scope == .fields(["email"]))
        let unknownID = ConfluentFrame(schemaID: 12345, body: try ConfluentFrame(value: dataset).body).bytes
        #expect(classifier.classify(unknownID) == .needsSchema(12345))
    }

    /// The stand-in's hand-built current layout decodes DataHub's own sample bytes identically.
    @Test(.enabled(if: TestEnvironment.sharedTestsEnabled)) func standInLayoutMatchesDataHubsSchema() throws {
        let official = try AvroSchema(json: String(decoding: try TestEnvironment.sharedFile("avro/MetadataChangeLog.avsc"), as: UTF8.self))
        let ours = try AvroSchema(json: String(decoding: try fixture("mcl_current.avsc"), as: UTF8.self))
        let body = try ConfluentFrame(value: Array(try TestEnvironment.sharedFile("samples/mcl_dataset_globalTags_add.bin"))).body
        #expect(try AvroReader.decode(body, schema: ours) == AvroReader.decode(body, schema: official))
    }
}
