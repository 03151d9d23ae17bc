import AsyncHTTPClient
import Catalog
import Foundation
import JSON
import Logging
import Resilience
import Synchronization
import TestSupport
import Testing

@testable import DataHubClient

/// A dataset read started ahead (`readAhead`) is what a run's first read takes, once and while fresh; the
/// write-back's reads never take it.
@Suite struct ReadAheadTests {
    private static let urn: DatasetURN = "urn:li:dataset:(urn:li:dataPlatform:postgres,shop.public.customers,PROD)"

    private static func operations(_ url: String) -> DataHubOperations {
        DataHubOperations(
            client: DataHubGraphQLClient(
                settings: DataHubSettings(
                    gmsURL: url, token: nil, requestTimeout: .seconds(5),
                    retry: RetryPolicy(backoff: Backoff(initial: .milliseconds(10), maximum: .milliseconds(20)), maxAttempts: 2)),
                httpClient: .shared, logger: Logger(label: "read-ahead-test")),
            readAheadMaximumAge: .seconds(3600))  // fresh however slowly a loaded machine runs the test
    }

    /// The dataset reads the server answered.
    private final class Reads: Sendable {
        private let count = Mutex(0)
        /// Counts one more read; returns its number.
        func next() -> Int {
            count.withLock {
                $0 += 1
                return $0
            }
        }
        var seen: Int { count.withLock { $0 } }
    }

    /// Answers each dataset read with the description `read <n>` (n counting from 1), or `failures` times 503 first.
    private static func server(failures: Int = 0, _ reads: Reads) -> @Sendable (FakeHTTPServer.Request) async -> FakeHTTPServer.Answer {
        { _ in
            let read = reads.next()
            if read <= failures { return .init(503, "{}") }
            let dataset =
                #"{"urn":"\#(urn)","editableProperties":{"name":null,"description":"read \#(read)"},"tags":null,"schemaMetadata":null,"editableSchemaMetadata":null}"#
            return .init(200, #"{"data":{"entityExists":true,"dataset":\#(dataset)}}"#)
        }
    }

    /// Starts a read ahead against `server`, waits until the server has answered `answered` reads, then runs `body`.
    private static func withReadAhead<Result: Sendable>(
        _ server: @escaping @Sendable (FakeHTTPServer.Request) async -> FakeHTTPServer.Answer, answered: Int, _ reads: Reads,
        _ body: @escaping @Sendable (DataHubOperations) async throws -> Result
    ) async throws -> Result {
        try await FakeHTTPServer.with(server) { url in
            let operations = Self.operations(url)
            operations.readAhead(Self.urn)
            while reads.seen < answered { try await Task.sleep(for: .milliseconds(1)) }
            return try await body(operations)
        }
    }

    @Test func aRunTakesTheReadStartedAheadOnceAndAWriteBackReadsAfresh() async throws {
        let reads = Reads()
        let descriptions = try await Self.withReadAhead(Self.server(reads), answered: 1, reads) { operations in
            let run = try await operations.datasetForRun(Self.urn)?.editableDescription
            let readsAfterRun = reads.seen
            let writeBack = try await operations.dataset(Self.urn)?.editableDescription
            let nextRun = try await operations.datasetForRun(Self.urn)?.editableDescription
            return [run, "\(readsAfterRun)", writeBack, nextRun]
        }
        #expect(descriptions == ["read 1", "1", "read 2", "read 3"])
    }

    @Test func aWriteBackDoesNotTakeTheReadStartedAhead() async throws {
        let reads = Reads()
        let descriptions = try await Self.withReadAhead(Self.server(reads), answered: 1, reads) { operations in
            [try await operations.dataset(Self.urn)?.editableDescription, try await operations.datasetForRun(Self.urn)?.editableDescription]
        }
        #expect(descriptions == ["read 2", "read 1"])
    }

    @Test func aReadAheadThatFailedIsReadAgain() async throws {
        let reads = Reads()
        // The read ahead makes two attempts, both answered 503.
        let description = try await Self.withReadAhead(Self.server(failures: 2, reads), answered: 2, reads) { operations in
            try await operations.datasetForRun(Self.urn)?.editableDescription
        }
        #expect(description == "read 3")
    }

    @Test func aStaleReadIsNotTaken() async throws {
        let fresh = DatasetReadAheads(maximumAge: .seconds(3600))
        fresh.start(Self.urn) { nil }
        #expect(fresh.take(Self.urn) != nil)
        #expect(fresh.take(Self.urn) == nil, "taken once")
        let stale = DatasetReadAheads(maximumAge: .milliseconds(1))
        stale.start(Self.urn) { nil }
        try await Task.sleep(for: .milliseconds(20))
        #expect(stale.take(Self.urn) == nil)
    }
}
