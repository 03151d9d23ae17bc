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

    /// The SQL expression computing the `hmac` token of a text column, byte-identical to the Swift token:
    /// HMAC-SHA256 from `sha256` and the key's pads, `'tkh_' || key id || '_' || base64url(mac)` without padding.
    public static func hmacToken(_ column: String, keyID: String, inner: String, outer: String) -> String {
        "'tkh_' || \(keyID) || '_' || rtrim(translate(encode(sha256(\(outer) || sha256(\(inner) || convert_to(\(quote(column)), 'UTF8'))), 'base64'), '+/', '-_'), '=')"
    }

    /// True when the column holds something to protect that is not yet a token.
    /// `patternParameter` is the placeholder bound to the scheme's token pattern.
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

    /// A value a push-down statement binds, in the order `PushDownStatement.parameters` lists them.
    public enum PushDownParameter: Sendable, Equatable {
        case pocPattern, hmacPattern, hmacKeyID, hmacInnerPad, hmacOuterPad, lowerBound, upperBound
    }

    /// SQL text and the values it binds, in order.
    public struct PushDownStatement: Sendable {
        public var sql: String
        public var parameters: [PushDownParameter]
    }

    /// An UPDATE over one batch that computes `poc` and `hmac` tokens in SQL and returns the number of rows it
    /// changed as its one row. Only push-down schemes are allowed.
    public static func updateBatch(table: TableReference, columns: [ColumnPlan], range: BatchRange) -> PushDownStatement {
        var parameters: [PushDownParameter] = []
        func placeholder(_ parameter: PushDownParameter) -> String {
            if let index = parameters.firstIndex(of: parameter) { return "$\(index + 1)" }
            parameters.append(parameter)
            return "$\(parameters.count)"
        }
        var assignments: [String] = []
        var needs: [String] = []
        for column in columns {
            let need: String
            let token: String
            switch column.scheme {
            case .poc:
                need = needsToken(column.name, patternParameter: placeholder(.pocPattern))
                token = pocToken(column.name)
            case .hmac:
                need = needsToken(column.name, patternParameter: placeholder(.hmacPattern))
                token = hmacToken(
                    column.name, keyID: placeholder(.hmacKeyID) + "::text", inner: placeholder(.hmacInnerPad) + "::bytea",
                    outer: placeholder(.hmacOuterPad) + "::bytea")
            case .siv, .ff1:
                preconditionFailure("\(column.scheme) tokens cannot be computed in SQL")
            }
            assignments.append("\(quote(column.name)) = CASE WHEN \(need) THEN \(token) ELSE \(quote(column.name)) END")
            needs.append(need)
        }
        let rangePredicate: String
        switch range {
        case .primaryKey(let column, let castType, let hasLowerBound):
            let key = quote(column)
            rangePredicate = hasLowerBound
                ? "\(key) > \(placeholder(.lowerBound))::text::\(castType) AND \(key) <= \(placeholder(.upperBound))::text::\(castType)"
                : "\(key) <= \(placeholder(.upperBound))::text::\(castType)"
        case .pages:
            rangePredicate = "ctid >= \(placeholder(.lowerBound))::text::tid AND ctid < \(placeholder(.upperBound))::text::tid"
        }
        let sql = """
            WITH changed AS (UPDATE \(qualifiedName(table)) SET \(assignments.joined(separator: ", ")) \
            WHERE \(rangePredicate) AND (\(needs.joined(separator: " OR "))) RETURNING 1) \
            SELECT count(*)::bigint FROM changed
            """
        return PushDownStatement(sql: sql, parameters: parameters)
    }

    // MARK: - Service-side tokens (siv, ff1, rekey): keyset reads, COPY into a temp table, UPDATE … FROM

    /// The ledger that records which ff1 cells hold tokens (ff1 tokens look like plaintext).
    public static let ledgerTable = "tokenize_action.ff1_ledger"

    /// Creates the ledger schema and table when missing.
    public static let createLedger = [
        "CREATE SCHEMA IF NOT EXISTS tokenize_action",
        """
        CREATE TABLE IF NOT EXISTS tokenize_action.ff1_ledger (
            relation text NOT NULL, column_name text NOT NULL, row_key text NOT NULL,
            key_id text NOT NULL, token_digest bytea NOT NULL,
            PRIMARY KEY (relation, column_name, row_key))
        """,
    ]

    /// Reads the next batch of rows after `$lower` (first batch: from the start), locking them for the batch's
    /// transaction, with each ff1 column's ledger entry (key id and hex digest).
    ///
    /// Parameters: `$1` the relation name (`schema.table`) when there are ff1 columns, then one column name per
    /// ff1 column, then the lower bound (if any), then the batch size.
    public static func selectBatch(
        table: TableReference, keyColumn: String, keyType: String, columns: [ColumnPlan], ledgerColumns: [String], hasLowerBound: Bool
    ) -> String {
        var next = ledgerColumns.isEmpty ? 1 : 2
        var selected = ["t.\(quote(keyColumn))::text"] + columns.map { "t.\(quote($0.name))::text" }
        var joins: [String] = []
        for (index, _) in ledgerColumns.enumerated() {
            selected += ["l\(index).key_id", "encode(l\(index).token_digest, 'hex')"]
            joins.append(
                "LEFT JOIN \(ledgerTable) l\(index) ON l\(index).relation = $1 AND l\(index).column_name = $\(next) AND l\(index).row_key = t.\(quote(keyColumn))::text")
            next += 1
        }
        var predicate = ""
        if hasLowerBound {
            predicate = "WHERE t.\(quote(keyColumn)) > $\(next)::text::\(keyType)"
            next += 1
        }
        return "SELECT \(selected.joined(separator: ", ")) FROM \(qualifiedName(table)) t \(joins.joined(separator: " ")) \(predicate) ORDER BY t.\(quote(keyColumn)) LIMIT $\(next) FOR UPDATE OF t"
    }

    /// The temp table a batch's new values are copied into: `k` the key as text, `c0…` one per column.
    public static let batchTable = "tokenize_action_batch"

    public static func createBatchTable(columnCount: Int) -> String {
        let columns = (0..<columnCount).map { "c\($0) text" }.joined(separator: ", ")
        return "CREATE TEMP TABLE \(batchTable) (k text PRIMARY KEY, \(columns)) ON COMMIT DROP"
    }

    /// Applies the copied values (NULL means "leave as is") and returns the number of rows changed.
    public static func applyBatch(table: TableReference, keyColumn: String, keyType: String, columns: [ColumnPlan]) -> String {
        let assignments = columns.enumerated().map { index, column in
            "\(quote(column.name)) = COALESCE(b.c\(index), t.\(quote(column.name)))"
        }.joined(separator: ", ")
        return """
            WITH changed AS (UPDATE \(qualifiedName(table)) t SET \(assignments) FROM \(batchTable) b \
            WHERE t.\(quote(keyColumn)) = b.k::\(keyType) RETURNING 1) SELECT count(*)::bigint FROM changed
            """
    }

    /// Records ff1 tokens: `$1` relation, then arrays of column names, row keys, key ids and hex digests.
    public static let upsertLedger = """
        INSERT INTO tokenize_action.ff1_ledger (relation, column_name, row_key, key_id, token_digest)
        SELECT $1, c, k, i, decode(d, 'hex') FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS u(c, k, i, d)
        ON CONFLICT (relation, column_name, row_key) DO UPDATE SET key_id = EXCLUDED.key_id, token_digest = EXCLUDED.token_digest
        """

    /// One row of COPY text format: tab-separated, `\N` for NULL, backslash escapes for the rest.
    public static func copyTextRow(_ fields: [String?]) -> String {
        fields.map { field in
            guard let field else { return "\\N" }
            var escaped = ""
            for scalar in field.unicodeScalars {
                switch scalar {
                case "\\": escaped += "\\\\"
                case "\t": escaped += "\\t"
                case "\n": escaped += "\\n"
                case "\r": escaped += "\\r"
                default: escaped.unicodeScalars.append(scalar)
                }
            }
            return escaped
        }.joined(separator: "\t") + "\n"
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
