import Foundation
import PostgresNIO
import PostgresSupport
import WarehouseKit

extension PostgresWarehouse {
    /// Up to `rows` rows of `columns`: every row of a table no bigger than that, else `TABLESAMPLE SYSTEM` with
    /// a percentage that should yield about four times `rows`, falling back to the first `rows` rows when the
    /// sample comes back too small. Pages are sampled, not rows, so the count varies: with twice `rows` expected,
    /// a 200,000-row table gave fewer than `rows` in about one draw in twenty. Read only, in a read-only transaction.
    public func sample(_ table: TableDescription, columns: [String], rows: Int) async throws(WarehouseError) -> TableSample {
        let reference = table.table
        for name in columns where table.column(named: name) == nil {
            throw WarehouseError(.columnNotFound, "column '\(name)' does not exist in \(reference)", table: reference)
        }
        guard !columns.isEmpty, rows > 0 else { return TableSample(values: [:], rows: 0, estimatedRows: nil, method: "nothing to sample") }
        return try await Self.mapping(reference) {
            try await databases.startedClient(database: reference.database).withConnection { connection in
                let estimate = try await rowEstimate(connection, reference)
                if let estimate, estimate > rows {
                    let percent = min(100, max(0.0001, 400 * Double(rows) / Double(estimate)))
                    let sampled = try await read(connection, table: reference, columns: columns, rows: rows, systemPercent: percent)
                    if sampled.rows >= min(rows, estimate) / 2 {
                        return TableSample(
                            values: sampled.values, rows: sampled.rows, estimatedRows: estimate,
                            method: "TABLESAMPLE SYSTEM (\(String(format: "%.4g", percent)) %)")
                    }
                }
                let read = try await read(connection, table: reference, columns: columns, rows: rows, systemPercent: nil)
                let whole = read.rows < rows
                return TableSample(
                    values: read.values, rows: read.rows, estimatedRows: whole ? read.rows : estimate,
                    method: whole ? "every row" : "the first \(rows) rows (the table sample came back too small)")
            }
        }
    }

    private func read(
        _ connection: PostgresConnection, table: TableReference, columns: [String], rows: Int, systemPercent: Double?
    ) async throws -> (values: [String: [String?]], rows: Int) {
        let selected = columns.map { "t.\(PostgresCatalogSQL.quote($0))::text" }.joined(separator: ", ")
        var binds = PostgresBindings()
        var sampling = ""
        if let systemPercent {
            binds.append(systemPercent)
            sampling = " TABLESAMPLE SYSTEM ($1::float8)"
        }
        binds.append(rows)
        let sql = "SELECT \(selected) FROM \(PostgresCatalogSQL.qualifiedName(table)) t\(sampling) LIMIT $\(binds.count)"
        var values = [String: [String?]](uniqueKeysWithValues: columns.map { ($0, []) })
        var count = 0
        try await connection.guardedQuery(PostgresQuery(unsafeSQL: "BEGIN READ ONLY"), logger: logger)
        do {
            for try await row in try await connection.guardedQuery(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger) {
                let cells = row.makeRandomAccess()
                for (index, column) in columns.enumerated() { values[column]?.append(try cells[index].decode(String?.self)) }
                count += 1
            }
            try await connection.guardedQuery(PostgresQuery(unsafeSQL: "COMMIT"), logger: logger)
        } catch {
            try? await connection.guardedQuery(PostgresQuery(unsafeSQL: "ROLLBACK"), logger: logger)
            throw error
        }
        return (values, count)
    }
}
