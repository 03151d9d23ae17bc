import Foundation
import PostgresNIO
import PostgresSupport
import Runs

extension PostgresRunStore {
    public func adoptRequester(_ run: RunRecord) async throws -> RunRecord? {
        guard RequesterAdoption.applies(to: run) else { return nil }
        return try await client.guardedTransaction(logger: logger) { connection in
            try await lockDataset(run.dataset, connection)
            guard let current = try await many("run_id = $1::uuid", [run.runID], connection).first else { return nil }
            let open = try await many(
                "dataset = $1 AND kind IN ('run', 'plan') AND status IN ('QUEUED', 'RUNNING', 'AWAITING_APPROVAL') ORDER BY created_at", [run.dataset], connection)
            let coalesced = try await many("coalesced_into = $1::uuid ORDER BY created_at", [run.runID], connection)
            guard let adoption = RequesterAdoption.decide(for: current, openRuns: open, coalescedInto: coalesced) else { return nil }
            var binds = PostgresBindings()
            binds.append(adoption.run.runID)
            binds.append(RunRow.json(adoption.run.scope))
            binds.append(adoption.run.tagTriggered)
            binds.append(adoption.run.mode.rawValue)
            binds.append(adoption.run.requestedBy)
            let update = """
                UPDATE tokenize_action.runs SET scope = $2::jsonb, tag_triggered = $3, mode = $4, requested_by = $5, updated_at = now()
                WHERE run_id = $1::uuid AND status = 'QUEUED' AND requested_by IS NULL RETURNING 1
                """
            var updated = false
            for try await _ in try await connection.guardedQuery(PostgresQuery(unsafeSQL: update, binds: binds), logger: logger) { updated = true }
            guard updated else { return nil }  // changed since it was read: nothing is absorbed
            for queued in adoption.absorbed {
                var binds = PostgresBindings()
                binds.append(queued.runID)
                binds.append(adoption.run.runID)
                binds.append(adoption.absorbedDetails)
                // The dataset's worker (this process) holds the dataset: no attempt can begin on it meanwhile.
                let absorb = """
                    UPDATE tokenize_action.runs SET status = 'COALESCED', coalesced_into = $2::uuid, details = $3, updated_at = now()
                    WHERE run_id = $1::uuid AND status = 'QUEUED' AND NOT attempting AND attempts = 0
                    """
                try await connection.guardedQuery(PostgresQuery(unsafeSQL: absorb, binds: binds), logger: logger)
            }
            for event in adoption.events { try await appendEvent(event, connection) }
            return adoption.run
        }
    }
}
