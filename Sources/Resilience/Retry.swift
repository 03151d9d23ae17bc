/// Exponential backoff with a cap and full jitter.
public struct Backoff: Sendable, Equatable {
    /// The delay before the first retry (before jitter).
    public var initial: Duration
    /// No delay exceeds this.
    public var maximum: Duration
    /// Growth per attempt (default 2).
    public var multiplier: Double
    /// Fraction of each delay that is randomised (0 = none, 1 = anywhere in `0...delay`); default 0.5.
    public var jitter: Double

    public init(initial: Duration, maximum: Duration, multiplier: Double = 2, jitter: Double = 0.5) {
        precondition(initial > .zero && maximum >= initial && multiplier >= 1 && (0...1).contains(jitter))
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
        self.jitter = jitter
    }

    /// The delay before retry number `retry` (1 for the first retry).
    public func delay(beforeRetry retry: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let exponent = Double(max(0, retry - 1))
        let base = min(initial.seconds * integerPower(multiplier, exponent), maximum.seconds)
        let randomised = base * (1 - jitter) + base * jitter * Double.random(in: 0...1, using: &generator)
        return .nanoseconds(Int64(randomised * 1_000_000_000))
    }

    public func delay(beforeRetry retry: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(beforeRetry: retry, using: &generator)
    }
}

/// How often and how patiently to retry transient failures.
public struct RetryPolicy: Sendable, Equatable {
    public var backoff: Backoff
    /// Attempts in all, the first included; `nil` retries until the task is cancelled.
    public var maxAttempts: Int?

    public init(backoff: Backoff, maxAttempts: Int?) {
        precondition(maxAttempts.map { $0 >= 1 } ?? true)
        self.backoff = backoff
        self.maxAttempts = maxAttempts
    }
}

/// One retry about to happen, for logs and metrics.
public struct RetryEvent: Sendable {
    /// The attempt that failed (1 for the first).
    public var attempt: Int
    public var error: any Error
    public var delay: Duration
}

/// Runs `body` until it succeeds, throws a permanent error, or runs out of attempts. Transient errors
/// (`isTransient`) are retried after the policy's backoff.
///
/// Cancellation is never swallowed: the sleep between attempts throws `CancellationError` when the task is
/// cancelled, and no new attempt starts after it.
public func withRetry<T>(
    _ policy: RetryPolicy,
    isTransient: (any Error) -> Bool = { $0.isTransientFailure },
    onRetry: (RetryEvent) -> Void = { _ in },
    _ body: () async throws -> T
) async throws -> T {
    var attempt = 1
    while true {
        try Task.checkCancellation()
        do {
            return try await body()
        } catch {
            if error is CancellationError { throw error }
            let exhausted = policy.maxAttempts.map { attempt >= $0 } ?? false
            guard isTransient(error), !exhausted else { throw error }
            let delay = policy.backoff.delay(beforeRetry: attempt)
            onRetry(RetryEvent(attempt: attempt, error: error, delay: delay))
            try await Task.sleep(for: delay)
            attempt += 1
        }
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    public var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }

    /// The duration in whole nanoseconds (saturating).
    public var nanoseconds: Int64 {
        let (whole, fraction) = components
        let (scaled, overflow) = whole.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? (whole < 0 ? .min : .max) : scaled &+ fraction / 1_000_000_000
    }
}

/// `base` to a whole `exponent`, without Foundation.
private func integerPower(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    var remaining = Int(exponent)
    var factor = base
    while remaining > 0 {
        if remaining & 1 == 1 { result *= factor }
        factor *= factor
        remaining >>= 1
    }
    return result
}
