import Catalog
import MCL
import Testing

private let urn = "urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers,PROD)"
private let detector = TriggerDetector(trigger: TagURN("tokenize/run"))

private func event(
    _ aspectName: String, _ json: String?, previous: String? = nil, changeType: String = "UPSERT", entityType: String = "dataset"
) -> MetadataChangeLog {
    MetadataChangeLog(
        entityType: entityType, entityURN: urn, changeType: changeType, aspectName: aspectName,
        aspect: json.map { .init(value: Array($0.utf8), contentType: "application/json") },
        previousAspectValue: previous.map { .init(value: Array($0.utf8), contentType: "application/json") })
}

private let tagged = #"{"tags":[{"tag":"urn:li:tag:pii"},{"tag":"urn:li:tag:tokenize/run"}]}"#
private let untagged = #"{"tags":[{"tag":"urn:li:tag:pii"}]}"#

/// Trigger detection: a tag added (dataset, UI field, ingested field), never the service's own write-back.
@Suite struct TriggerDetectorTests {
    @Test func datasetTagAddedTriggers() throws {
        #expect(try detector.trigger(in: event("globalTags", tagged, previous: untagged))?.scope == .dataset)
    }

    @Test func missingPreviousCountsAsEmpty() throws {
        #expect(try detector.trigger(in: event("globalTags", tagged))?.scope == .dataset)
    }

    @Test func tagAlreadyPresentDoesNotTrigger() throws {
        // e.g. the service's FAILED write-back adds a status tag and keeps the trigger.
        let failedWriteBack = #"{"tags":[{"tag":"urn:li:tag:tokenize/run"},{"tag":"urn:li:tag:tokenize/status:FAILED"}]}"#
        #expect(try detector.trigger(in: event("globalTags", failedWriteBack, previous: tagged)) == nil)
    }

    @Test func successWriteBackRemovingTheTriggerDoesNotTrigger() throws {
        let done = #"{"tags":[{"tag":"urn:li:tag:tokenize/done"},{"tag":"urn:li:tag:tokenize/status:SUCCESS"}]}"#
        #expect(try detector.trigger(in: event("globalTags", done, previous: tagged)) == nil)
    }

    @Test(arguments: ["RESTATE", "DELETE", "PATCH"]) func otherChangeTypesAreIgnored(changeType: String) throws {
        #expect(try detector.trigger(in: event("globalTags", tagged, changeType: changeType)) == nil)
    }

    @Test func otherEntitiesAndAspectsAreIgnored() throws {
        #expect(try detector.trigger(in: event("globalTags", tagged, entityType: "chart")) == nil)
        #expect(try detector.trigger(in: event("datasetProperties", #"{"name":"x"}"#)) == nil)
    }

    @Test func fieldTagFromTheUITriggersOnlyThatField() throws {
        let now =
            #"{"editableSchemaFieldInfo":[{"fieldPath":"email","globalTags":{"tags":[{"tag":"urn:li:tag:tokenize/run"}]}},{"fieldPath":"phone","globalTags":{"tags":[{"tag":"urn:li:tag:tokenize/run"}]}}]}"#
        let before = #"{"editableSchemaFieldInfo":[{"fieldPath":"phone","globalTags":{"tags":[{"tag":"urn:li:tag:tokenize/run"}]}}]}"#
        #expect(try detector.trigger(in: event("editableSchemaMetadata", now, previous: before))?.scope == .fields(["email"]))
    }

    @Test func fieldTagFromIngestionTriggers() throws {
        let now =
            #"{"schemaName":"t","fields":[{"fieldPath":"ssn","nativeDataType":"text","globalTags":{"tags":[{"tag":"urn:li:tag:tokenize/run"}]}},{"fieldPath":"id","nativeDataType":"int"}]}"#
        #expect(try detector.trigger(in: event("schemaMetadata", now))?.scope == .fields(["ssn"]))
    }

    @Test func customTriggerTag() throws {
        let custom = TriggerDetector(trigger: TagURN("urn:li:tag:protect"))
        #expect(try custom.trigger(in: event("globalTags", #"{"tags":[{"tag":"urn:li:tag:protect"}]}"#)) != nil)
        #expect(try custom.trigger(in: event("globalTags", tagged)) == nil)
    }

    @Test func malformedAspectJSONThatMayHoldTheTriggerIsPoison() {
        #expect(throws: MCLDecodingError.self) { try detector.trigger(in: event("globalTags", #"{"tags":[{"tag":"urn:li:tag:tokenize/run"}"#)) }
        #expect(throws: MCLDecodingError.self) { try detector.trigger(in: event("globalTags", #"{"tags":[{"tag":"urn:li:tag:tokenize\/run"}]"#)) }
        #expect(throws: MCLDecodingError.self) { try detector.trigger(in: event("globalTags", #"{"tags":{"tag":"urn:li:tag:tokenize/run"}}"#)) }
    }

    @Test func anAspectThatCannotMentionTheTriggerIsNotParsed() throws {
        // No trigger URN and no escape in the bytes: it cannot be a trigger, whatever else is wrong with it.
        #expect(try detector.trigger(in: event("globalTags", "{not json")) == nil)
    }

    @Test func escapedTriggerURNsAreFound() throws {
        #expect(try detector.trigger(in: event("globalTags", #"{"tags":[{"tag":"urn:li:tag:tokenize\u002frun"}]}"#))?.scope == .dataset)
    }

    @Test func theActorIsCarried() throws {
        var withActor = event("globalTags", tagged)
        withActor.actor = "urn:li:corpuser:alice"
        #expect(try detector.trigger(in: withActor)?.actor == "urn:li:corpuser:alice")
    }

    @Test func nonJSONContentTypeIsAnError() {
        var avroAspect = event("globalTags", tagged)
        avroAspect.aspect?.contentType = "application/avro"
        #expect(throws: MCLDecodingError.self) { try detector.trigger(in: avroAspect) }
    }

    @Test func anApprovalTagAddedToTheDatasetIsAnApproval() throws {
        let approving = TriggerDetector(trigger: TagURN("tokenize/run"), approval: TagURN("tokenize/approve"))
        let approved = #"{"tags":[{"tag":"urn:li:tag:pii"},{"tag":"urn:li:tag:tokenize/approve"}]}"#
        var added = event("globalTags", approved, previous: untagged)
        added.actor = "urn:li:corpuser:carol"
        let approval = try #require(try approving.trigger(in: added))
        #expect(approval.kind == .approval && approval.scope == .dataset && approval.actor == "urn:li:corpuser:carol")
        #expect(try approving.trigger(in: event("globalTags", approved, previous: approved)) == nil, "already there")
        #expect(try approving.trigger(in: event("globalTags", untagged, previous: approved)) == nil, "removed")
        #expect(try approving.trigger(in: event("globalTags", tagged))?.kind == .run)
        #expect(try detector.trigger(in: added) == nil, "without an approval tag configured, approvals are not looked for")
        let onAField = #"{"editableSchemaFieldInfo":[{"fieldPath":"email","globalTags":{"tags":[{"tag":"urn:li:tag:tokenize/approve"}]}}]}"#
        #expect(try approving.trigger(in: event("editableSchemaMetadata", onAField)) == nil, "approvals are dataset-level")
    }
}

/// Field tags on the field's own schemaField entity, and the plan tag.
@Suite struct SchemaFieldTriggerTests {
    let fieldURN = "urn:li:schemaField:(\(urn),[version=2.0].[type=string].email)"

    func fieldEvent(_ json: String, previous: String? = nil) -> MetadataChangeLog {
        MetadataChangeLog(
            entityType: "schemaField", entityURN: fieldURN, changeType: "UPSERT", aspectName: "globalTags",
            aspect: .init(value: Array(json.utf8), contentType: "application/json"),
            previousAspectValue: previous.map { .init(value: Array($0.utf8), contentType: "application/json") })
    }

    @Test func theTriggerOnAFieldEntityIsAFieldTrigger() throws {
        let trigger = try #require(try detector.trigger(in: fieldEvent(tagged, previous: untagged)))
        #expect(trigger.datasetURN == urn && trigger.scope == .fields(["[version=2.0].[type=string].email"]) && trigger.kind == .run)
        #expect(try detector.trigger(in: fieldEvent(untagged, previous: tagged)) == nil, "removal is not a trigger")
    }

    @Test func schemaFieldURNsSplitAfterTheBalancedDatasetURN() {
        #expect(TriggerDetector.schemaFieldParts(fieldURN)?.dataset == urn)
        #expect(TriggerDetector.schemaFieldParts(fieldURN)?.fieldPath == "[version=2.0].[type=string].email")
        #expect(TriggerDetector.schemaFieldParts("urn:li:schemaField:(urn:li:dataset:(a,b,PROD))") == nil)
        #expect(TriggerDetector.schemaFieldParts("urn:li:corpuser:x") == nil)
    }

    @Test func thePlanTagOnADatasetAsksForAPlan() throws {
        let planning = TriggerDetector(trigger: TagURN("tokenize/run"), plan: TagURN("tokenize/plan"))
        let trigger = try planning.trigger(in: event("globalTags", #"{"tags":[{"tag":"urn:li:tag:tokenize/plan"}]}"#))
        #expect(trigger?.kind == .plan && trigger?.scope == .dataset)
    }
}
