import AccessControl
import Catalog
import Foundation
import KafkaModel
import Logging
import Runs
import ServiceLifecycle
import TestSupport
import WarehouseKit

let customersURN: DatasetURN = "urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers,PROD)"
let ordersURN: DatasetURN = "urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.orders,PROD)"
let trigger = TagURN("tokenize/run")

func table(_ name: String) -> TableDescription {
    TableDescription(
        table: TableReference(database: "shop", schema: "public", table: name),
        columns: [
            .init(name: "id", dataType: "bigint", isText: false), .init(name: "email", dataType: "text", isText: true),
            .init(name: "phone", dataType: "text", isText: true), .init(name: "city", dataType: "text", isText: true),
        ])
}

/// A dataset in the in-memory DataHub, tagged with the trigger (or not), with a field `email`.
func snapshot(_ urn: DatasetURN, tagged: Bool = true, fieldTags: [String: Set<TagURN>] = [:]) -> DatasetSnapshot {
    DatasetSnapshot(
        urn: urn, tags: tagged ? [trigger] : [],
        fields: ["email", "phone", "city"].map { DatasetSnapshot.Field(fieldPath: $0, editableTags: fieldTags[$0] ?? []) },
        editableDescription: "Owned by CRM.")
}

/// Everything a run needs, in memory.
struct Harness {
    let store = InMemoryRunStore()
    let catalog: InMemoryCatalog
    let warehouse = InMemoryWarehouse(tables: [table("customers"), table("orders")])
    let locks = InMemoryLocks()
    let changes = RunChanges()
    let logger = Logger(label: "runs-test")
    let gate: PolicyGate
    var requesterGrace: Duration = .seconds(120)
    var progressDataHubInterval: Duration = .seconds(30)
    var verifyIncremental = true

    init(datasets: [DatasetSnapshot] = [snapshot(customersURN), snapshot(ordersURN)], policy: TokenizePolicy? = nil) {
        catalog = InMemoryCatalog(datasets: datasets)
        gate = PolicyGate(policy: policy, catalog: catalog)
    }

    var executor: RunExecutor {
        var settings = RunExecutor.Settings.testing(defaultScheme: .hmac, trigger: trigger)
        settings.requesterGrace = requesterGrace
        settings.progressDataHubInterval = progressDataHubInterval
        settings.verifyIncremental = verifyIncremental
        return RunExecutor(
            warehouses: ["postgres": warehouse, "databricks": NotConfiguredWarehouse(message: "Databricks connection not configured")],
            catalog: catalog, store: store, gate: gate, settings: settings, logger: logger)
    }

    var intake: RunIntake { RunIntake(store: store, gate: gate, changes: changes, logger: logger) {} }

    func worker(capacity: Int = 4, grace: Duration = .seconds(5)) -> RunWorker {
        RunWorker(
            store: store, locks: locks, executor: executor,
            publisher: WriteBackPublisher(catalog: catalog, policy: WriteBackPolicy(tags: ServiceTags.with(trigger: trigger)), logger: logger),
            settings: RunWorker.Settings(
                capacity: capacity, pollInterval: .milliseconds(50), shutdownGrace: grace,
                runRetry: .init(initial: .milliseconds(50), maximum: .milliseconds(100)),
                writeBackRetry: .init(initial: .milliseconds(50), maximum: .milliseconds(100))),
            changes: changes, logger: logger)
    }

    func request(
        _ urn: DatasetURN = customersURN, scope: RunScope = RunScope(datasetLevel: true), source: RunSource = .kafka, offset: Int64? = nil,
        by requester: String? = "urn:li:corpuser:alice"
    ) throws -> RunRequest {
        RunRequest(
            dataset: urn, scope: scope, source: source,
            position: offset.map { KafkaPosition(topic: "mcl", partition: 0, offset: $0) }, requestedBy: requester)
    }

    /// Waits (bounded) until `condition` holds.
    /// Waits for `condition`: a bound on liveness (a hang fails), not on speed; generous, as other suites may keep the
    /// machine's cores busy meanwhile.
    func eventually(_ what: String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TimedOut(what: what)
    }

    struct TimedOut: Error, CustomStringConvertible {
        var what: String
        var description: String { "timed out waiting for \(what)" }
    }
}

/// Runs the worker as a service while `body` runs, then shuts it down gracefully (also when `body` throws).
func withWorkerRunning(_ worker: RunWorker, _ body: () async throws -> Void) async throws {
    let group = ServiceGroup(configuration: .init(services: [worker], logger: Logger(label: "worker-test")))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            try await body()
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}
