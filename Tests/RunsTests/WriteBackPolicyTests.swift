import Catalog
import Foundation
import Runs
import Testing

/// What is written back: one status tag at a time, trigger kept or flipped, documentation section.
@Suite struct WriteBackPolicyTests {
    let policy = WriteBackPolicy(tags: ServiceTags())

    func record(_ status: RunStatus, id: String = "r1", details: String = "", scope: RunScope = RunScope(datasetLevel: true)) -> RunRecord {
        RunRecord(
            runID: id, dataset: customersURN, scope: scope, status: status, source: .kafka, requestedBy: "urn:li:corpuser:alice", columns: ["email"],
            schemes: ["email": .hmac], rowsUpdated: 3, details: details, createdAt: Date(timeIntervalSince1970: 1_767_225_600),
            startedAt: Date(timeIntervalSince1970: 1_767_225_600), finishedAt: Date(timeIntervalSince1970: 1_767_225_601))
    }

    @Test func successFlipsTriggerToDone() {
        let changes = policy.tagChanges(for: .success)
        #expect(changes.add.map(\.urn) == ["urn:li:tag:tokenize/done", "urn:li:tag:tokenize/status:SUCCESS"])
        #expect(
            changes.remove.map(\.urn) == [
                "urn:li:tag:tokenize/run", "urn:li:tag:tokenize/status:FAILED", "urn:li:tag:tokenize/status:REJECTED",
                "urn:li:tag:tokenize/status:AWAITING_APPROVAL", "urn:li:tag:tokenize/status:INCOMPLETE", "urn:li:tag:tokenize/status:PLANNED",
            ])
    }

    @Test func oneStatusTagAtATime() {
        let statusTags = [policy.successTag, policy.failedTag, policy.rejectedTag, policy.awaitingTag, policy.incompleteTag, policy.plannedTag]
        for status in [RunStatus.success, .failed, .rejected, .awaitingApproval, .incomplete, .planned] {
            let changes = policy.tagChanges(for: status)
            let added = statusTags.filter(changes.add.contains)
            #expect(added.count == 1, "\(status)")
            #expect(Set(statusTags).subtracting(added).isSubset(of: Set(changes.remove)), "\(status) removes the other status tags")
        }
        #expect(policy.removesApprovalTag(for: .awaitingApproval) && policy.removesApprovalTag(for: .success))
        #expect(!policy.removesApprovalTag(for: .queued) && policy.managedTags.contains(policy.approvalTag))
        #expect(!policy.tagChanges(for: .incomplete).remove.contains(policy.triggerTag), "INCOMPLETE keeps the trigger")
        let verified = policy.tagChanges(for: .success, kind: .verify)
        #expect(verified.add == [policy.successTag] && !verified.remove.contains(policy.triggerTag) && !verified.add.contains(policy.doneTag))
    }

    /// A plan then a failed run, or a status tag this version does not write (added by hand, or by an older one):
    /// whatever status is written, every other tag of the family goes.
    @Test func statusTagsOfTheFamilyThatAreNotWrittenGo() {
        let dataset = TagTarget(datasetURN: customersURN)
        let shown = DatasetSnapshot(
            urn: customersURN, tags: [policy.plannedTag, TagURN("tokenize/status:SKIPPED"), TagURN("tokenize/run"), TagURN("pii")], fields: [])
        let removed = policy.statusTagsToRemove(on: [dataset], in: shown, adding: [policy.failedTag])
        #expect(removed == [policy.plannedTag, TagURN("tokenize/status:SKIPPED")])
        #expect(policy.statusTagsToRemove(on: [dataset], in: shown, adding: [policy.plannedTag]) == [TagURN("tokenize/status:SKIPPED")])
    }

    @Test func theDocumentationSaysWhoApprovedAndWhyARunWasRejected() {
        var approved = record(.success)
        approved.approvedBy = "urn:li:corpuser:carol"
        approved.approvedAt = Date(timeIntervalSince1970: 1_767_225_600)
        #expect(policy.documentationSection(for: approved).contains("| Approved by | urn:li:corpuser:carol (2026-01-01T00:00:00.000Z) |"))
        let rejected = record(.rejected, details: "postgres/shop/public/audit is denied by the policy")
        #expect(policy.documentationSection(for: rejected).contains("| Rejected | postgres/shop/public/audit is denied by the policy |"))
        let waiting = record(.awaitingApproval, details: "waiting for an approver")
        #expect(policy.documentationSection(for: waiting).contains("| Approval | waiting for an approver |"))
    }

    @Test func everyOtherOutcomeKeepsTheTrigger() {
        for status in RunStatus.allCases where status != .success {
            #expect(!policy.tagChanges(for: status).remove.contains(policy.triggerTag), "\(status)")
        }
        #expect(policy.tagChanges(for: .failed).add == [policy.failedTag])
    }

    @Test func onlyOutcomesThatChangedOrTriedSomethingAreWrittenBack() {
        #expect(RunStatus.allCases.filter(policy.writesBack) == [.success, .failed, .skipped, .awaitingApproval, .rejected, .incomplete, .planned])
    }

    @Test func tagsAreFlippedWhereTheRequestPointed() {
        #expect(policy.tagTargets(for: record(.success)) == [TagTarget(datasetURN: customersURN)])
        #expect(
            policy.tagTargets(for: record(.success, scope: RunScope(triggerFields: ["phone", "email"])))
                == [TagTarget(datasetURN: customersURN, fieldPath: "email"), TagTarget(datasetURN: customersURN, fieldPath: "phone")])
        #expect(
            policy.tagTargets(for: record(.success, scope: RunScope(triggerFields: ["email"], explicitColumns: ["ssn"])))
                == [TagTarget(datasetURN: customersURN, fieldPath: "email"), TagTarget(datasetURN: customersURN)])
    }

    @Test func sectionIsAppendedThenReplacedKeepingUserText() {
        let first = policy.mergeDocumentation(existing: "Owned by CRM.\n", section: policy.documentationSection(for: record(.success)))
        #expect(first.hasPrefix("Owned by CRM.\n\n<!-- tokenize-action:begin -->"))
        let edited = first + "\n\nMore notes by a user."
        let second = policy.mergeDocumentation(
            existing: edited, section: policy.documentationSection(for: record(.failed, id: "r2", details: "boom | bad")))
        #expect(second.components(separatedBy: WriteBackPolicy.sectionBegin).count == 2)
        #expect(second.hasPrefix("Owned by CRM.") && second.hasSuffix("More notes by a user."))
        #expect(second.contains("`r2`") && !second.contains("`r1`"))
        #expect(second.contains("boom \\| bad"))
    }

    @Test func sectionHoldsTheRunFacts() {
        let section = policy.documentationSection(for: record(.success))
        for expected in [
            "**SUCCESS**", "`r1`", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:01.000Z", "`email` (hmac)", "| Rows updated | 3 |",
            "| Requested by | urn:li:corpuser:alice |",
        ] {
            #expect(section.contains(expected), "missing \(expected)")
        }
    }

    @Test func recordAndSummaryJSONUseSnakeCaseAndUTC() throws {
        let json = record(.success).jsonString()
        #expect(
            json.contains("\"run_id\":\"r1\"") && json.contains("\"rows_updated\":3") && json.contains("\"started_at\":\"2026-01-01T00:00:00.000Z\""))
        #expect(try RunRecord.decoder().decode(RunRecord.self, from: Data(json.utf8)) == record(.success))
        let summary = record(.success).summaryJSON()
        #expect(summary.contains("\"status\":\"SUCCESS\"") && summary.contains("\"schemes\":{\"email\":\"hmac\"}") && !summary.contains("write_back"))
    }
}
