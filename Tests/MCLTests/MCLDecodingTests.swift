import Foundation
import MCL
import TestSupport
import Testing

private func fixture(_ name: String) throws -> Data {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
    return try Data(contentsOf: url)
}

private func decoder(_ schemaFile: String) throws -> AvroSchemaDecoder {
    try AvroSchemaDecoder(schemaJSON: String(decoding: try fixture(schemaFile), as: UTF8.self))
}

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

@Suite struct AvroDecodingTests {
    @Test func decodesTheV1LayoutToATrigger() throws {
        let frame = try ConfluentFrame(value: Array(try fixture("mcl_v1_globalTags_add.bin")))
        #expect(frame.schemaID == 2)
        let event = try MetadataChangeLog(datum: try decoder("mcl_v1.avsc").decode(frame.body))
        #expect(event.entityType == "dataset")
        #expect(event.changeType == "UPSERT")
        #expect(event.actor == "urn:li:corpuser:alice")
        let trigger = try TriggerDetector(triggerTag: "tokenize/run").trigger(in: event)
        #expect(trigger == Trigger(datasetURN: "urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers,PROD)", scope: .dataset, aspectName: "globalTags"))
    }

    @Test func truncatedAndCorruptBodiesFailWithoutCrashing() throws {
        let body = try ConfluentFrame(value: Array(try fixture("mcl_v1_globalTags_add.bin"))).body
        let avro = try decoder("mcl_v1.avsc")
        for length in 0..<body.count {
            #expect(throws: AvroError.self) { try avro.decode(Array(body.prefix(length))) }
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var corrupt = body
            for _ in 0..<Int.random(in: 1...8, using: &generator) {
                corrupt[Int.random(in: 0..<corrupt.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            // Either decodes to something or throws; it must never crash or hang.
            _ = try? avro.decode(corrupt)
        }
    }

    @Test func schemaThatDoesNotParseIsAnError() {
        #expect(throws: AvroError.self) { try AvroSchemaDecoder(schemaJSON: "{\"type\": \"record\"") }
    }

    /// The samples in ../shared/datahub/samples (DataHub's current layout, schema id 19), decoded with
    /// DataHub's own MCL schema file, give the expected triggers.
    @Test(.enabled(if: TestEnvironment.sharedTestsEnabled)) func sharedSamplesDecodeToTheExpectedTriggers() throws {
        let schema = String(decoding: try TestEnvironment.sharedFile("avro/MetadataChangeLog.avsc"), as: UTF8.self)
        let avro = try AvroSchemaDecoder(schemaJSON: schema)
        let detector = TriggerDetector(triggerTag: "tokenize/run")
        let urn = "urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers,PROD)"

        let datasetFrame = try ConfluentFrame(value: Array(try TestEnvironment.sharedFile("samples/mcl_dataset_globalTags_add.bin")))
        #expect(datasetFrame.schemaID == 19)
        let datasetEvent = try MetadataChangeLog(datum: try avro.decode(datasetFrame.body))
        #expect(try detector.trigger(in: datasetEvent) == Trigger(datasetURN: urn, scope: .dataset, aspectName: "globalTags"))

        let fieldFrame = try ConfluentFrame(value: Array(try TestEnvironment.sharedFile("samples/mcl_field_editableSchemaMetadata_add.bin")))
        let fieldEvent = try MetadataChangeLog(datum: try avro.decode(fieldFrame.body))
        #expect(fieldEvent.previousAspectValue == nil)
        #expect(try detector.trigger(in: fieldEvent) == Trigger(datasetURN: urn, scope: .fields(["email"]), aspectName: "editableSchemaMetadata"))
    }

    /// The stand-in's hand-built current layout decodes DataHub's own sample bytes identically.
    @Test(.enabled(if: TestEnvironment.sharedTestsEnabled)) func standInLayoutMatchesDataHubsSchema() throws {
        let official = try AvroSchemaDecoder(schemaJSON: String(decoding: try TestEnvironment.sharedFile("avro/MetadataChangeLog.avsc"), as: UTF8.self))
        let ours = try decoder("mcl_current.avsc")
        let body = try ConfluentFrame(value: Array(try TestEnvironment.sharedFile("samples/mcl_dataset_globalTags_add.bin"))).body
        #expect(try ours.decode(body) == official.decode(body))
    }
}
