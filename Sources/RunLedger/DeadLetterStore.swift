import Catalog
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// A message that can never be decoded, kept with its bytes and the reason.
public struct DeadLetter: Sendable, Codable, Equatable {
    public var id: Int64
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var reasonCode: String
    public var reason: String
    public var receivedAt: Date
    public var replayedAt: Date?
    public var replayOutcome: String?

    enum CodingKeys: String, CodingKey {
        case id, topic, partition, offset, key, value
        case reasonCode = "reason_code"
        case reason
        case receivedAt = "received_at"
        case replayedAt = "replayed_at"
        case replayOutcome = "replay_outcome"
    }
}

/// The dead-letter table (`tokenize_action.dead_letters`): poison messages are stored here, counted, and passed
/// over; `tokenize-action dlq` lists, shows and replays them.
public struct DeadLetterStore: Sendable {
    private let client: PostgresClient
    private let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Stores a message once per position (a redelivery of the same message is ignored).
    public func add(topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8]?, reasonCode: String, reason: String) async throws {
        var binds = PostgresBindings()
        binds.append(topic)
        binds.append(partition)
        binds.append(offset)
        binds.append(key.map { ByteBuffer(bytes: $0) })
        binds.append(value.map { ByteBuffer(bytes: $0) })
        binds.append(reasonCode)
        binds.append(reason)
        try await client.guardedRows(PostgresQuery(unsafeSQL: LedgerSQL.insertDeadLetter, binds: binds), logger: logger)
    }

    /// Newest first.
    public func list(limit: Int, includeReplayed: Bool) async throws -> [DeadLetter] {
        try await query(LedgerSQL.deadLetters(includeReplayed: includeReplayed, limit: limit), [])
    }

    public func get(id: Int64) async throws -> DeadLetter? {
        try await query(LedgerSQL.deadLetter, [id]).first
    }

    public func markReplayed(id: Int64, outcome: String) async throws {
        var binds = PostgresBindings()
        binds.append(id)
        binds.append(outcome)
        try await client.guardedRows(
            PostgresQuery(unsafeSQL: LedgerSQL.markDeadLetterReplayed, binds: binds),
            logger: logger)
    }

    private func query(_ sql: String, _ values: [Int64]) async throws -> [DeadLetter] {
        var binds = PostgresBindings()
        for value in values { binds.append(value) }
        var letters: [DeadLetter] = []
        for row in try await client.guardedRows(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger) {
            let cells = row.makeRandomAccess()
            letters.append(
                DeadLetter(
                    id: try cells[0].decode(Int64.self), topic: try cells[1].decode(String.self), partition: try cells[2].decode(Int32.self),
                    offset: try cells[3].decode(Int64.self), key: try cells[4].decode(ByteBuffer?.self).map { Array(buffer: $0) },
                    value: try cells[5].decode(ByteBuffer?.self).map { Array(buffer: $0) }, reasonCode: try cells[6].decode(String.self),
                    reason: try cells[7].decode(String.self), receivedAt: try cells[8].decode(Date.self), replayedAt: try cells[9].decode(Date?.self),
                    replayOutcome: try cells[10].decode(String?.self)))
        }
        return letters
    }
}
