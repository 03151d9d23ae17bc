import Catalog

/// The run ledger's statements, by name (the row mapping's own are in `RunRow`, the schema in `Migrations`). Pure:
/// every value is a bound parameter; the only text built in is a limit the service chose.
enum LedgerSQL {
    /// Open runs: not settled yet.
    static let open = "status IN ('QUEUED', 'RUNNING', 'AWAITING_APPROVAL')"
    /// Runs with work due: open, approved while awaiting approval, or a write-back pending.
    static let due = "(status IN ('QUEUED', 'RUNNING') OR (status = 'AWAITING_APPROVAL' AND approved_by IS NOT NULL) OR writeback_state = 'pending')"

    /// Serialises enqueues and approvals of one dataset (`$1`) until the transaction ends.
    static let lockDatasetForEnqueue = "SELECT pg_advisory_xact_lock(hashtextextended('tokenize-action/enqueue/' || $1, 0))"
    /// Serialises the audit trail of one run (`$1`) until the transaction ends.
    static let lockRunEvents = "SELECT pg_advisory_xact_lock(hashtextextended('tokenize-action/events/' || $1, 0))"
    /// A dataset's lock held by one worker for as long as its session (`PostgresDatasetLocks`).
    static let tryLockDataset = "SELECT pg_try_advisory_lock(hashtextextended('tokenize-action/dataset/' || $1, 0))"
    static let unlockDataset = "SELECT pg_advisory_unlock(hashtextextended('tokenize-action/dataset/' || $1, 0))"

    /// Predicates over runs for `RunRow.select … WHERE`, with their parameters.
    enum Where {
        static let runID = "run_id = $1::uuid"
        static let kafkaPosition = "kafka_topic = $1 AND kafka_partition = $2 AND kafka_offset = $3"
        static let openOfDataset = "dataset = $1 AND kind IN ('run', 'plan') AND \(LedgerSQL.open) ORDER BY created_at"
        static let coalescedInto = "coalesced_into = $1::uuid ORDER BY created_at"
        static let awaitingApproval = "dataset = $1 AND kind = 'run' AND status = 'AWAITING_APPROVAL' AND approved_by IS NULL ORDER BY created_at"
        static let nextWork =
            "dataset = $1 AND kind IN ('run', 'plan') AND \(LedgerSQL.due) ORDER BY (writeback_state = 'pending') DESC, created_at LIMIT 1"
        static let latestRun =
            "dataset = $1 AND kind = 'run' AND status <> 'COALESCED' AND scope->>'kind' = 'tokenize' ORDER BY created_at DESC LIMIT 1"

        /// Runs and plans (not verifications), optionally of one dataset and one status, newest first.
        static func listing(dataset: Bool, status: Bool, limit: Int) -> String {
            var predicates = ["kind IN ('run', 'plan')"]
            var parameter = 0
            if dataset {
                parameter += 1
                predicates.append("dataset = $\(parameter)")
            }
            if status {
                parameter += 1
                predicates.append("status = $\(parameter)")
            }
            return predicates.joined(separator: " AND ") + " ORDER BY created_at DESC LIMIT \(max(1, min(limit, 1000)))"
        }
    }

    /// A request merged into the queued run `$1` (scope, tag_triggered, mode, requested_by), only while no attempt
    /// works on it (`beginAttempt` holds the row lock this re-checks). Returns a row when it merged.
    static let mergeIntoQueued = """
        UPDATE tokenize_action.runs SET scope = $2::jsonb, tag_triggered = $3, mode = $4, requested_by = $5, updated_at = now()
        WHERE run_id = $1::uuid AND NOT attempting AND status = 'QUEUED' RETURNING 1
        """

    /// Datasets with due work, oldest first, and whether an open run of each must run alone (`CrashGuard`).
    static func dueDatasets(limit: Int) -> String {
        """
        SELECT dataset, bool_or(careful AND status IN ('QUEUED', 'RUNNING')) FROM tokenize_action.runs
        WHERE kind IN ('run', 'plan') AND \(due) AND next_attempt_at <= now()
        GROUP BY dataset ORDER BY min(created_at) LIMIT \(max(1, limit))
        """
    }

    /// Whether run `$1` is due now (not waiting for a retry).
    static let isDue = "SELECT next_attempt_at <= now() FROM tokenize_action.runs WHERE run_id = $1::uuid"

    /// Begins an attempt of run `$1` by process `$2`, its row locked; returns the row and how the previous attempt
    /// left it (attempting, owner, batches when it began, batches, stopped attempts, careful).
    static func beginAttempt(returning columns: String) -> String {
        """
        WITH previous AS (SELECT run_id, attempting, owner, attempt_batches, batches, stopped_attempts, careful
                          FROM tokenize_action.runs WHERE run_id = $1::uuid FOR UPDATE)
        UPDATE tokenize_action.runs r SET attempts = r.attempts + 1, started_at = coalesce(r.started_at, now()), owner = $2, attempting = true,
            attempt_batches = r.batches, updated_at = now()
        FROM previous WHERE r.run_id = previous.run_id
        RETURNING \(columns), previous.attempting, previous.owner, previous.attempt_batches, previous.batches, previous.stopped_attempts,
            previous.careful
        """
    }

    /// Run `$1`'s stopped attempts in a row (`$2`) and whether its attempts work carefully (`$3`).
    static let setStoppedAttempts = "UPDATE tokenize_action.runs SET stopped_attempts = $2, careful = $3 WHERE run_id = $1::uuid"
    static let clearStoppedAttempts = "UPDATE tokenize_action.runs SET stopped_attempts = 0, careful = false WHERE run_id = $1::uuid"

    /// A running run's progress (`$1` run, rows, batches, last key, planned batches, the progress document): never
    /// backwards, kept only while RUNNING.
    static let saveProgress = """
        UPDATE tokenize_action.runs SET rows_updated = greatest(rows_updated, $2), batches = greatest(batches, $3), last_key = $4,
            planned_batches = coalesce($5, planned_batches), progress = CASE WHEN status = 'RUNNING' THEN $6::jsonb END, updated_at = now()
        WHERE run_id = $1::uuid
        """

    /// A waiting run `$1` takes a requester (`RequesterAdoption`): scope, tag_triggered, mode, requested_by.
    static let adoptRequester = """
        UPDATE tokenize_action.runs SET scope = $2::jsonb, tag_triggered = $3, mode = $4, requested_by = $5, updated_at = now()
        WHERE run_id = $1::uuid AND status = 'QUEUED' AND requested_by IS NULL RETURNING 1
        """

    /// Queued run `$1` joins run `$2` (COALESCED, with details `$3`), only if no attempt began on it.
    static let absorbQueued = """
        UPDATE tokenize_action.runs SET status = 'COALESCED', coalesced_into = $2::uuid, details = $3, updated_at = now()
        WHERE run_id = $1::uuid AND status = 'QUEUED' AND NOT attempting AND attempts = 0
        """

    /// An approval's verdict on run `$1`: approver, when, details, write-back state and revision.
    static let judgeApproval = """
        UPDATE tokenize_action.runs SET approved_by = $2, approved_at = $3, details = $4, writeback_state = $5,
            writeback_revision = $6, next_attempt_at = now(), updated_at = now()
        WHERE run_id = $1::uuid
        """
    static let approvalAtPosition =
        "SELECT 1 FROM tokenize_action.approvals WHERE kafka_topic = $1 AND kafka_partition = $2 AND kafka_offset = $3 LIMIT 1"
    static let insertApproval = """
        INSERT INTO tokenize_action.approvals (dataset, approver, run_id, outcome, reason, kafka_topic, kafka_partition, kafka_offset)
        VALUES ($1, $2, $3::uuid, $4, $5, $6, $7, $8)
        """

    /// The columns of an audit event, in `PostgresRunStore.decodeEvent`'s order.
    static let eventColumns = "run_id::text, seq, at, kind, data, prev_hash, hash"
    /// The insert of an event whose predecessor is known, under the run's lock (held until the statement's implicit
    /// transaction commits, so an appender that reads the tail under the lock sees it).
    static let appendEventAfterKnownTail = """
        WITH run_lock AS (SELECT pg_advisory_xact_lock(hashtextextended('tokenize-action/events/' || $1, 0)))
        INSERT INTO tokenize_action.run_events (run_id, seq, at, kind, data, prev_hash, hash)
        SELECT $1::uuid, $2, $3, $4, $5, $6, $7 FROM run_lock
        """
    static let appendEvent =
        "INSERT INTO tokenize_action.run_events (run_id, seq, at, kind, data, prev_hash, hash) VALUES ($1::uuid, $2, $3, $4, $5, $6, $7)"
    static let lastEvent = "SELECT \(eventColumns) FROM tokenize_action.run_events WHERE run_id = $1::uuid ORDER BY seq DESC LIMIT 1"
    static let eventsOfRun = "SELECT \(eventColumns) FROM tokenize_action.run_events WHERE run_id = $1::uuid ORDER BY seq"

    /// Every event recorded since `$1`, oldest first.
    static func eventsSince(limit: Int) -> String {
        "SELECT \(eventColumns) FROM tokenize_action.run_events WHERE recorded_at >= $1 ORDER BY recorded_at, run_id, seq LIMIT \(max(1, limit))"
    }

    /// The dead-letter table's columns, in `DeadLetterStore`'s order.
    static let deadLetterColumns = "id, topic, partition, \"offset\", key, value, reason_code, reason, received_at, replayed_at, replay_outcome"
    /// Stores a message once per position.
    static let insertDeadLetter = """
        INSERT INTO tokenize_action.dead_letters (topic, partition, "offset", key, value, reason_code, reason)
        VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (topic, partition, "offset") DO NOTHING
        """
    static let deadLetter = "SELECT \(deadLetterColumns) FROM tokenize_action.dead_letters WHERE id = $1"
    static let markDeadLetterReplayed = "UPDATE tokenize_action.dead_letters SET replayed_at = now(), replay_outcome = $2 WHERE id = $1"

    /// Dead letters, newest first (the replayed too, or not).
    static func deadLetters(includeReplayed: Bool, limit: Int) -> String {
        let filter = includeReplayed ? "" : "WHERE replayed_at IS NULL "
        return "SELECT \(deadLetterColumns) FROM tokenize_action.dead_letters \(filter)ORDER BY id DESC LIMIT \(max(1, min(limit, 10_000)))"
    }
}
