import AccessControl
import Catalog
import Foundation
import KafkaModel
import Logging
import Runs
import Synchronization
import TestSupport
import Testing
import WarehouseKit

/// The policy applied to runs: rejections change nothing and say why in DataHub; four-eyes approval.
@Suite struct PolicyRunTests {
    static let policy = try! PolicyFile.parse(
        """
        datasets:
          deny: ["postgres/shop/public/orders"]
        triggers:
          users: [urn:li:corpuser:alice, urn:li:corpuser:carol]
          groups: [urn:li:corpGroup:stewards]
        schemes: [hmac, siv]
        approval:
          - datasets: ["postgres/shop/public/customers"]
            approvers:
              users: [urn:li:corpuser:carol]
              groups: [urn:li:corpGroup:officers]
        group_cache_seconds: 3600
        """)

    /// Runs the request to a settled, written-back record.
    private func settle(_ harness: Harness, _ request: RunRequest) async throws -> RunRecord {
        let run = try await harness.store.enqueue(request).run
        try await withWorkerRunning(harness.worker()) {
            try await harness.eventually("the run settled and written back") {
                guard let record = try await harness.store.record(run.runID) else { return false }
                return record.isSettled && record.writeBack.state == .done
            }
        }
        return try #require(try await harness.store.record(run.runID))
    }

    @Test func aRequesterOutsideTheTriggersIsRejectedAndNothingIsTouched() async throws {
        let harness = Harness(policy: Self.policy)
        let record = try await settle(harness, try harness.request(by: "urn:li:corpuser:mallory"))
        #expect(record.status == .rejected && record.details.contains("urn:li:corpuser:mallory may not start runs"))
        #expect(harness.warehouse.requests.isEmpty && harness.warehouse.described.isEmpty, "no SQL at all")
        let dataset = try #require(harness.catalog.snapshot(customersURN))
        #expect(dataset.tags.contains(trigger), "the trigger stays")
        #expect(dataset.tags.contains(TagURN("tokenize/status:REJECTED")))
        #expect(dataset.editableDescription?.contains("| Rejected | urn:li:corpuser:mallory may not start runs") == true)
    }

    @Test func aDeniedDatasetIsRejectedBeforeItsTableIsRead() async throws {
        let harness = Harness(policy: Self.policy)
        let record = try await settle(harness, try harness.request(ordersURN))
        #expect(record.status == .rejected && record.details.contains("denied by the policy"))
        #expect(harness.warehouse.described.isEmpty)
    }

    @Test func aGroupMemberMayTriggerAndMembershipsAreCached() async throws {
        let orders: DatasetURN = "urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers,DEV)"
        let harness = Harness(datasets: [snapshot(orders)], policy: try PolicyFile.parse("triggers:\n  groups: [urn:li:corpGroup:stewards]"))
        harness.catalog.state.withLock { $0.groups["urn:li:corpuser:bob"] = ["urn:li:corpGroup:stewards"] }
        let first = try await settle(harness, try harness.request(orders, by: "urn:li:corpuser:bob"))
        #expect(first.status == .success)
        let lookups = harness.catalog.state.withLock { $0.groupLookups }
        #expect(lookups >= 1)
        _ = try await harness.gate.decide(first, dataset: orders)
        #expect(harness.catalog.state.withLock { $0.groupLookups } == lookups, "the membership came from the cache")
    }

    @Test func aForbiddenSchemeIsRejected() async throws {
        let harness = Harness(
            datasets: [snapshot(customersURN, fieldTags: ["email": [trigger, TagURN("tokenize/scheme:ff1")]])],
            policy: try PolicyFile.parse("schemes: [hmac]"))
        let record = try await settle(harness, try harness.request(scope: RunScope(triggerFields: ["email"])))
        #expect(record.status == .rejected && record.details.contains("scheme ff1 is not allowed"))
        #expect(harness.warehouse.requests.isEmpty)
    }

    /// Four eyes: the run waits; the requester's own approval is ignored (and its tag taken away); another
    /// approver's starts it; both principals are recorded.
    @Test func aRunWaitsForASecondPerson() async throws {
        let harness = Harness(policy: Self.policy)
        harness.catalog.state.withLock { $0.groups["urn:li:corpuser:dave"] = ["urn:li:corpGroup:officers"] }
        let waiting = try await settle(harness, try harness.request(by: "urn:li:corpuser:carol"))
        #expect(waiting.status == .awaitingApproval && waiting.finishedAt == nil && waiting.details.contains("waiting for an approver"))
        #expect(harness.warehouse.requests.isEmpty)
        #expect(harness.catalog.snapshot(customersURN)?.tags.contains(TagURN("tokenize/status:AWAITING_APPROVAL")) == true)
        #expect(harness.catalog.state.withLock { $0.tags.contains(TagURN("tokenize/approve")) }, "approvers can pick the tag")

        let dataset = customersURN
        let own = try await harness.intake.approve(ApprovalRequest(dataset: dataset, approver: "urn:li:corpuser:carol", position: position(10)))
        #expect(own.decisions.count == 1 && own.decisions[0].verdict != .approved)
        var record = try #require(try await harness.store.record(waiting.runID))
        #expect(record.approvedBy == nil && record.details.contains("cannot approve") && record.writeBack.state == .pending)

        let stranger = try await harness.intake.approve(ApprovalRequest(dataset: dataset, approver: "urn:li:corpuser:bob", position: position(11)))
        #expect(stranger.decisions.first?.verdict != .approved)

        let approval = ApprovalRequest(dataset: dataset, approver: "urn:li:corpuser:dave", position: position(12))
        #expect(try await harness.intake.approve(approval).decisions.map(\.verdict) == [.approved])
        #expect(try await harness.intake.approve(approval).duplicate, "a redelivered approval does nothing")
        try await withWorkerRunning(harness.worker()) {
            try await harness.eventually("the approved run") {
                let record = try await harness.store.record(waiting.runID)
                return record?.status == .success && record?.writeBack.state == .done
            }
        }
        record = try #require(try await harness.store.record(waiting.runID))
        #expect(record.requestedBy == "urn:li:corpuser:carol" && record.approvedBy == "urn:li:corpuser:dave" && record.approvedAt != nil)
        #expect(harness.warehouse.requests.count == 1)
        let tags = try #require(harness.catalog.snapshot(customersURN)?.tags)
        #expect(tags.contains(TagURN("tokenize/status:SUCCESS")) && !tags.contains(TagURN("tokenize/status:AWAITING_APPROVAL")))
        #expect(harness.catalog.snapshot(customersURN)?.editableDescription?.contains("| Approved by | urn:li:corpuser:dave") == true)
    }

    /// The requester's approval arrives while the worker publishes the run's AWAITING_APPROVAL state (held
    /// before its description write): the worker's save of that write-back must not undo the ignored approval,
    /// which is then shown in DataHub too.
    @Test func anApprovalIgnoredWhileTheWriteBackIsPublishedIsShownToo() async throws {
        let harness = Harness(policy: Self.policy)
        let hold = MutationHold(named: "updateDataset")
        harness.catalog.beforeMutation.withLock { $0 = hold.pause }
        let run = try await harness.store.enqueue(try harness.request(by: "urn:li:corpuser:carol")).run
        try await withWorkerRunning(harness.worker()) {
            await hold.reached()
            let publishing = try #require(try await harness.store.record(run.runID))
            #expect(publishing.status == .awaitingApproval && publishing.writeBack.state == .pending)
            let own = try await harness.intake.approve(
                ApprovalRequest(dataset: customersURN, approver: "urn:li:corpuser:carol", position: position(10)))
            #expect(own.decisions.count == 1 && own.decisions[0].verdict != .approved)
            hold.release()
            try await harness.eventually("the ignored approval shown in DataHub") {
                let record = try await harness.store.record(run.runID)
                let description = harness.catalog.snapshot(customersURN)?.editableDescription ?? ""
                return record?.writeBack.state == .done && description.contains("| Approval | approval ignored: ")
            }
        }
        let record = try #require(try await harness.store.record(run.runID))
        #expect(record.status == .awaitingApproval && record.approvedBy == nil && record.details.hasPrefix("approval ignored: "))
    }

    private func position(_ offset: Int64) -> KafkaPosition { KafkaPosition(topic: "mcl", partition: 0, offset: offset) }

    /// Reconciliation may see a tag before Kafka delivers the event naming who added it: the reconciled run
    /// waits, and the Kafka request lends it its requester.
    @Test func aReconciledRunWaitsForItsRequester() async throws {
        let policy = try PolicyFile.parse("triggers:\n  users: [urn:li:corpuser:alice]")
        let harness = Harness(datasets: [snapshot(customersURN)], policy: policy)
        let reconciled = try await harness.store.enqueue(try harness.request(source: .reconcile, by: nil)).run
        guard case .postponed(let waiting) = await harness.executor.attempt(reconciled, stop: StopSignal()) else {
            Issue.record("a young reconciled run without a requester waits")
            return
        }
        #expect(waiting.status == .queued && waiting.details.contains("who added the tag"))
        try await harness.store.save(waiting, retryIn: nil)
        let kafka = try await harness.store.enqueue(try harness.request(offset: 7))
        #expect(kafka.kind == .merged && kafka.run.requestedBy == "urn:li:corpuser:alice")
        guard
            case .finished(let done) = await harness.executor.attempt(
                try #require(try await harness.store.record(reconciled.runID)), stop: StopSignal())
        else {
            Issue.record("the merged run runs")
            return
        }
        #expect(done.status == .success)

        var impatient = Harness(datasets: [snapshot(customersURN)], policy: policy)
        impatient.requesterGrace = .zero
        let old = try await impatient.store.enqueue(try impatient.request(source: .reconcile, by: nil)).run
        guard case .finished(let rejected) = await impatient.executor.attempt(old, stop: StopSignal()) else {
            Issue.record("after the grace it is rejected")
            return
        }
        #expect(rejected.status == .rejected && rejected.details.contains("remove and add the tag again"))
    }

    /// The Kafka request may arrive while an attempt of the reconciled run begins: it cannot merge, so it is queued
    /// behind the run (or COALESCED into it when the run covers it). The run takes its requester at its next attempt
    /// instead of waiting for one until it is rejected.
    @Test(arguments: [RunScope(triggerFields: ["email"]), RunScope(datasetLevel: true)])
    func aReconciledRunTakesTheRequesterOfARequestRecordedWhileItsAttemptBegan(kafkaScope: RunScope) async throws {
        let policy = try PolicyFile.parse("triggers:\n  users: [urn:li:corpuser:alice]")
        let tagged = snapshot(customersURN, tagged: true, fieldTags: ["email": [trigger]])
        let harness = Harness(datasets: [tagged], policy: policy)
        let reconciled = try await harness.store.enqueue(try harness.request(scope: RunScope(datasetLevel: true), source: .reconcile, by: nil)).run
        let begun = try await harness.store.beginAttempt(reconciled)
        let kafka = try await harness.store.enqueue(try harness.request(scope: kafkaScope, offset: 7))
        #expect(kafka.kind == (kafkaScope.datasetLevel ? .coalesced : .queued))
        try await harness.store.save(begun, retryIn: nil)  // the attempt that was beginning ends (postponed)

        guard
            case .finished(let done) = await harness.executor.attempt(
                try #require(try await harness.store.record(reconciled.runID)), stop: StopSignal())
        else {
            Issue.record("the run takes the requester and runs")
            return
        }
        #expect(done.status == .success && done.requestedBy == "urn:li:corpuser:alice")
        let request = try #require(try await harness.store.record(kafka.request.runID))
        #expect(
            request.status == .coalesced && request.coalescedInto == reconciled.runID, "the Kafka request is part of the run, not a run of its own")
        #expect(try await harness.store.records(dataset: customersURN, status: .queued, limit: 10).isEmpty)
        let trail = try await harness.store.events(runID: reconciled.runID)
        #expect(trail.contains { $0.kind == "policy" && $0.data.contains("requester known") && $0.data.contains(kafka.request.runID) })
    }
}

/// Holds the first catalog mutation with a given name until released (`InMemoryCatalog.beforeMutation`).
final class MutationHold: Sendable {
    private let name: String
    private let fired = Mutex(false)
    private let arrivals = AsyncStream.makeStream(of: Void.self)
    private let releases = AsyncStream.makeStream(of: Void.self)

    init(named name: String) { self.name = name }

    /// The hook: the first mutation named `name` waits here for `release()`.
    var pause: @Sendable (String) async -> Void {
        { [self] mutation in
            guard mutation == name,
                !fired.withLock({ fired in
                    defer { fired = true }
                    return fired
                })
            else { return }
            arrivals.continuation.yield()
            for await _ in releases.stream { return }
        }
    }

    /// Returns once the held mutation has arrived.
    func reached() async {
        for await _ in arrivals.stream { return }
    }

    func release() { releases.continuation.yield() }
}
