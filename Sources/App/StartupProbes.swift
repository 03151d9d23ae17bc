import Logging
import PostgresSupport
import Resilience
import ServiceLifecycle

/// Checks, as the service starts, that it can work with Kafka, the schema registry and DataHub.
///
/// A refusal (credentials, an address that is not what its setting says) stops the service with one line and exit
/// status 78, before the ledger's services start: no run begins with a refused credential. A part that does not answer
/// is named in one warning after `wait` and waited for (readiness reports it meanwhile; the service works as soon as it
/// answers). The ledger's services wait for the first round only (`firstRound`), not for parts that are down.
final class StartupProbes: Service, Sendable {
    /// One part to check.
    struct Probe: Sendable {
        var name: String
        var code: StartupFailureCode
        var check: @Sendable () async -> ProbeOutcome
    }

    private let probes: [Probe]
    private let wait: Duration
    private let retryEvery: Duration
    private let logger: Logger
    private let firstRoundDone = OneShot<Void>()

    init(_ probes: [Probe], wait: Duration, retryEvery: Duration = .seconds(2), logger: Logger) {
        self.probes = probes
        self.wait = wait
        self.retryEvery = retryEvery
        self.logger = logger
    }

    /// Returns once every part answered its first check or was found unavailable; throws the first refusal.
    func firstRound() async throws { try await firstRoundDone.value }

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await self.checkAll() }
        } catch let failure as StartupFailure {
            firstRoundDone.resolve(.failure(failure))
            throw failure
        } catch {
            firstRoundDone.resolve(.failure(error))
            if Task.isShuttingDownGracefully { return }
            throw error
        }
        try? await gracefulShutdown()
    }

    /// Checks every part at once; the first round's outcomes open `firstRound`, then each unavailable part is checked
    /// again until it answers, refuses (thrown), or `wait` is over (one warning).
    private func checkAll() async throws {
        let first = await withTaskGroup(of: (Int, ProbeOutcome).self) { group in
            for (index, probe) in probes.enumerated() { group.addTask { (index, await probe.check()) } }
            var outcomes: [Int: ProbeOutcome] = [:]
            for await (index, outcome) in group { outcomes[index] = outcome }
            return outcomes
        }
        for (index, outcome) in first.sorted(by: { $0.key < $1.key }) {
            if case .refused(let reason) = outcome { throw StartupFailure(probes[index].code, "\(probes[index].name): \(reason)") }
        }
        firstRoundDone.resolve(.success(()))
        let deadline = ContinuousClock.now + wait
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, outcome) in first where outcome != .answers {
                let probe = probes[index]
                group.addTask { try await self.keepChecking(probe, last: outcome, until: deadline) }
            }
            try await group.waitForAll()
        }
    }

    private func keepChecking(_ probe: Probe, last: ProbeOutcome, until deadline: ContinuousClock.Instant) async throws {
        var outcome = last
        while case .unavailable(let reason) = outcome {
            guard ContinuousClock.now < deadline else {
                logger.warning(
                    "\(probe.name) does not answer; the service waits for it (readiness reports it) and works as soon as it does",
                    metadata: ["reason": "\(reason)"])
                return
            }
            try await Task.sleep(for: retryEvery)
            outcome = await probe.check()
        }
        if case .refused(let reason) = outcome { throw StartupFailure(probe.code, "\(probe.name): \(reason)") }
    }
}
