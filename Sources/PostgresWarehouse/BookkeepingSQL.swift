import Crypto
import Foundation

/// The service's own tables in each database it tokenizes in (schema `tokenize_action`): the progress of each
/// run, written in the same transaction as the batch it counts, the ff1 ledger (`FF1LedgerSQL`), and the marks of clean
/// verifications (`VerificationMarkSQL`).
enum BookkeepingSQL {
    /// Serialises schema creation between processes (`CREATE … IF NOT EXISTS` races otherwise).
    static let setupLock = "SELECT pg_advisory_xact_lock(7236411620455235917)"

    static let setup = [
        "CREATE SCHEMA IF NOT EXISTS tokenize_action",
        """
        CREATE TABLE IF NOT EXISTS tokenize_action.run_progress (
            run_id text NOT NULL, relation text NOT NULL, last_key text, batches integer NOT NULL DEFAULT 0,
            rows_updated bigint NOT NULL DEFAULT 0, updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (run_id, relation))
        """,
        FF1LedgerSQL.createColumns,
        FF1LedgerSQL.createRelationIDs,
        FF1LedgerSQL.createRows,
        FF1LedgerSQL.migrate,
        FF1LedgerSQL.createView,
        VerificationMarkSQL.createTable,
        "CREATE TABLE IF NOT EXISTS tokenize_action.bookkeeping_layouts (layout text PRIMARY KEY, set_up_at timestamptz NOT NULL DEFAULT now())",
    ]

    /// What a `setup` that collided with another session's creating the same object fails with: unique violation
    /// (in `pg_namespace` or `pg_type`), duplicate schema, table or object.
    static let createdMeanwhile: Set<String> = ["23505", "42P06", "42P07", "42710"]

    /// The layout `setup` makes: a digest of its statements, so any change to them is a new layout.
    static let layout =
        "sha256:" + SHA256.hash(data: Data(setup.joined(separator: "\n;\n").utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()

    /// Records, after `setup` (in its transaction), that this database has `layout` (`$1`).
    static let recordLayout = "INSERT INTO tokenize_action.bookkeeping_layouts (layout) VALUES ($1) ON CONFLICT DO NOTHING"

    /// Whether this database has the layout `$1` (set up by `setup` of this version), with every relation it creates
    /// still there: then `setup` is not run (one statement, not a transaction of eleven), by any process; it runs
    /// again when something was dropped. Fails (undefined table) on a database no setup recorded a layout in.
    static let current = """
        SELECT EXISTS (SELECT 1 FROM tokenize_action.bookkeeping_layouts WHERE layout = $1)
            AND to_regclass('tokenize_action.run_progress') IS NOT NULL AND to_regclass('tokenize_action.ff1_columns') IS NOT NULL
            AND to_regclass('tokenize_action.ff1_relation_ids') IS NOT NULL AND to_regclass('tokenize_action.ff1_rows') IS NOT NULL
            AND to_regclass('tokenize_action.ff1_ledger') IS NOT NULL AND to_regclass('tokenize_action.verified_marks') IS NOT NULL
        """

    /// A run's progress on a relation (`$1` run id, `$2` relation).
    static let readProgress = "SELECT last_key, batches, rows_updated FROM tokenize_action.run_progress WHERE run_id = $1 AND relation = $2"

    /// Adds one batch to a run's progress. Parameters: run id, relation, the batch's last key, rows it changed.
    static let recordBatch = """
        INSERT INTO tokenize_action.run_progress AS p (run_id, relation, last_key, batches, rows_updated)
        VALUES ($1, $2, $3, 1, $4)
        ON CONFLICT (run_id, relation) DO UPDATE SET last_key = EXCLUDED.last_key, batches = p.batches + 1,
            rows_updated = p.rows_updated + EXCLUDED.rows_updated, updated_at = now()
        RETURNING batches, rows_updated
        """
}
