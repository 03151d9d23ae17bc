import Catalog
import Logging
import Metrics
import ServiceLifecycle

/// Finds requests Kafka never delivered: at startup and every interval it asks DataHub for datasets carrying
/// the trigger tag and records a run (source `reconcile`) for each whose request the ledger does not account
/// for. With it the service is correct even when the MCL topic lost, skipped or never carried an event.
///
/// A dataset is left alone while it has an open run or a pending write-back, and after a FAILED, SKIPPED or
/// REJECTED run (their trigger stays on purpose: remove and re-add it, or `POST /trigger`, to try again) or a
/// write-back DataHub refused. Who added a tag is not in DataHub's search, so reconciled runs have no
/// requester; a Kafka trigger that arrives while such a run is queued lends it its actor. Field tags set by ingestion cannot be removed
/// over GraphQL, so a field whose trigger comes
/// only from ingestion counts as handled once a successful run covered it.
public final class Reconciler: Service, Sendable {
    private let catalog: any DataHubCatalog
    private let store: any RunStore
    private let intake: RunIntake
    private let trigger: TagURN
    /// The plan tag (`PLAN_TAG`): a dataset carrying it with no plan accounting for it gets one.
    private let planTag: TagURN?
    private let interval: Duration
    private let logger: Logger

    public init(
        catalog: any DataHubCatalog, store: any RunStore, intake: RunIntake, trigger: TagURN, planTag: TagURN? = nil, interval: Duration,
        logger: Logger
    ) {
        self.catalog = catalog
        self.store = store
        self.intake = intake
        self.trigger = trigger
        self.planTag = planTag
        self.interval = interval
        self.logger = logger
    }

    /// Reconciles at once and then every interval. A pass waiting for DataHub (retrying while GMS is down) ends at
    /// graceful shutdown like the wait between passes: nothing it was doing needs finishing, the next start reconciles.
    public func run() async throws {
        repeat {
            do {
                let started = try await cancelWhenGracefulShutdown { try await self.reconcileOnce() }
                logger.info("reconciliation done", metadata: ["runs_started": "\(started)"])
            } catch is CancellationError {
                break
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { break }
                logger.warning("reconciliation failed; tried again next interval", metadata: ["error": "\(error)"])
            }
        } while (try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }) != nil
        logger.debug("reconciliation stopped")
    }

    /// One pass; returns the number of runs it recorded.
    @discardableResult
    public func reconcileOnce() async throws -> Int {
        var started = 0
        for dataset in try await tagged(trigger) {
            guard let scope = try await missingScope(dataset) else { continue }
            let outcome = try await intake.submit(RunRequest(dataset: dataset, scope: scope, source: .reconcile, requestedBy: nil))
            if outcome.kind == .queued || outcome.kind == .merged { started += 1 }
        }
        if let planTag {
            for dataset in try await tagged(planTag) {
                guard try await planMissing(dataset, planTag: planTag) else { continue }
                let scope = RunScope(datasetLevel: true, kind: .plan)
                let outcome = try await intake.submit(RunRequest(dataset: dataset, scope: scope, source: .reconcile, requestedBy: nil))
                if outcome.kind == .queued || outcome.kind == .merged { started += 1 }
            }
        }
        Counter(label: "tokenize_reconcile_runs_total").increment(by: started)
        return started
    }

    /// The datasets carrying `tag`; each URN DataHub lists that the service cannot use is logged, not lost.
    private func tagged(_ tag: TagURN) async throws -> [DatasetURN] {
        let tagged = try await catalog.datasets(taggedWith: tag)
        for reason in tagged.refused {
            logger.warning(
                "a dataset carrying the tag is not reconciled; rename it in DataHub or tokenize it by another name",
                metadata: ["tag": "\(tag.urn)", "reason": "\(reason)"])
        }
        return tagged.datasets
    }

    /// Whether the dataset's plan tag is a request no plan accounts for: no plan is open or waiting for its
    /// write-back (which removes the tag), and the last one did not fail or was not refused (their tag stays on purpose).
    func planMissing(_ urn: DatasetURN, planTag: TagURN) async throws -> Bool {
        guard let snapshot = try await catalog.dataset(urn), snapshot.tags.contains(planTag) else { return false }
        let plans = try await store.records(dataset: urn, status: nil, limit: 50).filter { $0.scope.kind == .plan && $0.status != .coalesced }
        guard let latest = plans.first else { return true }
        if latest.status.isOpen || latest.writeBack.state == .pending || latest.writeBack.state == .failed { return false }
        return ![.failed, .skipped, .rejected].contains(latest.status)
    }

    /// The part of the dataset's trigger no run accounts for, or nil.
    func missingScope(_ urn: DatasetURN) async throws -> RunScope? {
        guard let snapshot = try await catalog.dataset(urn) else { return nil }
        let latest = try await store.latestRun(dataset: urn)
        if let latest {
            if latest.status.isOpen || latest.writeBack.state == .pending || latest.writeBack.state == .failed { return nil }
            if [.failed, .skipped, .rejected, .incomplete].contains(latest.status) { return nil }
        }
        let coveredByLastSuccess = latest?.status == .success ? latest?.scope.triggerFields ?? [] : []
        var scope = RunScope(datasetLevel: snapshot.tags.contains(trigger))
        for field in snapshot.fields {
            if field.editableTags.contains(trigger) || field.entityTags.contains(trigger)
                || (field.ingestedTags.contains(trigger) && !coveredByLastSuccess.contains(field.fieldPath))
            {
                scope.triggerFields.insert(field.fieldPath)
            }
        }
        return scope.datasetLevel || !scope.triggerFields.isEmpty ? scope : nil
    }
}
