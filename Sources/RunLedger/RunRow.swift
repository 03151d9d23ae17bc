import Catalog
import Foundation
import KafkaModel
import PostgresNIO
import Runs
import Tokenization
import WarehouseKit

/// How a `RunRecord` maps to a row of `tokenize_action.runs`.
enum RunRow {
    static let columns = """
        run_id::text, dataset, status, source, requested_by, kafka_topic, kafka_partition, kafka_offset, tag_triggered, scope::text, mode, \
        columns::text, schemes::text, rows_updated, batches, planned_batches, details, error_code, attempts, coalesced_into::text, created_at, \
        started_at, finished_at, writeback_state, writeback_attempts, writeback_error, approved_by, approved_at, verification::text, \
        residue::text, progress::text, plan::text, downstream::text, attempting, \
        writeback_revision, table_report::text, deviations::text, normalizations::text, stopped_attempts, careful
        """
    static let select = "SELECT \(columns) FROM tokenize_action.runs"

    /// `columns`, each qualified with a table alias (for a statement that joins the runs table).
    static func columns(alias: String) -> String {
        columns.split(separator: ",").map { "\(alias).\($0.trimmingCharacters(in: .whitespacesAndNewlines))" }.joined(separator: ", ")
    }

    static func decode(_ row: PostgresRow) throws -> RunRecord {
        let cells = row.makeRandomAccess()
        func value<T: PostgresDecodable>(_ index: Int, _ type: T.Type = T.self) throws -> T { try cells[index].decode(T.self) }
        let decoder = JSONDecoder()
        var position: KafkaPosition?
        if let topic = try value(5, String?.self), let partition = try value(6, Int32?.self), let offset = try value(7, Int64?.self) {
            position = KafkaPosition(topic: topic, partition: partition, offset: offset)
        }
        let status: String = try value(2)
        let source: String = try value(3)
        let mode: String = try value(10)
        let writeBackState: String = try value(23)
        var record = RunRecord(
            runID: try value(0), dataset: try DatasetURN(try value(1, String.self)),
            scope: try decoder.decode(RunScope.self, from: Data(try value(9, String.self).utf8)),
            status: RunStatus(rawValue: status) ?? .failed, source: RunSource(rawValue: source) ?? .api, requestedBy: try value(4),
            position: position, tagTriggered: try value(8), columns: try decoder.decode([String].self, from: Data(try value(11, String.self).utf8)),
            schemes: try decoder.decode([String: TokenSchemeName].self, from: Data(try value(12, String.self).utf8)),
            mode: TokenizationMode(rawValue: mode) ?? .tokenize, rowsUpdated: Int(try value(13, Int64.self)), batches: try value(14),
            plannedBatches: try value(15), details: try value(16), errorCode: try value(17), attempts: try value(18), coalescedInto: try value(19),
            approvedBy: try value(26), approvedAt: try value(27),
            verification: try value(28, String?.self).map { try decoder.decode(VerificationReport.self, from: Data($0.utf8)) },
            residue: try value(29, String?.self).map { try decoder.decode(Residue.self, from: Data($0.utf8)) },
            progress: try value(30, String?.self).flatMap { try? decoder.decode(RunProgress.self, from: Data($0.utf8)) },
            plan: try value(31, String?.self).flatMap { try? decoder.decode(PlanReport.self, from: Data($0.utf8)) },
            downstream: try value(32, String?.self).flatMap { try? decoder.decode(DownstreamReport.self, from: Data($0.utf8)) },
            createdAt: try value(20), startedAt: try value(21), finishedAt: try value(22),
            writeBack: .init(
                state: WriteBackState(rawValue: writeBackState) ?? .none, attempts: try value(24), error: try value(25),
                revision: Int(try value(34, Int32.self))),
            attemptInProgress: try value(33))
        record.table = try value(35, String?.self).flatMap { try? decoder.decode(TableReport.self, from: Data($0.utf8)) }
        record.deviations = try value(36, String?.self).flatMap { try? decoder.decode([String: ColumnDeviations].self, from: Data($0.utf8)) }
        record.normalizations = try value(37, String?.self).flatMap { try? decoder.decode([String: Normalization].self, from: Data($0.utf8)) }
        let stopped = Int(try value(38, Int32.self))
        record.stoppedAttempts = stopped > 0 ? stopped : nil
        record.careful = try value(39, Bool.self)
        return record
    }

    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "null"
    }

    /// Inserts a run. Parameters: id, dataset, status, source, requested_by, topic, partition, offset, tag_triggered,
    /// scope, mode, coalesced_into, kind (`run`, `verify` or `plan`).
    static let insert = """
        INSERT INTO tokenize_action.runs (run_id, dataset, status, source, requested_by, kafka_topic, kafka_partition, kafka_offset,
            tag_triggered, scope, mode, coalesced_into, kind)
        VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12::uuid, $13)
        RETURNING \(columns)
        """

    static func insertBinds(_ record: RunRecord) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(record.runID)
        binds.append(record.dataset.description)
        binds.append(record.status.rawValue)
        binds.append(record.source.rawValue)
        binds.append(record.requestedBy)
        binds.append(record.position?.topic)
        binds.append(record.position?.partition)
        binds.append(record.position?.offset)
        binds.append(record.tagTriggered)
        binds.append(json(record.scope))
        binds.append(record.mode.rawValue)
        binds.append(record.coalescedInto)
        binds.append(record.scope.kind.ledgerKind)
        return binds
    }

    /// Saves a run's mutable state. Progress never goes backwards (a mirror write may lag the warehouse's).
    static let save = """
        UPDATE tokenize_action.runs SET status = $2, scope = $3::jsonb, tag_triggered = $4, mode = $5, columns = $6::jsonb,
            schemes = $7::jsonb, rows_updated = greatest(rows_updated, $8), batches = greatest(batches, $9),
            planned_batches = coalesce($10, planned_batches), details = $11, error_code = $12, attempts = $13, started_at = $14,
            finished_at = $15, writeback_state = $16, writeback_attempts = $17, writeback_error = $18, owner = $19,
            next_attempt_at = now() + make_interval(secs => $20), verification = $21::jsonb, residue = $22::jsonb, plan = $23::jsonb,
            downstream = $24::jsonb,
            table_report = $25::jsonb, deviations = $26::jsonb, normalizations = $27::jsonb, attempting = $28,
            progress = CASE WHEN $2 = 'RUNNING' THEN progress END, updated_at = now()
        WHERE run_id = $1::uuid
        """

    /// Saves a write-back attempt's outcome: the state only if no write-back was asked for since the attempt read
    /// the row ($2, the revision it read); else the row stays pending.
    static let saveWriteBack = """
        UPDATE tokenize_action.runs SET writeback_state = CASE WHEN writeback_revision = $2 THEN $3 ELSE 'pending' END,
            writeback_attempts = $4, writeback_error = $5, owner = $6, next_attempt_at = now() + make_interval(secs => $7), updated_at = now()
        WHERE run_id = $1::uuid
        """

    static func saveWriteBackBinds(_ record: RunRecord, retryIn: Duration?, owner: String) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(record.runID)
        binds.append(Int32(record.writeBack.revision))
        binds.append(record.writeBack.state.rawValue)
        binds.append(record.writeBack.attempts)
        binds.append(record.writeBack.error)
        binds.append(owner)
        binds.append(seconds(retryIn))
        return binds
    }

    static func seconds(_ delay: Duration?) -> Double {
        delay.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 } ?? 0
    }

    /// - Parameter attempting: whether the attempt goes on after this save (`RunStore.saveDuringAttempt`).
    static func saveBinds(_ record: RunRecord, retryIn: Duration?, owner: String, attempting: Bool = false) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(record.runID)
        binds.append(record.status.rawValue)
        binds.append(json(record.scope))
        binds.append(record.tagTriggered)
        binds.append(record.mode.rawValue)
        binds.append(json(record.columns))
        binds.append(json(record.schemes))
        binds.append(Int64(record.rowsUpdated))
        binds.append(record.batches)
        binds.append(record.plannedBatches)
        binds.append(record.details)
        binds.append(record.errorCode)
        binds.append(record.attempts)
        binds.append(record.startedAt)
        binds.append(record.finishedAt)
        binds.append(record.writeBack.state.rawValue)
        binds.append(record.writeBack.attempts)
        binds.append(record.writeBack.error)
        binds.append(owner)
        binds.append(seconds(retryIn))
        binds.append(record.verification.map(json))
        binds.append(record.residue.map(json))
        binds.append(record.plan.map(json))
        binds.append(record.downstream.map(json))
        binds.append(record.table.map(json))
        binds.append(record.deviations.map(json))
        binds.append(record.normalizations.map(json))
        binds.append(attempting)
        return binds
    }
}
