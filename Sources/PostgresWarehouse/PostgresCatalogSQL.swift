import WarehouseKit

/// SQL about tables and the catalog. Pure: identifiers are quoted here, every value is a bound parameter.
public enum PostgresCatalogSQL {
    /// Quotes an identifier (`"a""b"`). Callers pass only names checked against the catalog.
    public static func quote(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `"schema"."table"`.
    public static func qualifiedName(_ table: TableReference) -> String {
        quote(table.schema) + "." + quote(table.table)
    }

    /// `schema.table`, the relation's name in the service's bookkeeping tables.
    public static func relationName(_ table: TableReference) -> String {
        "\(table.schema).\(table.table)"
    }

    /// Columns of a table (`$1` schema, `$2` table): name, type, whether it holds text, the type under a domain (one
    /// level), whether it is a domain, whether it is blank-padded (`char(n)`, also under a domain), whether it compares
    /// case-insensitively (`citext`, or a nondeterministic collation), and whether it is a stored generated column.
    public static let describeColumns = """
        SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), (t.typcategory = 'S') AS is_text,
            CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) ELSE format_type(a.atttypid, a.atttypmod) END,
            t.typtype = 'd',
            (CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END) = 'pg_catalog.bpchar'::regtype,
            coalesce((SELECT typname = 'citext' FROM pg_catalog.pg_type
                      WHERE oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END), false)
                OR coalesce(NOT co.collisdeterministic, false),
            a.attgenerated = 's'
        FROM pg_catalog.pg_attribute a
        JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
        WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')
          AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum
        """

    /// The expression a statement tests and tokenizes a column's value with: the column itself when it is plain
    /// text, else its bytes as `text` in the "C" collation (`char(n)` without its padding, `citext` and
    /// nondeterministic collations compared byte by byte, a domain as its base text).
    public static func value(_ column: String, asPlainText: Bool, alias: String = "t") -> String {
        let reference = alias + "." + quote(column)
        return asPlainText ? "(\(reference)::text COLLATE \"C\")" : reference
    }

    /// The primary key columns of a table (`$1` schema, `$2` table) with their types.
    public static let primaryKeyColumns = """
        SELECT a.attname::text, format_type(a.atttypid, a.atttypmod)
        FROM pg_catalog.pg_index i
        JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey)
        WHERE n.nspname = $1 AND c.relname = $2 AND i.indisprimary
        """

    /// Whether a database (`$1`) exists.
    public static let databaseExists = "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1)"

    /// The table's size in pages (`$1` schema, `$2` table), at least 1.
    public static let pageCount = """
        SELECT greatest(1, pg_relation_size(c.oid) / current_setting('block_size')::bigint)::bigint
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2
        """

    /// The planner's row estimate (`$1` schema, `$2` table); -1 when the table was never analyzed.
    public static let estimatedRows = """
        SELECT c.reltuples::bigint FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2
        """
}
