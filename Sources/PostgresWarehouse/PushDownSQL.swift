import Tokenization
import WarehouseKit

/// SQL for batches whose tokens PostgreSQL computes itself (`poc`, `hmac`). Pure.
///
/// The hmac key's pads never appear in SQL text or bind parameters: they sit in a session temp table filled
/// through `COPY … FROM STDIN` (whose payload no logging setting records), which the UPDATE reads.
public enum PushDownSQL {
    /// The session temp table holding the newest hmac key's id and pads.
    public static let keyTable = "tokenize_action_hmac_key"

    public static let createKeyTable =
        "CREATE TEMP TABLE IF NOT EXISTS \(keyTable) (key_id text NOT NULL, inner_pad bytea NOT NULL, outer_pad bytea NOT NULL)"
    public static let clearKeyTable = "TRUNCATE \(keyTable)"
    public static let dropKeyTable = "DROP TABLE IF EXISTS pg_temp.\(keyTable)"

    /// The COPY text row of the key table: `bytea` values in hex form (`\\x…`, the backslash escaped for COPY).
    public static func keyRow(_ pads: HMACPads) -> String {
        "\(pads.keyID)\t\\\\x\(Hex.encode(pads.inner))\t\\\\x\(Hex.encode(pads.outer))\n"
    }

    /// A value a push-down statement binds.
    public enum Parameter: Sendable, Hashable {
        case runID, relation, lowerBound, upperBound
        /// A rehearsal's share of rows drawn (percent) and the most rows it writes.
        case samplePercent, sampleRows
        case pattern(TokenSchemeName)
        case lengths(TokenSchemeName)
        case prefixes(TokenSchemeName)
    }

    /// The key range a batch covers.
    public enum BatchRange: Sendable {
        /// `key > $lower AND key <= $upper` on a single-column primary key; the first batch has no lower bound.
        case primaryKey(column: String, castType: String, hasLowerBound: Bool)
        /// Physical pages `ctid >= '(lo,0)' AND ctid < '(hi,0)'`, for tables without a single-column key.
        case pages
    }

    /// SQL text and the values it binds, in placeholder order.
    public struct Statement: Sendable {
        public var sql: String
        public var parameters: [Parameter]
    }

    /// One batch: an UPDATE computing the tokens of the plan's columns over `range`, skipping NULL, empty and
    /// tokenized values, and — in the same statement, so atomically — adding the batch to the run's progress.
    /// Returns one row: the run's batches and rows so far, and the rows this batch changed.
    public static func batch(table: TableReference, plan: PushDownPlan, range: BatchRange, values: ColumnValues = .asStored) -> Statement {
        var update = TokenUpdate(plan, values)
        let rangePredicate: String
        switch range {
        case .primaryKey(let column, let castType, let hasLowerBound):
            let key = "t." + PostgresCatalogSQL.quote(column)
            let upper = "\(key) <= \(update.placeholder(.upperBound))::text::\(castType)"
            rangePredicate = hasLowerBound ? "\(key) > \(update.placeholder(.lowerBound))::text::\(castType) AND \(upper)" : upper
        case .pages:
            rangePredicate = "t.ctid >= \(update.placeholder(.lowerBound))::text::tid AND t.ctid < \(update.placeholder(.upperBound))::text::tid"
        }
        let sql = """
            WITH changed AS (UPDATE \(PostgresCatalogSQL.qualifiedName(table)) t SET \(update.assignments)\(update.from) \
            WHERE \(rangePredicate) AND (\(update.anyNeeded)) RETURNING 1), \
            counted AS (SELECT count(*)::bigint AS n FROM changed) \
            INSERT INTO tokenize_action.run_progress AS p (run_id, relation, last_key, batches, rows_updated) \
            SELECT \(update.placeholder(.runID)), \(update.placeholder(.relation)), \(update.placeholder(.upperBound)), 1, n FROM counted \
            ON CONFLICT (run_id, relation) DO UPDATE SET last_key = EXCLUDED.last_key, batches = p.batches + 1, \
            rows_updated = p.rows_updated + EXCLUDED.rows_updated, updated_at = now() \
            RETURNING p.batches, p.rows_updated, (SELECT n FROM counted)
            """
        return Statement(sql: sql, parameters: update.parameters)
    }

    /// A rehearsal: the batch's UPDATE on up to `$n` rows drawn by `TABLESAMPLE BERNOULLI ($p)` (every row at 100 %),
    /// without recording progress; the caller rolls it back. Returns the rows written.
    public static func rehearsal(table: TableReference, plan: PushDownPlan, values: ColumnValues = .asStored) -> Statement {
        var update = TokenUpdate(plan, values)
        let name = PostgresCatalogSQL.qualifiedName(table)
        let sampled =
            "ARRAY(SELECT s.ctid FROM \(name) s TABLESAMPLE BERNOULLI (\(update.placeholder(.samplePercent))::float8) LIMIT "
            + "\(update.placeholder(.sampleRows))::int)"
        let sql = """
            WITH changed AS (UPDATE \(name) t SET \(update.assignments)\(update.from) \
            WHERE t.ctid = ANY (\(sampled)) AND (\(update.anyNeeded)) RETURNING 1) SELECT count(*)::bigint FROM changed
            """
        return Statement(sql: sql, parameters: update.parameters)
    }

    /// The parts a batch and a rehearsal share: the bound parameters in order, the predicates saying which cells need
    /// a token, the assignments writing them (other cells keep their value), and the key table's join for hmac.
    private struct TokenUpdate {
        var parameters: [Parameter] = []
        var needs: [String] = []
        var assignments = ""
        var from = ""

        init(_ plan: PushDownPlan, _ values: ColumnValues) {
            var parameters: [Parameter] = []
            needs = PushDownSQL.needPredicates(plan, values) { parameter in
                if let index = parameters.firstIndex(of: parameter) { return "$\(index + 1)" }
                parameters.append(parameter)
                return "$\(parameters.count)"
            }
            self.parameters = parameters
            assignments = zip(plan.columns, needs).map { column, need in
                let stored = "t." + PostgresCatalogSQL.quote(column.name)
                let token = PushDownSQL.token(column, reference: values.value(of: column.name))
                return "\(PostgresCatalogSQL.quote(column.name)) = CASE WHEN \(need) THEN \(token) ELSE \(stored) END"
            }.joined(separator: ", ")
            // The key table holds one row, but PostgreSQL, which never analyzes it (its statistics would hold key
            // material), estimates hundreds: the join's cost then passed `jit_above_cost` and every batch paid about
            // 100 ms of JIT compilation. `LIMIT 1` tells the planner the truth.
            if plan.columns.contains(where: { $0.scheme == .hmac }) {
                from = " FROM (SELECT key_id, inner_pad, outer_pad FROM pg_temp.\(PushDownSQL.keyTable) LIMIT 1) k"
            }
        }

        /// Whether any of the row's cells needs a token.
        var anyNeeded: String { needs.joined(separator: " OR ") }

        /// `$n` of `parameter`, added at its first use.
        mutating func placeholder(_ parameter: Parameter) -> String {
            if let index = parameters.firstIndex(of: parameter) { return "$\(index + 1)" }
            parameters.append(parameter)
            return "$\(parameters.count)"
        }
    }

    /// Whether any row still holds a value of the plan's columns that is neither empty nor a token. Read only; it
    /// stops at the first such row. When none does (an idempotent re-run), the run needs no batch at all.
    public static func anyPending(table: TableReference, plan: PushDownPlan, values: ColumnValues = .asStored) -> Statement {
        let update = TokenUpdate(plan, values)
        let sql = "SELECT EXISTS (SELECT 1 FROM \(PostgresCatalogSQL.qualifiedName(table)) t WHERE \(update.anyNeeded))"
        return Statement(sql: sql, parameters: update.parameters)
    }

    /// Per column of the plan: its value needs a token (not NULL, not empty or whitespace only, not recognised as a
    /// token by length and pattern).
    private static func needPredicates(_ plan: PushDownPlan, _ values: ColumnValues, _ placeholder: (Parameter) -> String) -> [String] {
        plan.columns.map { column in
            let q = values.value(of: column.name)
            let recognised: String
            if let shape = plan.shapes[column.scheme], !shape.prefixes.isEmpty {
                recognised = TokenShapeSQL.shaped(
                    q, prefixes: placeholder(.prefixes(column.scheme)), lengths: shape.lengths == nil ? nil : placeholder(.lengths(column.scheme)))
            } else {
                recognised = "\(q) ~ \(placeholder(.pattern(column.scheme)))"
            }
            return "(\(TokenShapeSQL.holdsValue(q)) AND NOT (\(recognised)))"
        }
    }

    /// The token of a column (`reference`, e.g. `t."email"`), byte-identical to the Swift token.
    static func token(_ column: ColumnPlan, reference: String) -> String {
        switch column.scheme {
        case .poc: return pocToken(reference)
        case .hmac: return hmacToken(reference)
        case .siv, .ff1: preconditionFailure("\(column.scheme) tokens cannot be computed in SQL")
        }
    }

    /// The `poc` token of a text expression: PostgreSQL's base64 wraps lines at 76 characters, so newlines
    /// are removed.
    public static func pocToken(_ value: String) -> String {
        "'tok_' || translate(encode(convert_to(\(value), 'UTF8'), 'base64'), E'\\n', '') || '_poc'"
    }

    /// The `hmac` token of a text expression: HMAC-SHA256 from `sha256` and the pads in the key table (`k`), `'tkh_' || key id || '_' ||
    /// base64url(mac)` without padding.
    public static func hmacToken(_ value: String) -> String {
        let mac = "sha256(k.outer_pad || sha256(k.inner_pad || convert_to(\(value), 'UTF8')))"
        return "'tkh_' || k.key_id || '_' || rtrim(translate(encode(\(mac), 'base64'), '+/', '-_'), '=')"
    }

    /// The upper key of the next batch of at most `$2` rows after `$1` (or from the start, `$1` the limit), as text.
    public static func nextKeyBound(table: TableReference, keyColumn: String, castType: String, hasLowerBound: Bool) -> String {
        let key = PostgresCatalogSQL.quote(keyColumn)
        let predicate = hasLowerBound ? "WHERE \(key) > $1::text::\(castType)" : ""
        let limit = hasLowerBound ? "$2" : "$1"
        return
            "SELECT max(k)::text FROM (SELECT \(key) AS k FROM \(PostgresCatalogSQL.qualifiedName(table)) \(predicate) ORDER BY \(key) "
            + "LIMIT \(limit)) AS batch"
    }
}
