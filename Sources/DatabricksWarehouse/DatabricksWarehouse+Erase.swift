import WarehouseKit

/// Erasure on Delta tables through the Statement Execution API. The people's values are named parameters, at most
/// `valuesPerStatement` per statement: a batch of many people is erased in a few statements, each atomic on its own
/// (Delta commits a DELETE or UPDATE as one version) and idempotent, then one count verifies the whole batch.
extension DatabricksWarehouse: SubjectEraser {
    /// Values bound per statement (`:v0` … and, for scrambled cells, `:r0` …).
    static let valuesPerStatement = 200

    public func countMatching(_ table: TableDescription, match: [String], values: [String]) async throws(WarehouseError) -> Int {
        try checkMatch(table, match)
        var total = 0
        for chunk in Self.chunks(values) {
            let (condition, parameters) = Self.condition(table, match, chunk)
            let result = try await client.execute(
                "SELECT count(*) FROM \(DatabricksSQL.qualifiedName(table.table)) WHERE \(condition)", parameters: parameters)
            total += Int(result.rows.first?.first.flatMap { $0 } ?? "0") ?? 0
        }
        return total
    }

    public func erase(_ request: SubjectErasureRequest) async throws(WarehouseError) -> SubjectErasureOutcome {
        let table = request.table
        try checkMatch(table, request.match)
        let name = DatabricksSQL.qualifiedName(table.table)
        var affected = 0
        var byValue: [String: Int] = [:]
        let replacement = Dictionary(zip(request.values, request.replacements), uniquingKeysWith: { first, _ in first })
        for chunk in Self.chunks(request.values) {
            let (condition, parameters) = Self.condition(table, request.match, chunk)
            // Which person each matching row belongs to, before it goes: one count per value and column.
            for column in request.match {
                let value = DatabricksSQL.quote(column)
                let counted = try await client.execute(
                    "SELECT CAST(\(value) AS STRING), count(*) FROM \(name) WHERE \(Self.condition(table, [column], chunk).0) GROUP BY 1",
                    parameters: parameters)
                for row in counted.rows where row.count == 2 {
                    if let key = row[0], let count = row[1].flatMap({ Int($0) }) { byValue[key, default: 0] += count }
                }
            }
            let statement: String
            var bound = parameters
            switch request.effect {
            case .deleteRows:
                statement = "DELETE FROM \(name) WHERE \(condition)"
            case .nullCells:
                let set = Set(request.cells).union(request.match).sorted().map { "\(DatabricksSQL.quote($0)) = NULL" }
                statement = "UPDATE \(name) SET \(set.joined(separator: ", ")) WHERE \(condition)"
            case .scrambleCells:
                for (index, value) in chunk.enumerated() { bound.append(.init("r\(index)", replacement[value] ?? "erased")) }
                let set =
                    request.match.map { column -> String in
                        let quoted = DatabricksSQL.quote(column)
                        guard table.columns.first(where: { $0.name == column })?.isText == true else { return "\(quoted) = NULL" }
                        let cases = chunk.indices.map { "WHEN :v\($0) THEN :r\($0)" }.joined(separator: " ")
                        return "\(quoted) = CASE \(quoted) \(cases) ELSE \(quoted) END"
                    } + Set(request.cells).subtracting(request.match).sorted().map { "\(DatabricksSQL.quote($0)) = NULL" }
                statement = "UPDATE \(name) SET \(set.joined(separator: ", ")) WHERE \(condition)"
            }
            let result = try await client.execute(statement, parameters: bound)
            affected += result.affectedRows ?? 0
        }
        let remaining = try await countMatching(table, match: request.match, values: request.values)
        return SubjectErasureOutcome(
            rowsAffected: affected, rowsByValue: byValue, remaining: remaining, indexed: false,
            statementTrace:
                "The erasure's statements carried the person's values as parameters, which the SQL warehouse's query history keeps "
                + "(30 days by default).")
    }

    /// Delta tables have no indexes: every match is a scan (data skipping may prune files).
    public func indexed(_ table: TableDescription, columns: [String]) async throws(WarehouseError) -> [String: Bool] {
        Dictionary(uniqueKeysWithValues: columns.map { ($0, false) })
    }

    /// `(`c1` IN (:v0, …) OR …)` and its parameters; a column that is not text is compared through its text form.
    static func condition(_ table: TableDescription, _ match: [String], _ values: ArraySlice<String>) -> (String, [DatabricksParameter]) {
        let markers = values.indices.map { ":v\($0 - values.startIndex)" }.joined(separator: ", ")
        let condition = match.map { column -> String in
            let quoted = DatabricksSQL.quote(column)
            let isText = table.columns.first { $0.name == column }?.isText ?? false
            return "\(isText ? quoted : "CAST(\(quoted) AS STRING)") IN (\(markers))"
        }.joined(separator: " OR ")
        let parameters = values.enumerated().map { DatabricksParameter("v\($0.offset)", $0.element) }
        return ("(\(condition))", parameters)
    }

    static func chunks(_ values: [String]) -> [ArraySlice<String>] {
        stride(from: 0, to: values.count, by: valuesPerStatement).map { values[$0..<min($0 + valuesPerStatement, values.count)] }
    }

    private func checkMatch(_ table: TableDescription, _ match: [String]) throws(WarehouseError) {
        guard !match.isEmpty else { throw WarehouseError(.columnNotFound, "no column to match the person in", table: table.table) }
        for name in match where !table.columns.contains(where: { $0.name == name }) {
            throw WarehouseError(.columnNotFound, "\(table.table) has no column '\(name)'", table: table.table)
        }
    }
}
