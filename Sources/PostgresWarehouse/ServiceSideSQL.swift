import Foundation
import Tokenization
import WarehouseKit

/// SQL for batches whose tokens the service computes (`siv`, `ff1`, rekey runs): keyset reads that lock their
/// rows, and one `UPDATE … FROM unnest(…)` per batch. Pure.
public enum ServiceSideSQL {
    /// Locks and reads the next batch after `$1` (first batch: from the start, no `$1`); the limit is the next
    /// parameter. Nothing else is read in this statement: the ledger is read afterwards, by a new statement that
    /// sees every transaction committed before these row locks were granted.
    ///
    /// With `sivShape` (tokenize runs), the last parameter is the siv token prefixes of the configured keys and
    /// only rows that may need a token are read: a row is skipped when every column is NULL, empty or, for an
    /// siv column, shaped like an siv token (prefix, key id, base64url: checks PostgreSQL evaluates fast). ff1
    /// columns look like plaintext either way, so a row with a non-empty ff1 value is always read.
    public static func lockBatch(
        table: TableReference, keyColumn: String, keyType: String, columns: [ColumnPlan], hasLowerBound: Bool, sivShape: Bool = false,
        values: ColumnValues = .asStored
    ) -> String {
        // Qualified with the table alias: an unqualified ORDER BY would sort by the text output column of the same name.
        let key = "t." + PostgresCatalogSQL.quote(keyColumn)
        let selected = (["\(key)::text"] + columns.map { "\(values.value(of: $0.name))::text" }).joined(separator: ", ")
        var predicates: [String] = []
        if hasLowerBound { predicates.append("\(key) > $1::text::\(keyType)") }
        let limit = hasLowerBound ? "$2" : "$1"
        if sivShape {
            let prefixes = hasLowerBound ? "$3" : "$2"
            let needs = columns.map { column in
                let q = values.value(of: column.name)
                let value = TokenShapeSQL.holdsValue(q)
                guard column.scheme == .siv else { return value }
                return "(\(value) AND NOT (\(TokenShapeSQL.shaped(q, prefixes: prefixes, lengths: nil))))"
            }
            predicates.append("(" + needs.joined(separator: " OR ") + ")")
        }
        let whereClause = predicates.isEmpty ? "" : "WHERE " + predicates.joined(separator: " AND ") + " "
        return "SELECT \(selected) FROM \(PostgresCatalogSQL.qualifiedName(table)) t \(whereClause)ORDER BY \(key) LIMIT \(limit) FOR UPDATE OF t"
    }

    /// Applies a batch's new values (`BatchUpdates`, bound as arrays) and returns the number of rows changed.
    ///
    /// `$1` is the keys as text; then per column its values (`$2`, `$4`, …) and whether to write them (`$3`, `$5`,
    /// …): arrays PostgreSQL unnests in step, so no temp table is created per batch (each one wrote catalog rows
    /// that autovacuum then had to clean) and nothing is copied twice. A cell not written keeps its value, NULL
    /// included. Each key is found through the table's primary key (a nested loop over the batch).
    public static func applyBatch(table: TableReference, keyColumn: String, keyType: String, columns: [ColumnPlan]) -> String {
        let assignments = columns.enumerated().map { index, column in
            let name = PostgresCatalogSQL.quote(column.name)
            return "\(name) = CASE WHEN u.w\(index) THEN u.v\(index) ELSE t.\(name) END"
        }.joined(separator: ", ")
        let arrays = (["$1::text[]"] + columns.indices.flatMap { ["$\(2 + 2 * $0)::text[]", "$\(3 + 2 * $0)::boolean[]"] }).joined(separator: ", ")
        let names = (["k"] + columns.indices.flatMap { ["v\($0)", "w\($0)"] }).joined(separator: ", ")
        return """
            WITH changed AS (UPDATE \(PostgresCatalogSQL.qualifiedName(table)) t SET \(assignments) \
            FROM unnest(\(arrays)) AS u(\(names)) \
            WHERE t.\(PostgresCatalogSQL.quote(keyColumn)) = u.k::\(keyType) RETURNING 1) SELECT count(*)::bigint FROM changed
            """
    }
}
