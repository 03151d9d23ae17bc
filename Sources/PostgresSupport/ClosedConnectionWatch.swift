import NIOCore
import PostgresNIO
import Synchronization

/// Fails the statements still unanswered on a connection some time after that connection closed.
///
/// postgres-nio 1.33 hands a statement to the connection's event loop and forgets it: when the connection closes
/// after `PostgresConnection.ensureOpen` saw it open but before the event loop takes the statement (the server
/// restarting while a run computes tokens, on a busy machine), the statement is dropped with its promise, and
/// awaiting it never returns, not even on cancellation. A statement already taken when the connection closes fails
/// at once by itself. So each guarded statement is watched, and one that has still not returned `grace` after its
/// connection closed is failed as `.unavailable` (its task, stuck in postgres-nio, is abandoned).
///
/// One close callback per connection, whatever the number of statements sent on it: an entry lives from the first
/// watched statement until its connection has closed, and keeps the connection, so no other connection can take
/// its identity meanwhile.
final class ClosedConnectionWatch: Sendable {
    static let shared = ClosedConnectionWatch(grace: .milliseconds(250))

    private struct Watched {
        let connection: PostgresConnection
        var statements: [UInt64: @Sendable () -> Void] = [:]
    }

    private struct State {
        var nextStatement: UInt64 = 0
        var connections: [ObjectIdentifier: Watched] = [:]
    }

    /// How long a statement may stay unanswered after its connection closed.
    let grace: TimeAmount
    private let state = Mutex(State())

    init(grace: TimeAmount) {
        self.grace = grace
    }

    /// Watches one statement on `connection`: `fail` is called if the connection closes and the statement is still
    /// watched `grace` later. Returns the ticket for `unwatch`.
    func watch(_ connection: PostgresConnection, fail: @escaping @Sendable () -> Void) -> UInt64 {
        let key = ObjectIdentifier(connection)
        let (ticket, isFirst) = state.withLock { state in
            state.nextStatement += 1
            let isFirst = state.connections[key] == nil
            state.connections[key, default: Watched(connection: connection)].statements[state.nextStatement] = fail
            return (state.nextStatement, isFirst)
        }
        if isFirst {
            let eventLoop = connection.eventLoop
            connection.closeFuture.whenComplete { _ in
                eventLoop.scheduleTask(in: self.grace) { self.failUnanswered(key) }
            }
        }
        return ticket
    }

    /// Stops watching a statement that returned.
    func unwatch(_ connection: PostgresConnection, _ ticket: UInt64) {
        _ = state.withLock { $0.connections[ObjectIdentifier(connection)]?.statements.removeValue(forKey: ticket) }
    }

    /// Connections watched now (each until it has closed and its grace has passed).
    var watchedConnections: Int { state.withLock { $0.connections.count } }

    private func failUnanswered(_ key: ObjectIdentifier) {
        let unanswered = state.withLock { $0.connections.removeValue(forKey: key)?.statements.values.map { $0 } } ?? []
        for fail in unanswered { fail() }
    }
}

extension PostgresConnection {
    /// Runs `statement` (one exchange with the server on this connection) and returns its result, or fails with
    /// `.unavailable` when this connection closes and the statement is still unanswered a moment later (see
    /// `ClosedConnectionWatch`).
    func answeredUnlessClosed<Value: Sendable>(
        watch: ClosedConnectionWatch = .shared, _ statement: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        let outcome = OneShot<Value>()
        let ticket = watch.watch(self) {
            outcome.resolve(
                .failure(
                    PostgresFailure(
                        .unavailable, "the connection to PostgreSQL closed before the statement was answered (the server restarted or went away)")))
        }
        defer { watch.unwatch(self, ticket) }
        let task = Task {
            do {
                outcome.resolve(.success(try await statement()))
            } catch {
                outcome.resolve(.failure(error))
            }
        }
        return try await withTaskCancellationHandler {
            try await outcome.value
        } onCancel: {
            task.cancel()
        }
    }
}
