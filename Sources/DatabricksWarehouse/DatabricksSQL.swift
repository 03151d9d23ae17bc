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

    /// The `poc` token, byte-identical to Swift: Spark's `base64` never wraps lines.
    public static func pocToken(_ column: String) -> String {
        "concat('tok_', base64(encode(\(quote(column)), 'UTF-8')), '_poc')"
    }

    /// The `hmac` token, byte-identical to Swift: HMAC-SHA256 built from `sha2` and the key's pads (hex parameters).
    public static func hmacToken(_ column: String) -> String {
        let inner = "unhex(sha2(concat(unhex(:hmac_inner_pad), encode(\(quote(column)), 'UTF-8')), 256))"
        let mac = "unhex(sha2(concat(unhex(:hmac_outer_pad), \(inner)), 256))"
        return "concat('tkh_', :hmac_key_id, '_', replace(translate(base64(\(mac)), '+/', '-_'), '=', ''))"
    }

    /// One UPDATE over the whole table, rendered from the shared push-down plan: Delta reports
    /// `num_affected_rows`. NULL, empty and tokenized values are skipped, so a re-run affects 0 rows.
    /// Parameters used: `<scheme>_pattern` for each scheme, and for hmac `hmac_key_id`, `hmac_inner_pad`,
    /// `hmac_outer_pad`.
    public static func update(table: TableReference, plan: PushDownPlan) -> (sql: String, parameters: Set<String>) {
        var parameters: Set<String> = []
        var assignments: [String] = []
        var needs: [String] = []
        for column in plan.columns {
            let q = quote(column.name)
            let patternParameter = "\(column.scheme.rawValue)_pattern"
            parameters.insert(patternParameter)
            var recognised = "\(q) RLIKE :\(patternParameter)"
            if let lengths = plan.shapes[column.scheme]?.lengths {
                recognised = "length(\(q)) IN (\(lengths.map(String.init).joined(separator: ", "))) AND \(recognised)"
            }
            let need = "(\(q) IS NOT NULL AND \(q) <> '' AND NOT (\(recognised)))"
            let token: String
            switch column.scheme {
            case .poc:
                token = pocToken(column.name)
            case .hmac:
                token = hmacToken(column.name)
                parameters.formUnion(["hmac_key_id", "hmac_inner_pad", "hmac_outer_pad"])
            case .siv, .ff1:
                preconditionFailure("\(column.scheme) tokens cannot be computed in Databricks SQL")
            }
            assignments.append("\(q) = CASE WHEN \(need) THEN \(token) ELSE \(q) END")
            needs.append(need)
        }
        let sql = "UPDATE \(qualifiedName(table)) SET \(assignments.joined(separator: ", ")) WHERE \(needs.joined(separator: " OR "))"
        return (sql, parameters)
    }
}
