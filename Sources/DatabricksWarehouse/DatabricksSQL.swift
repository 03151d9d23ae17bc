import Tokenization
import WarehouseKit

/// Databricks SQL text. Pure: identifiers are backtick-quoted here, values are named `:parameters`.
public enum DatabricksSQL {
    /// Quotes an identifier (`` `a``b` ``). Callers pass only names checked against the catalog.
    public static func quote(_ identifier: String) -> String {
        "`" + identifier.replacingOccurrences(of: "`", with: "``") + "`"
    }

    public static func qualifiedName(_ table: TableReference) -> String {
        [table.database, table.schema, table.table].map(quote).joined(separator: ".")
    }

    /// The table's columns (parameters `catalog`, `schema`, `table`), in ordinal order.
    public static let describeColumns = """
        SELECT column_name, data_type FROM system.information_schema.columns \
        WHERE lower(table_catalog) = lower(:catalog) AND lower(table_schema) = lower(:schema) AND lower(table_name) = lower(:table) \
        ORDER BY ordinal_position
        """

    /// Whether a catalog type holds text.
    public static func isText(_ dataType: String) -> Bool {
        let upper = dataType.uppercased()
        return upper == "STRING" || upper.hasPrefix("VARCHAR") || upper.hasPrefix("CHAR")
    }

    /// Whether a catalog type is blank-padded (`CHAR(n)`: Databricks pads it to n when it reads it).
    public static func isPadded(_ dataType: String) -> Bool { dataType.uppercased().hasPrefix("CHAR") }

    /// The expression statements test and tokenize a column's value with: a `CHAR(n)` without its padding.
    static func value(_ column: String, padded: Set<String>) -> String {
        padded.contains(column) ? "rtrim(\(quote(column)))" : quote(column)
    }

    /// The named parameter holding the pattern of a value of whitespace only (space, tab, line feed, vertical tab,
    /// form feed, carriage return: the characters themselves, so no escape rule of the SQL dialect applies).
    public static let blankParameter = DatabricksParameter("blank_pattern", "^[ \t\n\u{0B}\u{0C}\r]*$")

    /// Whether `value` holds something to protect: not NULL, not empty, not whitespace only.
    static func holdsValue(_ value: String) -> String {
        "(\(value) IS NOT NULL AND \(value) <> '' AND NOT (\(value) RLIKE :blank_pattern))"
    }

    /// The `poc` token, byte-identical to Swift: Spark's `base64` never wraps lines.
    public static func pocToken(_ column: String) -> String {
        pocTokenOf(quote(column))
    }

    /// The `poc` token of a text expression.
    static func pocTokenOf(_ value: String) -> String {
        "concat('tok_', base64(encode(\(value), 'UTF-8')), '_poc')"
    }

    /// Where the UPDATE reads the hmac key's pads from.
    public enum HMACPadSource: Sendable, Equatable {
        /// Hex statement parameters `hmac_inner_pad`, `hmac_outer_pad`: they stay in the warehouse's query history.
        case parameters
        /// Databricks SQL's `secret(scope, key)`: the statement carries only names (`DBX_SECRET_SCOPE`).
        case secretScope(String, keyID: String)
    }

    /// The secret key (in the scope) holding a key's hex inner or outer pad: `hmac-inner-pad-<key id>`.
    public static func padSecretKey(inner: Bool, keyID: String) -> String {
        "hmac-\(inner ? "inner" : "outer")-pad-\(keyID)"
    }

    /// A SQL string literal. Used only for secret scope and key names, which are validated names.
    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }

    /// The `hmac` token, byte-identical to Swift: HMAC-SHA256 built from `sha2` and the key's pads (hex strings).
    public static func hmacToken(_ column: String, pads: HMACPadSource = .parameters) -> String {
        hmacTokenOf(quote(column), pads: pads)
    }

    /// The `hmac` token of a text expression.
    static func hmacTokenOf(_ value: String, pads: HMACPadSource) -> String {
        let (innerPad, outerPad): (String, String)
        switch pads {
        case .parameters:
            (innerPad, outerPad) = (":hmac_inner_pad", ":hmac_outer_pad")
        case .secretScope(let scope, let keyID):
            innerPad = "secret(\(literal(scope)), \(literal(padSecretKey(inner: true, keyID: keyID))))"
            outerPad = "secret(\(literal(scope)), \(literal(padSecretKey(inner: false, keyID: keyID))))"
        }
        let inner = "unhex(sha2(concat(unhex(\(innerPad)), encode(\(value), 'UTF-8')), 256))"
        let mac = "unhex(sha2(concat(unhex(\(outerPad)), \(inner)), 256))"
        return "concat('tkh_', :hmac_key_id, '_', replace(translate(base64(\(mac)), '+/', '-_'), '=', ''))"
    }

    /// One UPDATE over the whole table, rendered from the shared push-down plan: Delta reports
    /// `num_affected_rows`. NULL, empty and tokenized values are skipped, so a re-run affects 0 rows.
    /// Parameters used: `<scheme>_pattern` for each scheme, and for hmac `hmac_key_id` (and `hmac_inner_pad`,
    /// `hmac_outer_pad` unless the pads come from a secret scope).
    public static func update(
        table: TableReference, plan: PushDownPlan, pads: HMACPadSource = .parameters, padded: Set<String> = []
    ) -> (sql: String, parameters: Set<String>) {
        var parameters: Set<String> = ["blank_pattern"]
        var assignments: [String] = []
        var needs: [String] = []
        for column in plan.columns {
            let stored = quote(column.name)
            let q = value(column.name, padded: padded)
            let patternParameter = "\(column.scheme.rawValue)_pattern"
            parameters.insert(patternParameter)
            var recognised = "\(q) RLIKE :\(patternParameter)"
            if let lengths = plan.shapes[column.scheme]?.lengths {
                recognised = "length(\(q)) IN (\(lengths.map(String.init).joined(separator: ", "))) AND \(recognised)"
            }
            let need = "(\(holdsValue(q)) AND NOT (\(recognised)))"
            let token: String
            switch column.scheme {
            case .poc:
                token = pocTokenOf(q)
            case .hmac:
                token = hmacTokenOf(q, pads: pads)
                parameters.insert("hmac_key_id")
                if pads == .parameters { parameters.formUnion(["hmac_inner_pad", "hmac_outer_pad"]) }
            case .siv, .ff1:
                preconditionFailure("\(column.scheme) tokens cannot be computed in Databricks SQL")
            }
            assignments.append("\(stored) = CASE WHEN \(need) THEN \(token) ELSE \(stored) END")
            needs.append(need)
        }
        let sql = "UPDATE \(qualifiedName(table)) SET \(assignments.joined(separator: ", ")) WHERE \(needs.joined(separator: " OR "))"
        return (sql, parameters)
    }

    /// The verification scan: `count(*)`, then per column the empty values and the recognised tokens (by key id
    /// and shape; parameters `<scheme>_pattern`). Plaintext is the rest.
    public static func verificationCounts(
        table: TableReference, columns: [ColumnPlan], shapes: [TokenSchemeName: PushDownPlan.TokenShape], padded: Set<String> = []
    ) -> String {
        var selected = ["count(*)"]
        for column in columns {
            let q = value(column.name, padded: padded)
            var recognised = "false"
            if let shape = shapes[column.scheme] {
                recognised = "\(q) RLIKE :\(column.scheme.rawValue)_pattern"
                if let lengths = shape.lengths {
                    recognised = "length(\(q)) IN (\(lengths.map(String.init).joined(separator: ", "))) AND \(recognised)"
                }
            }
            selected.append("SUM(CASE WHEN \(holdsValue(q)) THEN 0 ELSE 1 END)")
            selected.append("SUM(CASE WHEN \(q) <> '' AND \(recognised) THEN 1 ELSE 0 END)")
        }
        return "SELECT \(selected.joined(separator: ", ")) FROM \(qualifiedName(table))"
    }

    /// Rewrites the files holding rows an UPDATE replaced (deletion vectors), so current files hold no old values.
    public static func reorgPurge(_ table: TableReference) -> String { "REORG TABLE \(qualifiedName(table)) APPLY (PURGE)" }

    /// Deletes data files no longer referenced by versions newer than `hours`.
    public static func vacuum(_ table: TableReference, retainHours: Int) -> String { "VACUUM \(qualifiedName(table)) RETAIN \(retainHours) HOURS" }
}

extension DatabricksSQL {
    /// Up to `rows` rows of `columns` as strings, sampled by Databricks (`TABLESAMPLE (n ROWS)`); `rows` is an
    /// integer the service chose, so it is written as a literal (TABLESAMPLE takes no parameters).
    public static func sample(table: TableReference, columns: [String], rows: Int) -> String {
        let selected = columns.map { "CAST(\(quote($0)) AS STRING)" }.joined(separator: ", ")
        return "SELECT \(selected) FROM \(qualifiedName(table)) TABLESAMPLE (\(max(1, rows)) ROWS)"
    }
}
