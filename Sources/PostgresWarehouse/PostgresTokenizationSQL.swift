import Tokenization
import WarehouseKit

/// SQL text for Postgres tokenization. Pure: identifiers are quoted here, every value is a bound parameter.
public enum PostgresTokenizationSQL {
    /// Quotes an identifier (`"a""b"`). Callers pass only names checked against the catalog.
    public static func quote(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `"schema"."table"`.
    public static func qualifiedName(_ table: TableReference) -> String {
        quote(table.schema) + "." + quote(table.table)
    }

    /// The SQL expression computing the `poc` token of a text column, byte-identical to
    /// `PocTokenScheme.token(for:)`: PostgreSQL's base64 wraps lines at 76 characters, so newlines are removed.
    public static func pocToken(_ column: String) -> String {
        "'tok_' || translate(encode(convert_to(\(quote(column)), 'UTF8'), 'base64'), E'\\n', '') || '_poc'"
    }

    /// True when the column holds something to protect that is not yet a token.
    /// `patternParameter` is the placeholder bound to `PocTokenScheme.tokenPattern`.
    public static func needsToken(_ column: String, patternParameter: String) -> String {
        let q = quote(column)
        return "(\(q) IS NOT NULL AND \(q) <> '' AND \(q) !~ \(patternParameter))"
    }

    /// The key range a batch covers.
    public enum BatchRange {
        /// `key > $lower AND key <= $upper` on a single-column primary key; the first batch has no lower bound.
        case primaryKey(column: String, castType: String, hasLowerBound: Bool)
        /// Physical pages `ctid >= '(lo,0)' AND ctid < '(hi,0)'`, for tables without a single-column key.
        case pages
    }

    /// An UPDATE over one batch that returns the number of rows it changed as its one row.
    ///
    /// Parameters: `$1` the token pattern, then the range bounds (`$2`, `$3`).
    public static func updateBatch(table: TableReference, columns: [String], range: BatchRange) -> String {
        let pattern = "$1"
        let assignments = columns.map { column in
            "\(quote(column)) = CASE WHEN \(needsToken(column, patternParameter: pattern)) THEN \(pocToken(column)) ELSE \(quote(column)) END"
        }.joined(separator: ", ")
        let anyNeeds = columns.map { needsToken($0, patternParameter: pattern) }.joined(separator: " OR ")
        let rangePredicate: String
        switch range {
        case .primaryKey(let column, let castType, let hasLowerBound):
            let key = quote(column)
            rangePredicate = hasLowerBound
                ? "\(key) > $2::text::\(castType) AND \(key) <= $3::text::\(castType)"
                : "\(key) <= $2::text::\(castType)"
        case .pages:
            rangePredicate = "ctid >= $2::text::tid AND ctid < $3::text::tid"
        }
        return """
            WITH changed AS (UPDATE \(qualifiedName(table)) SET \(assignments) \
            WHERE \(rangePredicate) AND (\(anyNeeds)) RETURNING 1) \
            SELECT count(*)::bigint FROM changed
            """
    }

    /// The upper key of the next batch of at most `$2` rows after `$1` (or from the start), as text.
    public static func nextKeyBound(table: TableReference, keyColumn: String, castType: String, hasLowerBound: Bool) -> String {
        let key = quote(keyColumn)
        let predicate = hasLowerBound ? "WHERE \(key) > $1::text::\(castType)" : ""
        let limit = hasLowerBound ? "$2" : "$1"
        return "SELECT max(k)::text FROM (SELECT \(key) AS k FROM \(qualifiedName(table)) \(predicate) ORDER BY \(key) LIMIT \(limit)) AS batch"
    }

    /// Columns of a table (`$1` schema, `$2` table) with their type and whether they hold text.
    public static let describeColumns = """
        SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), (t.typcategory = 'S') AS is_text
        FROM pg_catalog.pg_attribute a
        JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
        WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')
          AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum
        """

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

    /// The table's size in pages (`$1` schema, `$2` table).
    public static let pageCount = """
        SELECT (pg_relation_size(c.oid) / current_setting('block_size')::bigint)::bigint
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2
        """
}
