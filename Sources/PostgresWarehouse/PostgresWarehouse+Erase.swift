import PostgresNIO
import PostgresSupport
import WarehouseKit

extension PostgresWarehouse: SubjectEraser {
    public func countMatching(_ table: TableDescription, match: [String], values: [String]) async throws(WarehouseError) -> Int {
        try checkMatch(table, match)
        return try await Self.mapping(table.table) {
            try await databases.startedClient(database: table.table.database).withConnection { connection in
                try await count(table, match: match, values: values, connection)
            }
        }
    }

    /// One transaction: the rows matched and deleted or changed, their match values returned (so each person's share
    /// is known), then a count of what still matches, after the commit. A refusal (a foreign key that restricts the
    /// delete, a NOT NULL cell) is a `.statement` error naming PostgreSQL's reason: nothing changed.
    public func erase(_ request: SubjectErasureRequest) async throws(WarehouseError) -> SubjectErasureOutcome {
        let table = request.table
        try checkMatch(table, request.match)
        guard request.effect != .scrambleCells || request.replacements.count == request.values.count else {
            throw WarehouseError(.unsupported, "scramble-cells needs one replacement per value", table: table.table)
        }
        let wanted = Set(request.values)
        let indexed = try await indexed(table, columns: request.match).values.contains(true)
        return try await Self.mapping(table.table) {
            try await databases.startedClient(database: table.table.database).withConnection { connection in
                var binds = PostgresBindings()
                binds.append(request.values)
                if request.effect == .scrambleCells { binds.append(request.replacements) }
                let statement = PostgresQuery(unsafeSQL: ErasureSQL.erase(request), binds: binds)
                var affected = 0
                var byValue: [String: Int] = [:]
                try await connection.guardedTransaction(logger: logger) { connection in
                    for try await matched in try await connection.guardedQuery(statement, logger: logger).decode([String].self) {
                        affected += 1
                        for value in Set(matched) where wanted.contains(value) { byValue[value, default: 0] += 1 }
                    }
                }
                let remaining = try await count(table, match: request.match, values: request.values, connection)
                return SubjectErasureOutcome(
                    rowsAffected: affected, rowsByValue: byValue, remaining: remaining, indexed: indexed,
                    statementTrace:
                        "The erasure's statements carried the person's values as bound parameters: PostgreSQL's server log holds them only "
                        + "where statement logging with parameters is on (log_statement, log_min_duration_statement).")
            }
        }
    }

    public func indexed(_ table: TableDescription, columns: [String]) async throws(WarehouseError) -> [String: Bool] {
        try await Self.mapping(table.table) {
            try await databases.startedClient(database: table.table.database).withConnection { connection in
                var binds = PostgresBindings()
                binds.append(table.table.schema)
                binds.append(table.table.table)
                binds.append(columns)
                var found: Set<String> = []
                let rows = try await connection.guardedQuery(PostgresQuery(unsafeSQL: ErasureSQL.leadingIndexColumns, binds: binds), logger: logger)
                for try await name in rows.decode(String.self) { found.insert(name) }
                return Dictionary(uniqueKeysWithValues: columns.map { ($0, found.contains($0)) })
            }
        }
    }

    private func count(_ table: TableDescription, match: [String], values: [String], _ connection: PostgresConnection) async throws -> Int {
        var binds = PostgresBindings()
        binds.append(values)
        let rows = try await connection.guardedQuery(PostgresQuery(unsafeSQL: ErasureSQL.count(table, match), binds: binds), logger: logger)
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return 0
    }

    /// The match columns exist in the table as the catalog describes it (names are quoted, never trusted).
    private func checkMatch(_ table: TableDescription, _ match: [String]) throws(WarehouseError) {
        guard !match.isEmpty else { throw WarehouseError(.columnNotFound, "no column to match the person in", table: table.table) }
        for name in match where !table.columns.contains(where: { $0.name == name }) {
            throw WarehouseError(.columnNotFound, "\(table.table) has no column '\(name)'", table: table.table)
        }
    }
}
