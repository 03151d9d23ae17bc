import Logging
import PostgresNIO
import PostgresSupport
import WarehouseKit

/// `POSTGRES_VACUUM_AFTER`: what runs after a run changed rows, so dead row versions holding the old values go.
public enum VacuumMode: String, Sendable, CaseIterable {
    /// `VACUUM (ANALYZE)`: removes dead row versions; their bytes stay in free space until overwritten.
    case plain
    /// `VACUUM (FULL, ANALYZE)`: rewrites the table and every index; takes an exclusive lock while it runs.
    case full
    case off
}

extension PostgresWarehouse {
    /// Where old values can outlive any VACUUM: one fixed sentence (docs/proof.md, "What the old values leave behind").
    public static let outsideTheTable =
        "PostgreSQL's write-ahead log until it is recycled, replicas' copies of it, and backups taken before this run may still contain the "
        + "old values."

    public func cleanUp(_ table: TableReference) async throws(WarehouseError) -> Residue {
        guard vacuumAfter != .off else {
            return Residue(
                done: nil,
                remaining:
                    "No VACUUM was run (POSTGRES_VACUUM_AFTER=off): the dead row versions holding the old values stay in the table until "
                    + "autovacuum removes them, and their bytes until they are overwritten. \(Self.outsideTheTable)"
            )
        }
        let statement =
            vacuumAfter == .full
            ? "VACUUM (FULL, ANALYZE) \(PostgresCatalogSQL.qualifiedName(table))" : "VACUUM (ANALYZE) \(PostgresCatalogSQL.qualifiedName(table))"
        let dead: Int64
        do {
            dead = try await vacuum(table, statement)
        } catch {
            return Residue(
                done: nil,
                remaining: "The dead row versions holding the old values stay until autovacuum removes them. \(Self.outsideTheTable)",
                failure: "\(statement) failed: \(PostgresFailure(error).message); run it by hand (the table's owner may need to)")
        }
        if dead > 0 {
            return Residue(
                done:
                    "VACUUM ran, but \(dead) dead row version(s) holding old values could not be removed yet: transactions older than the "
                    + "run were still open.",
                remaining: "Autovacuum removes them once those transactions end; their bytes stay until overwritten. \(Self.outsideTheTable)")
        }
        if vacuumAfter == .full {
            return Residue(
                done: "VACUUM FULL rewrote the table and all its indexes, so no page of them holds the old values.", remaining: Self.outsideTheTable)
        }
        return Residue(
            done: "VACUUM (ANALYZE) removed the dead row versions that held the old values.",
            remaining:
                "Their bytes may stay in the freed space of the table's and indexes' pages until overwritten (POSTGRES_VACUUM_AFTER=full "
                + "rewrites them). \(Self.outsideTheTable)"
        )
    }

    /// Runs `statement` until the statistics it reports say no dead row version is left (a transaction older
    /// than the run holds them back), at most 5 times over about 10 s; returns the dead row versions left.
    private func vacuum(_ table: TableReference, _ statement: String) async throws -> Int64 {
        var dead: Int64 = 0
        for attempt in 1...5 {
            dead = try await databases.startedClient(database: table.database).withConnection { connection in
                try await connection.guardedQuery(PostgresQuery(unsafeSQL: statement), logger: logger)
                var binds = PostgresBindings()
                binds.append(table.schema)
                binds.append(table.table)
                let rows = try await connection.guardedQuery(PostgresQuery(unsafeSQL: VerificationSQL.deadTuples, binds: binds), logger: logger)
                for try await (dead, _) in rows.decode((Int64, Int64).self) { return dead }
                return 0
            }
            guard dead > 0, attempt < 5 else { break }
            logger.info("dead row versions not removable yet; VACUUM again", metadata: ["dead": "\(dead)", "attempt": "\(attempt)"])
            try await Task.sleep(for: .seconds(attempt))
        }
        return dead
    }
}
