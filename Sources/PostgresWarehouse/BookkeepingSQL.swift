/// The service's own tables in each database it tokenizes in (schema `tokenize_action`): the progress of each
/// run, written in the same transaction as the batch it counts, the ff1 ledger, and the marks of clean
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
        """
        CREATE TABLE IF NOT EXISTS tokenize_action.ff1_ledger (
            relation text NOT NULL, column_name text NOT NULL, row_key text NOT NULL,
            key_id text NOT NULL, token_digest bytea NOT NULL, written_xid xid8,
            PRIMARY KEY (relation, column_name, row_key))
        """,
        // Ledgers made before `written_xid` existed get it (NULL for their entries: those are checked by digest).
        // Looked up first: `ADD COLUMN IF NOT EXISTS` would take an exclusive lock on every preparation.
        """
        DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'tokenize_action.ff1_ledger'::regclass
                AND attname = 'written_xid' AND NOT attisdropped) THEN
                ALTER TABLE tokenize_action.ff1_ledger ADD COLUMN written_xid xid8;
            END IF;
        END $$
        """,
        VerificationMarkSQL.createTable,
    ]

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
