import Catalog
import Foundation
import Logging
import Runs
import TestSupport
import Testing

/// Reconciliation: a trigger no run accounts for starts one; FAILED and SKIPPED keep theirs; lost plan tags.
@Suite struct ReconcilerTests {
    private func reconciler(_ harness: Harness) -> Reconciler {
        Reconciler(
            catalog: harness.catalog, store: harness.store, intake: RunIntake(store: harness.store, logger: harness.logger) {}, trigger: trigger,
            interval: .seconds(60), logger: harness.logger)
    }

    @Test func aTriggerTheLedgerKnowsNothingOfStartsARun() async throws {
        let harness = Harness(datasets: [snapshot(customersURN), snapshot(ordersURN, tagged: false)])
        #expect(try await reconciler(harness).reconcileOnce() == 1)
        let run = try #require(harness.store.all.first)
        #expect(run.dataset == customersURN && run.source == .reconcile && run.tagTriggered && run.scope == RunScope(datasetLevel: true))
        #expect(try await reconciler(harness).reconcileOnce() == 0, "an open run accounts for it")
    }

    @Test func failedAndSkippedRunsKeepTheirTriggerOnPurpose() async throws {
        for status in [RunStatus.failed, .skipped] {
            let harness = Harness(datasets: [snapshot(customersURN)])
            var run = try await harness.store.enqueue(try harness.request(offset: 1)).run
            run.status = status
            run.writeBack.state = .done
            try await harness.store.save(run, retryIn: nil)
            #expect(try await reconciler(harness).reconcileOnce() == 0, "\(status)")
        }
    }

    @Test func aTriggerAddedAgainAfterASuccessStartsANewRun() async throws {
        let harness = Harness(datasets: [snapshot(customersURN)])
        var run = try await harness.store.enqueue(try harness.request(offset: 1)).run
        run.status = .success
        run.writeBack.state = .pending
        try await harness.store.save(run, retryIn: nil)
        #expect(try await reconciler(harness).reconcileOnce() == 0, "its write-back has not removed the trigger yet")
        run.writeBack.state = .done
        try await harness.store.save(run, retryIn: nil)
        #expect(try await reconciler(harness).reconcileOnce() == 1)
    }

    /// A plan tag no plan accounts for (its event was lost) gets a plan; a settled plan's write-back removes the tag.
    @Test func aLostPlanTagGetsAPlan() async throws {
        var dataset = snapshot(customersURN, tagged: false)
        dataset.tags = [TagURN("tokenize/plan")]
        let harness = Harness(datasets: [dataset])
        let reconciler = Reconciler(
            catalog: harness.catalog, store: harness.store, intake: RunIntake(store: harness.store, logger: harness.logger) {}, trigger: trigger,
            planTag: TagURN("tokenize/plan"), interval: .seconds(60), logger: harness.logger)
        #expect(try await reconciler.reconcileOnce() == 1)
        var plan = try #require(harness.store.all.first)
        #expect(plan.scope == RunScope(datasetLevel: true, kind: .plan) && plan.source == .reconcile)
        #expect(try await reconciler.reconcileOnce() == 0, "an open plan accounts for it")
        plan.status = .failed
        plan.writeBack.state = .done
        try await harness.store.save(plan, retryIn: nil)
        #expect(try await reconciler.reconcileOnce() == 0, "a failed plan keeps its tag on purpose")
    }

    /// Ingestion's field tags cannot be removed over GraphQL: a field a successful run covered is done.
    @Test func anIngestedFieldTriggerCoveredBySuccessIsDone() async throws {
        var dataset = snapshot(customersURN, tagged: false)
        dataset.fields[0].ingestedTags = [trigger]
        let harness = Harness(datasets: [dataset])
        var run = try await harness.store.enqueue(try harness.request(scope: RunScope(triggerFields: ["email"]), offset: 1)).run
        run.status = .success
        run.writeBack.state = .done
        try await harness.store.save(run, retryIn: nil)
        #expect(try await reconciler(harness).reconcileOnce() == 0)
        harness.catalog.state.withLock { $0.datasets[customersURN]?.fields[1].editableTags = [trigger] }
        #expect(try await reconciler(harness).reconcileOnce() == 1)
        #expect(harness.store.all.last?.scope == RunScope(triggerFields: ["phone"]))
    }
}

/// Reconciliation of a trigger on a field's `schemaField` entity.
@Suite struct FieldEntityReconcilerTests {
    /// A trigger on a field's own schemaField entity whose event was lost is found like any field trigger.
    @Test func aTriggerOnAFieldEntityIsReconciled() async throws {
        var dataset = snapshot(customersURN, tagged: false)
        dataset.fields[2].entityTags = [trigger]
        let harness = Harness(datasets: [dataset])
        let reconciler = Reconciler(
            catalog: harness.catalog, store: harness.store, intake: RunIntake(store: harness.store, logger: harness.logger) {}, trigger: trigger,
            interval: .seconds(60), logger: harness.logger)
        #expect(try await reconciler.reconcileOnce() == 1)
        #expect(harness.store.all.first?.scope == RunScope(triggerFields: ["city"]))
    }
}
