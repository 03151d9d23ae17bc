import Foundation
import Logging
import PostgresNIO
import TestSupport
import Testing

@testable import PostgresSupport

/// A statement that loses the race with its connection's close (the server ended the session after
/// `ensureOpen` saw it open) fails as `.unavailable` instead of waiting forever, which postgres-nio 1.33 would do
/// (the statement is dropped with its promise). The fault test "PostgreSQL restarted mid-run" hung that way once
/// in CI: the run never ended, and neither did the service's shutdown.
@Suite(.enabled(if: TestEnvironment.postgresTestsEnabled)) struct ClosedConnectionTests {
    let logger = Logger(label: "closed-connection-test")
    let database = ProcessInfo.processInfo.environment["POSTGRES_TEST_DATABASE"] ?? "shop"

    @Test func aStatementWrittenAfterTheServerEndedTheSessionFailsAsUnavailable() async throws {
        let databases = try PostgresDatabases(settings: try stackPostgresSettings(), logger: logger)
        let watch = ClosedConnectionWatch(grace: .milliseconds(100))
        try await databases.withConnection(database: database) { connection in
            try await terminatedByTheServer(connection, databases)
            // What a statement that lost the race does: write to the closed connection, past `ensureOpen`.
            let outcome = await withinHalfAMinute {
                try await connection.answeredUnlessClosed(watch: watch) { try await connection.query("SELECT 1", logger: logger) }
            }
            switch outcome {
            case .none:
                Issue.record("the statement on the closed connection was still waiting after 30 s")
            case .some(.success):
                Issue.record("a statement on a closed connection succeeded")
            case .some(.failure(let error)):
                #expect((error as? PostgresFailure)?.code == .unavailable, "\(error)")
            }
        }
        #expect(watch.watchedConnections == 0)
    }

    @Test func aGuardedStatementOnAnEndedSessionFailsAtOnceAndOneInFlightFailsWithTheServersReason() async throws {
        let databases = try PostgresDatabases(settings: try stackPostgresSettings(), logger: logger)
        try await databases.withConnection(database: database) { connection in
            // In flight when the server ends the session: it fails by itself, with what the server said.
            let pid = try await backendPID(connection)
            let sleeping = Task { try await connection.guardedQuery("SELECT pg_sleep(30)", logger: logger).collect() }
            try await Task.sleep(for: .milliseconds(200))
            try await terminate(pid, databases)
            await #expect { _ = try await sleeping.value } throws: { error in
                (PostgresFailure(error).sqlState ?? "").hasPrefix("57P01") || PostgresFailure(error).code == .unavailable
            }
            await #expect { try await connection.guardedQuery("SELECT 1", logger: logger) } throws: { error in
                (error as? PostgresFailure)?.code == .unavailable
            }
        }
    }

    @Test func eachConnectionIsWatchedOnceWhateverItsStatementsAndForgottenAfterItCloses() async throws {
        let databases = try PostgresDatabases(settings: try stackPostgresSettings(), logger: logger)
        let watch = ClosedConnectionWatch(grace: .milliseconds(50))
        try await databases.withConnection(database: database) { connection in
            for value in 0..<200 {
                let rows = try await connection.answeredUnlessClosed(watch: watch) {
                    try await connection.query("SELECT \(value)::int", logger: logger).collect()
                }
                #expect(try rows.first?.decode(Int.self) == value)
            }
            #expect(watch.watchedConnections == 1)
        }
        // Closed by `withConnection`; forgotten once the grace has passed.
        for _ in 0..<200 where watch.watchedConnections > 0 { try await Task.sleep(for: .milliseconds(25)) }
        #expect(watch.watchedConnections == 0)
    }

    // MARK: - Helpers

    private func backendPID(_ connection: PostgresConnection) async throws -> Int32 {
        try #require(try await connection.guardedQuery("SELECT pg_backend_pid()", logger: logger).collect().first?.decode(Int32.self))
    }

    private func terminate(_ pid: Int32, _ databases: PostgresDatabases) async throws {
        try await databases.withConnection(database: database) { other in
            try await other.guardedQuery("SELECT pg_terminate_backend(\(pid))", logger: logger)
        }
    }

    /// Ends `connection`'s session from another one and waits until this side has seen it close.
    private func terminatedByTheServer(_ connection: PostgresConnection, _ databases: PostgresDatabases) async throws {
        try await terminate(try await backendPID(connection), databases)
        for _ in 0..<400 where !connection.isClosed { try await Task.sleep(for: .milliseconds(25)) }
        try #require(connection.isClosed, "the session was terminated, but the connection is still open after 10 s")
    }

    /// `work`'s outcome, or nil when it has not finished after 30 s (it is then abandoned).
    private func withinHalfAMinute<Value: Sendable>(_ work: @escaping @Sendable () async throws -> Value) async -> Result<Value, any Error>? {
        let outcome = OneShot<Result<Value, any Error>?>()
        Task {
            do { outcome.resolve(.success(.success(try await work()))) } catch { outcome.resolve(.success(.failure(error))) }
        }
        Task {
            try? await Task.sleep(for: .seconds(30))
            outcome.resolve(.success(nil))
        }
        return (try? await outcome.value) ?? nil
    }
}
