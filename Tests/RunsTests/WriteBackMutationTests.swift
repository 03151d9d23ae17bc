import Catalog
import Foundation
import Runs
import Synchronization
import Testing

/// A write-back sends only the tag mutations that change something: a re-run whose tags are already right sends
/// none (each is a round trip to GMS), and a tag that is there is still removed wherever it is.
@Suite struct WriteBackMutationTests {
    let policy = WriteBackPolicy(tags: ServiceTags.with(trigger: trigger))

    @Test func tagsAlreadyRightAreNotSentAgain() {
        let dataset = TagTarget(datasetURN: customersURN)
        var shown = snapshot(customersURN, tagged: false)
        shown.tags = [policy.doneTag, policy.successTag]
        let changes = policy.effective(policy.tagChanges(for: .success), on: [dataset], in: shown)
        #expect(changes.add.isEmpty)
        #expect(changes.remove.isEmpty)
    }

    @Test func onlyTheTagsThatChangeAreSent() {
        let dataset = TagTarget(datasetURN: customersURN)
        var shown = snapshot(customersURN, tagged: true)
        shown.tags.insert(policy.successTag)
        shown.tags.insert(policy.failedTag)
        let changes = policy.effective(policy.tagChanges(for: .success), on: [dataset], in: shown)
        #expect(changes.add == [policy.doneTag])
        #expect(changes.remove == [trigger, policy.failedTag])
    }

    /// Each target counts: a tag one field lacks is added (to all targets, which is harmless), a tag one field
    /// carries is removed; a field the snapshot does not list keeps every change.
    @Test func everyTargetCounts() {
        let email = TagTarget(datasetURN: customersURN, fieldPath: "email")
        let phone = TagTarget(datasetURN: customersURN, fieldPath: "phone")
        let unknown = TagTarget(datasetURN: customersURN, fieldPath: "gone")
        let shown = snapshot(
            customersURN, tagged: false, fieldTags: ["email": [policy.doneTag, policy.successTag, trigger], "phone": [policy.doneTag]])
        let changes = policy.effective(policy.tagChanges(for: .success), on: [email, phone], in: shown)
        #expect(changes.add == [policy.successTag])
        #expect(changes.remove == [trigger])
        let blind = policy.effective(policy.tagChanges(for: .success), on: [unknown], in: shown)
        #expect(blind.add == policy.tagChanges(for: .success).add)
        #expect(blind.remove == policy.tagChanges(for: .success).remove)
    }

    @Test func aSecondWriteBackOfTheSameOutcomeSendsNoTagMutation() async throws {
        let harness = Harness()
        let publisher = WriteBackPublisher(catalog: harness.catalog, policy: policy, logger: harness.logger)
        var record = RunRecord(request: try harness.request(), runID: "r1")
        record.status = .success
        try await publisher.publish(record)
        #expect(harness.catalog.mutations.contains("batchAddTags"))
        #expect(harness.catalog.mutations.contains("batchRemoveTags"))
        harness.catalog.state.withLock { $0.mutations = [] }
        try await publisher.publish(record)
        #expect(harness.catalog.mutations == ["upsertStructuredProperties"], "the same section and tags are not written again")
    }

    /// A first write-back checks (and creates) the managed tags and the run property's definition while it reads the
    /// dataset: one round trip to GMS for the three, not three in a row. The read is held until both checks have
    /// created what they check; done one after another, they would not have started.
    @Test func aFirstWriteBackChecksTagsAndThePropertyWhileItReadsTheDataset() async throws {
        let harness = Harness()
        let catalog = harness.catalog
        let seenDuringRead = Mutex<[String]>([])
        catalog.beforeDatasetRead.withLock {
            $0 = {
                for _ in 0..<500 where !Set(catalog.mutations).isSuperset(of: ["createTag", "createStructuredProperty"]) {
                    try? await Task.sleep(for: .milliseconds(10))
                }
                seenDuringRead.withLock { $0 = catalog.mutations }
            }
        }
        let publisher = WriteBackPublisher(catalog: catalog, policy: policy, logger: harness.logger)
        var record = RunRecord(request: try harness.request(), runID: "r1")
        record.status = .success
        try await publisher.publish(record)
        #expect(Set(seenDuringRead.withLock { $0 }) == ["createTag", "createStructuredProperty"])
        #expect(catalog.property(customersURN, WriteBackPolicy.runPropertyID) != nil)
    }

    /// A one-off command checks the tags and the run property ahead (`prepare`): nothing is written to a dataset, and
    /// when DataHub fails meanwhile, the write-back checks them again.
    @Test func preparingAheadCreatesTheDefinitionsOnlyAndAFailureIsLeftToTheWriteBack() async throws {
        let harness = Harness()
        let publisher = WriteBackPublisher(catalog: harness.catalog, policy: policy, logger: harness.logger)
        harness.catalog.fail(with: DataHubError(.unavailable, "GMS is restarting"))
        await publisher.prepare()
        #expect(harness.catalog.mutations.isEmpty)
        harness.catalog.fail(with: nil)
        await publisher.prepare()
        #expect(Set(harness.catalog.mutations) == ["createTag", "createStructuredProperty"])
        #expect(harness.catalog.property(customersURN, WriteBackPolicy.runPropertyID) == nil)
    }

    /// A dataset DataHub does not have gets nothing written (the checks of global definitions may still run).
    @Test func aDatasetMissingFromDataHubGetsNoWrite() async throws {
        let harness = Harness(datasets: [])
        let publisher = WriteBackPublisher(catalog: harness.catalog, policy: policy, logger: harness.logger)
        var record = RunRecord(request: try harness.request(), runID: "r1")
        record.status = .success
        #expect(try await publisher.publish(record) == false)
        #expect(harness.catalog.mutations.allSatisfy { ["createTag", "createStructuredProperty"].contains($0) })
    }

    /// A trigger only on a field's own schemaField entity is not in the schema aspects the batch mutation edits,
    /// yet it is removed from the entity.
    @Test func aTriggerOnTheFieldEntityIsStillRemoved() async throws {
        var dataset = snapshot(customersURN, tagged: false)
        dataset.fields[0].entityTags = [trigger]
        let harness = Harness(datasets: [dataset])
        let publisher = WriteBackPublisher(catalog: harness.catalog, policy: policy, logger: harness.logger)
        var record = RunRecord(request: try harness.request(scope: RunScope(triggerFields: ["email"])), runID: "r1")
        record.status = .success
        try await publisher.publish(record)
        let field = try #require(try await harness.catalog.dataset(customersURN)?.fields.first { $0.fieldPath == "email" })
        #expect(!field.entityTags.contains(trigger))
        #expect(field.editableTags.contains(policy.doneTag))
    }
}
