import Catalog
import Foundation
import PostgresNIO
import PostgresSupport
import Runs

extension PostgresRunStore {
    public func adoptRequester(_ run: RunRecord) async throws -> RunRecord? {
        guard RequesterAdoption.applies(to: run) else { return nil }
        return try await client.guardedTransaction(logger: logger) { connection in
            try await lockDataset(run.dataset, connection)
            guard let current = try await many(LedgerSQL.Where.runID, [run.runID], connection).first else { return nil }
            let open = try await many(LedgerSQL.Where.openOfDataset, [run.dataset.description], connection)
            let coalesced = try await many(LedgerSQL.Where.coalescedInto, [run.runID], connection)
            guard let adoption = RequesterAdoption.decide(for: current, openRuns: open, coalescedInto: coalesced) else { return nil }
            var binds = PostgresBindings()
            binds.append(adoption.run.runID)
            binds.append(RunRow.json(adoption.run.scope))
            binds.append(adoption.run.tagTriggered)
            binds.append(adoption.run.mode.rawValue)
            binds.append(adoption.run.requestedBy)
            var updated = false
            for try await _ in try await connection.guardedQuery(PostgresQuery(unsafeSQL: LedgerSQL.adoptRequester, binds: binds), logger: logger) {
                updated = true
            }
            guard updated else { return nil }  // changed since it was read: nothing is absorbed
            for queued in adoption.absorbed {
                var binds = PostgresBindings()
                binds.append(queued.runID)
                binds.append(adoption.run.runID)
                binds.append(adoption.absorbedDetails)
                // The dataset's worker (this process) holds the dataset: no attempt can begin on it meanwhile.
                try await connection.guardedQuery(PostgresQuery(unsafeSQL: LedgerSQL.absorbQueued, binds: binds), logger: logger)
            }
            for event in adoption.events { try await appendEvent(event, connection) }
            return adoption.run
        }
    }
}
