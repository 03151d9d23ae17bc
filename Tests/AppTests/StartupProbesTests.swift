import Logging
import Resilience
import ServiceLifecycle
import Synchronization
import Testing

@testable import App

/// The startup probes: a refusal stops the service (first round or later); a part that does not answer is waited
/// for, and the ledger's services are not held back by it.
@Suite struct StartupProbesTests {
    /// Answers the scripted outcomes in turn, the last one from then on.
    final class Script: Sendable {
        private let outcomes: Mutex<[ProbeOutcome]>
        let calls = Mutex(0)
        init(_ outcomes: [ProbeOutcome]) { self.outcomes = Mutex(outcomes) }
        func next() -> ProbeOutcome {
            calls.withLock { $0 += 1 }
            return outcomes.withLock { $0.count > 1 ? $0.removeFirst() : $0[0] }
        }
    }

    private func probes(_ scripts: [(String, StartupFailureCode, Script)], wait: Duration = .seconds(600)) -> StartupProbes {
        StartupProbes(
            scripts.map { name, code, script in StartupProbes.Probe(name: name, code: code) { script.next() } }, wait: wait,
            retryEvery: .milliseconds(5), logger: Logger(label: "probes-test"))
    }

    /// Runs `probes` in a group of its own until it throws or `body` returns (then shuts the group down).
    private func run(_ probes: StartupProbes, _ body: @escaping @Sendable () async throws -> Void = {}) async throws {
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: probes, failureTerminationBehavior: .gracefullyShutdownGroup)], logger: Logger(label: "probes-test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask {
                try await body()
                await group.triggerGracefulShutdown()
            }
            try await tasks.waitForAll()
        }
    }

    @Test func aRefusalInTheFirstRoundStopsTheServiceNamingThePart() async throws {
        let probes = probes([
            ("Kafka", .kafka, Script([.answers])), ("DataHub", .datahub, Script([.refused("GMS refused the token; set DATAHUB_TOKEN")])),
        ])
        await #expect {
            try await probes.run()
        } throws: { error in
            guard let failure = error as? StartupFailure else { return false }
            return failure.code == .datahub && failure.message == "DataHub: GMS refused the token; set DATAHUB_TOKEN"
        }
        await #expect(throws: StartupFailure.self) { try await probes.firstRound() }
    }

    @Test func aPartThatIsDownDoesNotHoldBackTheFirstRoundAndIsCheckedUntilItAnswers() async throws {
        let registry = Script([.unavailable("down"), .unavailable("down"), .answers])
        let probes = probes([("Schema registry", .schemaRegistry, registry)])
        try await run(probes) {
            try await probes.firstRound()
            while registry.calls.withLock({ $0 }) < 3 { try await Task.sleep(for: .milliseconds(5)) }
        }
        #expect(registry.calls.withLock { $0 } == 3, "checked again until it answered, then no more")
    }

    @Test func aRefusalAfterTheFirstRoundStillStopsTheService() async throws {
        let probes = probes([("Kafka", .kafka, Script([.unavailable("all brokers down"), .refused("a broker refused this client")]))])
        await #expect {
            try await probes.run()
        } throws: { ($0 as? StartupFailure)?.code == .kafka }
    }

    @Test func aPartStillDownWhenTheWaitIsOverIsLeftToReadinessAndNotCheckedAgain() async throws {
        // A zero wait is over as soon as the first round ends: the later refusal is never asked for, nothing throws.
        let gms = Script([.unavailable("no answer"), .refused("would stop the service")])
        let probes = probes([("DataHub", .datahub, gms)], wait: .zero)
        try await run(probes) { try await probes.firstRound() }
        #expect(gms.calls.withLock { $0 } == 1)
    }
}
