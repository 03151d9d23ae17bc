import Catalog
import Testing

@testable import Runs
@testable import TestSupport

/// `RunStore.latestRecord`: the newest matching run among the latest `limit`, read a few records at a time.
@Suite struct LatestRecordTests {
    private static let dataset: DatasetURN = "urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers,PROD)"

    /// `count` settled runs of the dataset, oldest first; those at `successes` (0 = oldest) succeeded, the rest failed.
    private func store(_ count: Int, successes: Set<Int>) async throws -> (InMemoryRunStore, [String]) {
        let store = InMemoryRunStore()
        var ids: [String] = []
        for index in 0..<count {
            let outcome = try await store.enqueue(
                RunRequest(dataset: Self.dataset, scope: .request(columns: ["email"], rekey: false), source: .cli, requestedBy: "cli"))
            var record = outcome.run
            record.status = successes.contains(index) ? .success : .failed
            try await store.save(record, retryIn: nil)
            ids.append(record.runID)
        }
        store.recordsRead.withLock { $0 = 0 }
        return (store, ids)
    }

    @Test func theNewestMatchIsReadWithTheFirstFewRecords() async throws {
        let (store, ids) = try await store(60, successes: [10, 58])
        let found = try await store.latestRecord(dataset: Self.dataset) { $0.status == .success }
        #expect(found?.runID == ids[58])
        #expect(store.recordsRead.withLock { $0 } == 4, "one page of four, not the dataset's 60 runs")
    }

    @Test func anOlderMatchIsFoundOnALaterPage() async throws {
        let (store, ids) = try await store(60, successes: [10])
        let found = try await store.latestRecord(dataset: Self.dataset) { $0.status == .success }
        #expect(found?.runID == ids[10])
        #expect(store.recordsRead.withLock { $0 } == 4 + 20 + 60)
    }

    @Test func onlyTheLatestRunsAreSearched() async throws {
        let (store, _) = try await store(12, successes: [0])
        #expect(try await store.latestRecord(dataset: Self.dataset, among: 10) { $0.status == .success } == nil)
        #expect(try await store.latestRecord(dataset: Self.dataset, among: 12) { $0.status == .success } != nil)
        #expect(try await store.latestRecord(dataset: Self.dataset) { $0.status == .incomplete } == nil)
    }
}
