import Erasures
import Foundation

/// The erasure ledger's SQL and its JSON form of a request. Every value is a bound parameter.
enum ErasureLedgerSQL {
    static let insert = """
        INSERT INTO tokenize_action.erasures (id, status, source, source_id, received_at, due_at, record, sealed)
        VALUES ($1::uuid, $2, $3, $4, $5, $6, $7::jsonb, $8) ON CONFLICT (source, source_id) DO NOTHING RETURNING id::text
        """
    static let bySource = "SELECT record::text FROM tokenize_action.erasures WHERE source = $1 AND source_id = $2"
    static let byID = "SELECT record::text FROM tokenize_action.erasures WHERE id = $1::uuid"
    static let list = """
        SELECT record::text FROM tokenize_action.erasures
        WHERE ($1::text IS NULL OR status = $1) AND ($2::timestamptz IS NULL OR due_at < $2)
        ORDER BY due_at, id LIMIT $3
        """
    /// Open requests due now, soonest due date first, each leased for `$2` seconds (a replica skips the locked ones).
    static let claimDue = """
        UPDATE tokenize_action.erasures e SET next_attempt_at = now() + make_interval(secs => $2), updated_at = now()
        FROM (SELECT id FROM tokenize_action.erasures WHERE status = 'OPEN' AND next_attempt_at <= now()
              ORDER BY due_at, id LIMIT $1 FOR UPDATE SKIP LOCKED) due
        WHERE e.id = due.id RETURNING e.record::text, e.sealed
        """
    static let renew = """
        UPDATE tokenize_action.erasures SET next_attempt_at = now() + make_interval(secs => $2)
        WHERE id = ANY($1::uuid[]) AND status = 'OPEN'
        """
    /// `$4`: seconds to the next attempt; NULL keeps the lease.
    static let save = """
        UPDATE tokenize_action.erasures SET status = $2, record = $3::jsonb, updated_at = now(),
            next_attempt_at = CASE WHEN $4::float8 IS NULL THEN next_attempt_at ELSE now() + make_interval(secs => $4::float8) END
        WHERE id = $1::uuid
        """
    /// Many requests at once: `$4` seconds to each one's next attempt.
    static let saveMany = """
        UPDATE tokenize_action.erasures e SET status = u.status, record = u.record::jsonb, updated_at = now(),
            next_attempt_at = now() + make_interval(secs => u.retry)
        FROM unnest($1::uuid[], $2::text[], $3::text[], $4::float8[]) AS u(id, status, record, retry) WHERE e.id = u.id
        """
    /// A closed request keeps no sealed identifiers (the table's CHECK refuses them too); `''` is no receipt.
    static let close = """
        UPDATE tokenize_action.erasures e SET status = u.status, record = u.record::jsonb, receipt = NULLIF(u.receipt, ''), sealed = NULL,
            updated_at = now()
        FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS u(id, status, record, receipt) WHERE e.id = u.id
        """
    static let receipt = "SELECT receipt FROM tokenize_action.erasures WHERE id = $1::uuid"
    /// The requests' rows locked, in one order, so appends to the same trails serialise without deadlocks.
    static let lockForEvents = "SELECT id::text FROM tokenize_action.erasures WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE"
    static let lastEvents = """
        SELECT DISTINCT ON (erasure_id) erasure_id::text, seq, at, kind, data, prev_hash, hash FROM tokenize_action.erasure_events
        WHERE erasure_id = ANY($1::uuid[]) ORDER BY erasure_id, seq DESC
        """
    static let appendEvents = """
        INSERT INTO tokenize_action.erasure_events (erasure_id, seq, at, kind, data, prev_hash, hash)
        SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
        """
    static let events = """
        SELECT erasure_id::text, seq, at, kind, data, prev_hash, hash FROM tokenize_action.erasure_events WHERE erasure_id = $1::uuid ORDER BY seq
        """
    static let summary = """
        SELECT status, count(*), min(due_at), count(*) FILTER (WHERE due_at < now()) FROM tokenize_action.erasures
        WHERE status IN ('AWAITING_APPROVAL', 'OPEN') GROUP BY status
        """

    static func json(_ record: ErasureRecord) throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(record), as: UTF8.self)
    }

    static func record(_ json: String) throws -> ErasureRecord {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(ErasureRecord.self, from: Data(json.utf8))
    }

    static func eventJSON(_ data: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(data), as: UTF8.self)) ?? "{}"
    }
}
