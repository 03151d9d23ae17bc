import Resilience
import Synchronization
import Testing

/// A test error of each kind.
private enum TestCode: String, ErrorCode {
    case down, wrong
    var isTransient: Bool { self == .down }
    static var subject: String? { "Test" }
}

private typealias TestError = ServiceError<TestCode>

/// Backoff delays grow, are capped and jittered, and convert without trapping.
@Suite struct BackoffTests {
    /// Delays grow by the multiplier, never pass the maximum, and jitter only shortens them (full jitter within its share).
    @Test func delaysGrowAreCappedAndJitteredWithinTheirShare() {
        let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(1), multiplier: 2, jitter: 0.5)
        var generator = SystemRandomNumberGenerator()
        for retry in 1...12 {
            let base = min(0.1 * Double(1 << min(retry - 1, 20)), 1.0)
            for _ in 0..<50 {
                let delay = backoff.delay(beforeRetry: retry, using: &generator).seconds
                #expect(delay >= base * 0.5 - 1e-9 && delay <= base + 1e-9, "retry \(retry): \(delay)")
            }
        }
        let exact = Backoff(initial: .seconds(2), maximum: .seconds(60), jitter: 0)
        #expect(exact.delay(beforeRetry: 1).seconds == 2 && exact.delay(beforeRetry: 4).seconds == 16 && exact.delay(beforeRetry: 40).seconds == 60)
    }

    @Test func durationsConvertWithoutTrapping() {
        #expect(Duration.seconds(1.5).nanoseconds == 1_500_000_000)
        #expect(Duration.seconds(Int64.max).nanoseconds == .max, "saturates instead of trapping")
    }
}

/// `withRetry`: transient errors retried, permanent ones thrown at once, cancellation ends it.
@Suite struct WithRetryTests {
    let fast = RetryPolicy(backoff: Backoff(initial: .milliseconds(1), maximum: .milliseconds(2), jitter: 0), maxAttempts: 4)

    @Test func aTransientErrorIsRetriedUntilItPasses() async throws {
        let calls = Atomic(0)
        var retries: [Int] = []
        let value = try await withRetry(fast, onRetry: { retries.append($0.attempt) }) {
            if calls.add(1, ordering: .relaxed).newValue < 3 { throw TestError(.down, "GMS answered 503") }
            return "done"
        }
        #expect(value == "done" && calls.load(ordering: .relaxed) == 3 && retries == [1, 2])
    }

    @Test func aPermanentErrorIsThrownAtOnce() async {
        let calls = Atomic(0)
        await #expect(throws: TestError.self) {
            try await withRetry(fast) {
                calls.add(1, ordering: .relaxed)
                throw TestError(.wrong, "HTTP 403: set DATAHUB_TOKEN")
            }
        }
        #expect(calls.load(ordering: .relaxed) == 1)
    }

    @Test func attemptsRunOut() async {
        let calls = Atomic(0)
        await #expect(throws: TestError.self) {
            try await withRetry(fast) {
                calls.add(1, ordering: .relaxed)
                throw TestError(.down, "still down")
            }
        }
        #expect(calls.load(ordering: .relaxed) == 4)
    }

    /// Cancellation ends the wait between attempts at once, and no attempt starts after it.
    @Test func cancellationEndsTheRetriesAtOnce() async {
        let slow = RetryPolicy(backoff: Backoff(initial: .seconds(60), maximum: .seconds(60), jitter: 0), maxAttempts: nil)
        let calls = Atomic(0)
        let task = Task {
            try await withRetry(slow) {
                calls.add(1, ordering: .relaxed)
                throw TestError(.down, "down")
            }
        }
        while calls.load(ordering: .relaxed) == 0 { await Task.yield() }
        task.cancel()
        // Without cancellation the first wait alone would last 60 s, and the retries would never end.
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(calls.load(ordering: .relaxed) == 1)
    }
}

/// The one error shape: code, message and context on one line; untrusted text quoted.
@Suite struct ServiceErrorTests {
    @Test func anErrorSaysWhatItIsAndWhereInOneLine() {
        let error = TestError(.down, "GMS answered 503; retrying", context: ["operation": "tokenizeDataset", "attempt": "2"])
        #expect("\(error)" == "Test: GMS answered 503; retrying")
        #expect(error.detailedDescription == "down: GMS answered 503; retrying (attempt=2, operation=tokenizeDataset)")
        #expect(error.isTransient && error.isTransientFailure && !TestError(.wrong, "x").isTransientFailure)
        #expect(!CancellationError().isTransientFailure)
    }

    /// Text from outside is quoted with its control characters escaped and its length cut.
    @Test func untrustedTextIsQuotedSafely() {
        #expect("a\u{0}b\nc'd".quotedForMessage() == "'a\\u{0}b\\u{A}c\\'d'")
        let long = String(repeating: "x", count: 500).quotedForMessage(limit: 10)
        #expect(long == "'xxxxxxxxxx… (490 more of 500 characters)'")
        #expect("tab\there".containsControlCharacter && !"plain é".containsControlCharacter)
    }
}
