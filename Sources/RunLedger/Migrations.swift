import Catalog

/// The state database's schema, as versioned migrations. Each runs once, in order, in one transaction with
/// its bookkeeping row; a process that finds a version applied skips it. Never edit a shipped migration: add
/// the next version.
enum Migrations {
    struct Migration {
        var version: Int
        var description: String
        var statements: [String]
    }

    /// Serialises migrations between processes starting together.
    static let lock = "SELECT pg_advisory_xact_lock(7236411620455235918)"

    static let bootstrap = [
        "CREATE SCHEMA IF NOT EXISTS tokenize_action",
        """
        CREATE TABLE IF NOT EXISTS tokenize_action.schema_migrations (
            version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
        """,
    ]

    static let applied = "SELECT version FROM tokenize_action.schema_migrations"
    static let record = "INSERT INTO tokenize_action.schema_migrations (version, description) VALUES ($1, $2)"

    static let all: [Migration] = [
        Migration(
            version: 1, description: "run ledger and dead letters",
            statements: [
                """
                CREATE TABLE tokenize_action.runs (
                    run_id uuid PRIMARY KEY,
                    kind text NOT NULL DEFAULT 'run',
                    dataset text NOT NULL,
                    status text NOT NULL,
                    source text NOT NULL,
                    requested_by text,
                    kafka_topic text,
                    kafka_partition integer,
                    kafka_offset bigint,
                    tag_triggered boolean NOT NULL DEFAULT false,
                    scope jsonb NOT NULL,
                    mode text NOT NULL DEFAULT 'tokenize',
                    columns jsonb NOT NULL DEFAULT '[]',
                    schemes jsonb NOT NULL DEFAULT '{}',
                    rows_updated bigint NOT NULL DEFAULT 0,
                    batches integer NOT NULL DEFAULT 0,
                    planned_batches integer,
                    last_key text,
                    details text NOT NULL DEFAULT '',
                    error_code text,
                    attempts integer NOT NULL DEFAULT 0,
                    coalesced_into uuid REFERENCES tokenize_action.runs (run_id),
                    owner text,
                    next_attempt_at timestamptz NOT NULL DEFAULT now(),
                    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                    started_at timestamptz,
                    finished_at timestamptz,
                    updated_at timestamptz NOT NULL DEFAULT now(),
                    writeback_state text NOT NULL DEFAULT 'none',
                    writeback_attempts integer NOT NULL DEFAULT 0,
                    writeback_error text)
                """,
                """
                CREATE UNIQUE INDEX runs_kafka_position ON tokenize_action.runs (kafka_topic, kafka_partition, kafka_offset)
                WHERE kafka_topic IS NOT NULL
                """,
                "CREATE INDEX runs_by_dataset ON tokenize_action.runs (dataset, created_at DESC)",
                """
                CREATE INDEX runs_due ON tokenize_action.runs (next_attempt_at)
                WHERE status IN ('QUEUED', 'RUNNING') OR writeback_state = 'pending'
                """,
                """
                CREATE TABLE tokenize_action.dead_letters (
                    id bigserial PRIMARY KEY,
                    topic text NOT NULL,
                    partition integer NOT NULL,
                    "offset" bigint NOT NULL,
                    key bytea,
                    value bytea,
                    reason_code text NOT NULL,
                    reason text NOT NULL,
                    received_at timestamptz NOT NULL DEFAULT now(),
                    replayed_at timestamptz,
                    replay_outcome text,
                    UNIQUE (topic, partition, "offset"))
                """,
            ]),
        Migration(
            version: 2, description: "policy: approvals and who approved a run",
            statements: [
                "ALTER TABLE tokenize_action.runs ADD COLUMN approved_by text, ADD COLUMN approved_at timestamptz",
                "DROP INDEX tokenize_action.runs_due",
                """
                CREATE INDEX runs_due ON tokenize_action.runs (next_attempt_at)
                WHERE status IN ('QUEUED', 'RUNNING') OR (status = 'AWAITING_APPROVAL' AND approved_by IS NOT NULL) OR writeback_state = 'pending'
                """,
                """
                CREATE TABLE tokenize_action.approvals (
                    id bigserial PRIMARY KEY,
                    dataset text NOT NULL,
                    approver text NOT NULL,
                    run_id uuid REFERENCES tokenize_action.runs (run_id),
                    outcome text NOT NULL,
                    reason text,
                    kafka_topic text,
                    kafka_partition integer,
                    kafka_offset bigint,
                    received_at timestamptz NOT NULL DEFAULT now())
                """,
                "CREATE INDEX approvals_position ON tokenize_action.approvals (kafka_topic, kafka_partition, kafka_offset) WHERE "
                    + "kafka_topic IS NOT NULL",
                "CREATE INDEX approvals_by_dataset ON tokenize_action.approvals (dataset, received_at DESC)",
            ]),
        Migration(
            version: 3, description: "verification and residue of each run",
            statements: ["ALTER TABLE tokenize_action.runs ADD COLUMN verification jsonb, ADD COLUMN residue jsonb"]),
        Migration(
            version: 5, description: "progress of a running run (percent, pace, time left)",
            statements: ["ALTER TABLE tokenize_action.runs ADD COLUMN progress jsonb"]),
        Migration(
            version: 6, description: "plans (dry runs) and their findings (kind 'plan'); downstream copies after a run; attempts in progress",
            statements: [
                "ALTER TABLE tokenize_action.runs ADD COLUMN plan jsonb, ADD COLUMN downstream jsonb, ADD COLUMN attempting boolean NOT "
                    + "NULL DEFAULT false"
            ]),
        Migration(
            version: 7, description: "write-backs asked for while one was being published (an ignored approval)",
            statements: ["ALTER TABLE tokenize_action.runs ADD COLUMN writeback_revision integer NOT NULL DEFAULT 0"]),
        Migration(
            version: 8, description: "what a run found around its table, its deviations and normalizations; stopped attempts (crash guard)",
            statements: [
                """
                ALTER TABLE tokenize_action.runs ADD COLUMN table_report jsonb, ADD COLUMN deviations jsonb, ADD COLUMN normalizations jsonb,
                    ADD COLUMN stopped_attempts integer NOT NULL DEFAULT 0, ADD COLUMN careful boolean NOT NULL DEFAULT false,
                    ADD COLUMN attempt_batches integer
                """
            ]),
        Migration(
            version: 9, description: "a run's kind in its scope (tokenize, verify, plan) in place of two flags",
            statements: [
                """
                UPDATE tokenize_action.runs SET scope = (scope - 'verify_only' - 'plan_only')
                    || jsonb_build_object('kind', CASE WHEN scope->>'plan_only' = 'true' THEN 'plan'
                                                       WHEN scope->>'verify_only' = 'true' THEN 'verify' ELSE 'tokenize' END)
                    WHERE NOT scope ? 'kind'
                """
            ]),
        Migration(
            version: 4, description: "audit trail: hash-chained, append-only run events",
            statements: [
                """
                CREATE TABLE tokenize_action.run_events (
                    run_id uuid NOT NULL REFERENCES tokenize_action.runs (run_id),
                    seq integer NOT NULL,
                    at text NOT NULL,
                    kind text NOT NULL,
                    data text NOT NULL,
                    prev_hash text NOT NULL,
                    hash text NOT NULL,
                    recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                    PRIMARY KEY (run_id, seq))
                """,
                "CREATE INDEX run_events_by_time ON tokenize_action.run_events (recorded_at)",
                """
                CREATE FUNCTION tokenize_action.run_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'tokenize_action.run_events is append-only'; END $$
                """,
                """
                CREATE TRIGGER run_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON tokenize_action.run_events
                FOR EACH STATEMENT EXECUTE FUNCTION tokenize_action.run_events_append_only()
                """,
            ]),
        Migration(
            version: 10, description: "erasure requests: the queue, sealed identifiers while open, receipts, their audit trail",
            statements: [
                """
                CREATE TABLE tokenize_action.erasures (
                    id uuid PRIMARY KEY,
                    status text NOT NULL,
                    source text NOT NULL,
                    source_id text NOT NULL,
                    received_at timestamptz NOT NULL,
                    due_at timestamptz NOT NULL,
                    next_attempt_at timestamptz NOT NULL DEFAULT now(),
                    record jsonb NOT NULL,
                    sealed text,
                    receipt text,
                    updated_at timestamptz NOT NULL DEFAULT now(),
                    UNIQUE (source, source_id),
                    CHECK (status IN ('AWAITING_APPROVAL', 'OPEN') OR sealed IS NULL))
                """,
                "CREATE INDEX erasures_due ON tokenize_action.erasures (due_at) WHERE status = 'OPEN'",
                "CREATE INDEX erasures_by_due ON tokenize_action.erasures (due_at, id)",
                """
                CREATE TABLE tokenize_action.erasure_events (
                    erasure_id uuid NOT NULL REFERENCES tokenize_action.erasures (id),
                    seq integer NOT NULL,
                    at text NOT NULL,
                    kind text NOT NULL,
                    data text NOT NULL,
                    prev_hash text NOT NULL,
                    hash text NOT NULL,
                    recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                    PRIMARY KEY (erasure_id, seq))
                """,
                """
                CREATE FUNCTION tokenize_action.erasure_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'tokenize_action.erasure_events is append-only'; END $$
                """,
                """
                CREATE TRIGGER erasure_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON tokenize_action.erasure_events
                FOR EACH STATEMENT EXECUTE FUNCTION tokenize_action.erasure_events_append_only()
                """,
            ]),
    ]
}
