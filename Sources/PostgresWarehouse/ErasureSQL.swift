import WarehouseKit

/// The SQL of an erasure (`SubjectErasureRequest`). Pure: identifiers quoted here; the people's values are always the
/// bound array `$1` (and their replacements `$2`), never text in the statement.
enum ErasureSQL {
    /// `t."c" = ANY($1::text[]) OR …` over the match columns: a text column is compared as it is (an index on it
    /// serves), another type through its text form.
    static func matching(_ table: TableDescription, _ match: [String], alias: String = "t") -> String {
        match.map { name in
            let column = alias + "." + PostgresCatalogSQL.quote(name)
            let isText = table.columns.first { $0.name == name }?.isText ?? false
            return "\(isText ? column : column + "::text") = ANY($1::text[])"
        }.joined(separator: " OR ")
    }

    /// The matching rows' values of the match columns, one array per row (which person each row belonged to).
    static func returning(_ match: [String]) -> String {
        returning(match, alias: "t")
    }

    static func returning(_ match: [String], alias: String) -> String {
        "RETURNING array_remove(ARRAY[" + match.map { "\(alias).\(PostgresCatalogSQL.quote($0))::text" }.joined(separator: ", ") + "], NULL)"
    }

    static func count(_ table: TableDescription, _ match: [String]) -> String {
        "SELECT count(*) FROM \(PostgresCatalogSQL.qualifiedName(table.table)) t WHERE \(matching(table, match))"
    }

    /// The statement of `effect`: its rows' match values returned. `scramble-cells` replaces each match column's value
    /// by its replacement (`$2`, aligned with `$1`) and sets the other cells NULL; `null-cells` sets every cell NULL.
    static func erase(_ request: SubjectErasureRequest) -> String {
        let table = request.table
        let name = PostgresCatalogSQL.qualifiedName(table.table)
        switch request.effect {
        case .deleteRows:
            return "DELETE FROM \(name) t WHERE \(matching(table, request.match)) \(returning(request.match))"
        case .nullCells:
            let cells = Set(request.cells).union(request.match).sorted()
            let set = cells.map { "\(PostgresCatalogSQL.quote($0)) = NULL" }.joined(separator: ", ")
            // The values before the change: the row as it was, through a self-join on ctid.
            return """
                UPDATE \(name) t SET \(set) FROM \(name) o WHERE o.ctid = t.ctid AND (\(matching(table, request.match, alias: "o")))
                \(returning(request.match, alias: "o"))
                """
        case .scrambleCells:
            let others = Set(request.cells).subtracting(request.match).sorted()
            let replaced = request.match.map { column in
                let quoted = PostgresCatalogSQL.quote(column)
                let isText = table.columns.first { $0.name == column }?.isText ?? false
                // Only text can hold a replacement; another type's cell becomes NULL.
                guard isText else { return "\(quoted) = NULL" }
                return "\(quoted) = coalesce((SELECT r FROM unnest($1::text[], $2::text[]) AS m(f, r) WHERE m.f = o.\(quoted) LIMIT 1), o.\(quoted))"
            }
            let set = (replaced + others.map { "\(PostgresCatalogSQL.quote($0)) = NULL" }).joined(separator: ", ")
            return """
                UPDATE \(name) t SET \(set) FROM \(name) o WHERE o.ctid = t.ctid AND (\(matching(table, request.match, alias: "o")))
                \(returning(request.match, alias: "o"))
                """
        }
    }

    /// Whether an index's first column is each of the columns (`$1` schema, `$2` table, `$3` column names).
    static let leadingIndexColumns = """
        SELECT a.attname::text FROM pg_catalog.pg_index i
        JOIN pg_catalog.pg_class c ON c.oid = i.indrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
        WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = ANY($3::text[])
        """
}
