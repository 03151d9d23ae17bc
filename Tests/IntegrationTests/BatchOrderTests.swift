import PostgresSupport
import Synchronization
import Testing
import WarehouseKit

@testable import PostgresWarehouse

/// The rule that keeps overlapping batches' commits in key order (`InFlightBatch.inOrder`), without a database: a
/// batch records itself only after the batch before it committed, and never after that one failed. The integration
/// test (`OverlappingBatchTests`) cannot show the second part, because the failure also cancels the run.
@Suite struct BatchOrderTests {
    struct Refused: Error {}

    @Test func aBatchBehindAFailedOneThrowsItsErrorAndNeverRecords() async throws {
        let before = InFlightBatch()
        before.committed.resolve(.failure(Refused()))
        let recorded = Mutex(false)
        await #expect(throws: Refused.self) {
            try await InFlightBatch.inOrder(after: before) { recorded.withLock { $0 = true } }
        }
        #expect(!recorded.withLock { $0 })
    }

    @Test func aBatchRecordsOnlyOnceTheBatchBeforeHasCommitted() async throws {
        let before = InFlightBatch()
        let events = Mutex<[String]>([])
        let behind = Task {
            try await InFlightBatch.inOrder(after: before) { events.withLock { $0.append("recorded") } }
        }
        // Give the batch behind every chance to run ahead; it must still be waiting.
        for _ in 0..<50 { await Task.yield() }
        try await Task.sleep(for: .milliseconds(20))
        events.withLock { $0.append("before committed") }
        before.committed.resolve(.success(TokenizationProgress(rowsUpdated: 2, batches: 1)))
        try await behind.value
        #expect(events.withLock { $0 } == ["before committed", "recorded"])
    }

    @Test func theFirstBatchRecordsAtOnce() async throws {
        #expect(try await InFlightBatch.inOrder(after: nil) { 7 } == 7)
    }

    @Test func aOneShotKeepsItsFirstResultForEveryWaiter() async throws {
        let shot = OneShot<Int>()
        let early = Task { try await shot.value }
        shot.resolve(.success(1))
        shot.resolve(.success(2))
        #expect(try await early.value == 1)
        #expect(try await shot.value == 1)
    }
}
