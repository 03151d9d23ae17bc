/// The ff1 ledger in each database the service tokenizes in: which cells hold ff1 tokens (they look like plaintext,
/// so nothing else tells). Pure.
///
/// One row per table row (`ff1_rows`), keyed by the relation's id and the row's key as text (collation "C"). Each
/// ff1 column a relation ever had gets a slot, 1, 2, … (`ff1_columns`), and slot `s` of a row is that column's entry:
/// - `key_ids[s]`: the key of the token the cell holds; `''` when the column has no entry in this row;
/// - 16 bytes of `digests` from byte 16·(s−1): the token's keyed digest (zeros when there is no entry);
/// - `fresh[s]`: whether the entry was written by the row's `written_xid`, the last transaction to write the row,
///   which also wrote the token into the table (`VerificationSQL` then needs no digest).
///
/// One row per table row rather than per cell halves the entries and their index: on 1M rows × 2 columns, 3.8 s of
/// inserts against 9 s, and a batch's lookups a quarter of the time. The view `ff1_ledger` shows one row per cell,
/// as the ledger was before (and ledgers made that way are moved into this one by `migrate`).
public enum FF1LedgerSQL {
    /// Bytes of a ledger digest (`Tokenizer.tokenDigest`).
    public static let digestLength = 16

    static let createColumns = """
        CREATE TABLE IF NOT EXISTS tokenize_action.ff1_columns (
            relation text NOT NULL, column_name text NOT NULL, relation_id integer NOT NULL, slot smallint NOT NULL,
            PRIMARY KEY (relation, column_name), UNIQUE (relation_id, slot))
        """

    static let createRelationIDs = "CREATE SEQUENCE IF NOT EXISTS tokenize_action.ff1_relation_ids AS integer"

    static let createRows = """
        CREATE TABLE IF NOT EXISTS tokenize_action.ff1_rows (
            relation_id integer NOT NULL, row_key text COLLATE "C" NOT NULL,
            key_ids text[] NOT NULL, digests bytea NOT NULL, fresh boolean[] NOT NULL, written_xid xid8 NOT NULL,
            PRIMARY KEY (relation_id, row_key))
        """

    /// Gives each of the columns `$2` of relation `$1` that has none a slot (the relation an id, if new). Run under
    /// the bookkeeping lock: slots are numbered on from the relation's highest.
    public static let register = """
        WITH known AS (SELECT max(relation_id) AS relation_id, coalesce(max(slot), 0) AS slots
                FROM tokenize_action.ff1_columns WHERE relation = $1),
            id AS (SELECT coalesce(k.relation_id, nextval('tokenize_action.ff1_relation_ids')::integer) AS relation_id, k.slots FROM known k)
        INSERT INTO tokenize_action.ff1_columns (relation, column_name, relation_id, slot)
        SELECT $1, u.c, id.relation_id, (id.slots + row_number() OVER (ORDER BY u.o))::smallint
        FROM unnest($2::text[]) WITH ORDINALITY AS u(c, o), id
        WHERE NOT EXISTS (SELECT 1 FROM tokenize_action.ff1_columns x WHERE x.relation = $1 AND x.column_name = u.c)
        """

    /// The id and slots of relation `$1`'s columns `$2`.
    public static let slots = """
        SELECT column_name, relation_id, slot::integer FROM tokenize_action.ff1_columns
        WHERE relation = $1 AND column_name = ANY($2::text[])
        """

    /// Moves a ledger made with one row per cell (`ff1_ledger` as a table) into `ff1_rows`, once, under the
    /// bookkeeping lock. Its entries keep their keys and digests; none is fresh (their transactions are not carried
    /// over, so the verification checks them by digest). The old table is kept, renamed `ff1_ledger_migrated`.
    static let migrate = """
        DO $migrate$
        DECLARE m record;
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_class WHERE oid = to_regclass('tokenize_action.ff1_ledger') AND relkind = 'r') THEN
                RETURN;
            END IF;
            FOR m IN SELECT DISTINCT relation, column_name FROM tokenize_action.ff1_ledger ORDER BY 1, 2 LOOP
                EXECUTE $register$\(register)$register$ USING m.relation, ARRAY[m.column_name];
            END LOOP;
            INSERT INTO tokenize_action.ff1_rows (relation_id, row_key, key_ids, digests, fresh, written_xid)
            SELECT r.relation_id, r.row_key,
                array_agg(coalesce(l.key_id, '') ORDER BY s.slot),
                string_agg(
                    coalesce(substr(l.token_digest, 1, \(digestLength)), '\\x\(String(repeating: "00", count: digestLength))'::bytea),
                    ''::bytea ORDER BY s.slot),
                array_agg(false ORDER BY s.slot),
                pg_current_xact_id()
            FROM (SELECT DISTINCT c.relation_id, c.relation, l.row_key FROM tokenize_action.ff1_ledger l
                    JOIN tokenize_action.ff1_columns c USING (relation, column_name)) r
                JOIN tokenize_action.ff1_columns s ON s.relation_id = r.relation_id
                LEFT JOIN tokenize_action.ff1_ledger l ON l.relation = r.relation AND l.column_name = s.column_name AND l.row_key = r.row_key
            GROUP BY r.relation_id, r.row_key;
            ALTER TABLE tokenize_action.ff1_ledger RENAME TO ff1_ledger_migrated;
        END $migrate$
        """

    /// The ledger as one row per cell, for people and tools that read it (and older versions of the service,
    /// which can read it but not write it: an insert into the view fails, so they fail rather than miss an entry).
    static let createView = """
        DO $view$ BEGIN
            IF to_regclass('tokenize_action.ff1_ledger') IS NULL THEN
                CREATE VIEW tokenize_action.ff1_ledger AS
                SELECT c.relation, c.column_name, l.row_key COLLATE "default" AS row_key, l.key_ids[c.slot] AS key_id,
                    \(digest("l", slot: "c.slot")) AS token_digest, CASE WHEN l.fresh[c.slot] THEN l.written_xid END AS written_xid
                FROM tokenize_action.ff1_rows l JOIN tokenize_action.ff1_columns c ON c.relation_id = l.relation_id
                WHERE l.key_ids[c.slot] <> '';
            END IF;
        END $view$
        """

    /// The ledger rows of a batch: `$1` relation id, `$2` row keys. One primary-key probe per key, whatever the
    /// ledger's size and statistics: the `LATERAL` subquery (kept apart by its `LIMIT`) can only be reached through
    /// its parameters, and `LIMIT 1` (the key is unique) makes it a plain index scan even on statistics that predict
    /// many rows per key (a bitmap scan per key, and JIT compilation for the batch, otherwise). As `row_key = ANY($2)`
    /// the planner chose a parallel sequential scan of the whole ledger once a relation's entries were a large share
    /// of it.
    public static let lookup = """
        SELECT k.row_key, e.key_ids, e.digests, e.fresh
        FROM unnest($2::text[]) AS k(row_key)
        CROSS JOIN LATERAL (SELECT l.key_ids, l.digests, l.fresh FROM tokenize_action.ff1_rows l
            WHERE l.relation_id = $1 AND l.row_key = k.row_key COLLATE "C" LIMIT 1) AS e
        """

    /// Records the ledger rows of table rows that had none: `$1` relation id, then per row its key, key ids (an
    /// array literal), digests and fresh flags (an array literal). A plain INSERT: the batch read the ledger after
    /// locking its rows, and every ledger writer locks the rows first, so no entry can appear meanwhile.
    public static let insert = """
        INSERT INTO tokenize_action.ff1_rows (relation_id, row_key, key_ids, digests, fresh, written_xid)
        SELECT $1, u.k, u.i::text[], u.d, u.f::boolean[], pg_current_xact_id()
        FROM unnest($2::text[], $3::text[], $4::bytea[], $5::text[]) AS u(k, i, d, f)
        """

    /// Replaces the ledger rows of table rows that had one, same parameters.
    public static let update = """
        UPDATE tokenize_action.ff1_rows l SET key_ids = u.i::text[], digests = u.d, fresh = u.f::boolean[], written_xid = pg_current_xact_id()
        FROM unnest($2::text[], $3::text[], $4::bytea[], $5::text[]) AS u(k, i, d, f)
        WHERE l.relation_id = $1 AND l.row_key = u.k COLLATE "C"
        """

    // MARK: Fragments for the verification scan

    /// The id of relation `relation` (an SQL expression), NULL when it has no ff1 column.
    static func relationID(_ relation: String) -> String {
        "(SELECT f.relation_id FROM tokenize_action.ff1_columns f WHERE f.relation = \(relation) LIMIT 1)"
    }

    /// The slot of a column, NULL when it has none (no entry can match).
    static func slot(relation: String, column: String) -> String {
        "(SELECT f.slot FROM tokenize_action.ff1_columns f WHERE f.relation = \(relation) AND f.column_name = \(column))"
    }

    /// Slot `slot`'s digest in ledger row `row`.
    static func digest(_ row: String, slot: String) -> String {
        "substr(\(row).digests, \(digestLength) * (\(slot) - 1) + 1, \(digestLength))"
    }
}
