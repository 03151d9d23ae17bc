import Crypto
import Foundation
import Logging
import PostgresNIO
import PostgresSupport
import WarehouseKit

extension PostgresWarehouse {
    /// Where a verification stands for incremental checking (`VerificationMarkSQL`).
    struct MarkState: Sendable {
        /// `schema.table`, the marks' key.
        var relation: String
        /// The relation's shape now, with the configured key ids (no row versions).
        var shape: String
        /// The oldest transaction running before the scan: the transaction id a clean scan records.
        var current: UInt64
        /// Rows written since this transaction are checked, the others counted as the marked verification found
        /// them; nil: every row is checked.
        var since: UInt32?
        /// The row versions the standing mark recorded (`VerificationMarkSQL`, row versions); nil when it recorded
        /// none or does not stand.
        var versions: [String]?
        /// The counts the standing mark recorded with its row versions (`RecordedCounts`); nil when it recorded none.
        var counts: RecordedCounts?
    }

    /// Reads the relation's shape and whether the watermark `request.since` still stands. nil when the service's
    /// bookkeeping schema cannot be used here (a role without CREATE on the database, say): then every row is
    /// checked and no mark is recorded.
    func markState(_ connection: PostgresConnection, _ request: VerificationRequest) async -> MarkState? {
        let table = request.table.table
        let relation = PostgresCatalogSQL.relationName(table)
        do {
            try await prepareBookkeeping(connection, database: table.database)
            var shapeBinds = PostgresBindings()
            shapeBinds.append(table.schema)
            shapeBinds.append(table.table)
            shapeBinds.append(request.columns.map(\.name))
            var relationShape = ""
            let shapes = try await connection.guardedQuery(PostgresQuery(unsafeSQL: VerificationMarkSQL.shape, binds: shapeBinds), logger: logger)
            for try await shape in shapes.decode(String?.self) { relationShape = shape ?? "" }
            let shape = VerificationMarkSQL.recordedShape(relation: relationShape, keyIDs: tokenizer.keyIDs)
            let watermark = request.since.flatMap(VerificationMarkSQL.Watermark.init)
            var binds = PostgresBindings()
            binds.append(relation)
            binds.append(watermark?.mark ?? "")
            let rows = try await connection.guardedQuery(PostgresQuery(unsafeSQL: VerificationMarkSQL.read, binds: binds), logger: logger)
            for try await (current, recordedXID, recordedShape) in rows.decode((String, String?, String?).self) {
                guard let current = UInt64(current) else { break }
                let recorded = VerificationMarkSQL.recordedMark(recordedShape, current: shape)
                let since = VerificationMarkSQL.checkSince(
                    watermark, databaseXID: recordedXID.flatMap(UInt64.init), current: current, shapeDigest: Self.digest(recorded.shape))
                if request.since != nil, since == nil {
                    logger.info("the last clean verification's mark does not stand here; every row is checked", metadata: ["relation": "\(relation)"])
                }
                return MarkState(
                    relation: relation, shape: shape, current: current, since: since, versions: since == nil ? nil : recorded.versions,
                    counts: since == nil ? nil : recorded.counts)
            }
            return nil
        } catch {
            logger.notice(
                "verification marks unavailable; every row is checked",
                metadata: ["relation": "\(relation)", "error": "\(PostgresFailure(error).message)"])
            return nil
        }
    }

    /// Records a clean verification's mark; returns its watermark, or nil when it could not be written (the next
    /// verification then checks every row).
    /// `versions`: every row version's transaction id the clean scan saw, when it knows them (recorded with the
    /// shape, so the watermark's digest covers them), and `counts` what the scan counted in those row versions.
    func saveMark(_ connection: PostgresConnection, _ state: MarkState, versions: [String]?, counts: RecordedCounts?) async -> String? {
        let shape = VerificationMarkSQL.shape(state.shape, versions: versions, counts: counts)
        let watermark = VerificationMarkSQL.Watermark(mark: UUID().uuidString.lowercased(), xid: state.current, shapeDigest: Self.digest(shape))
        var binds = PostgresBindings()
        binds.append(state.relation)
        binds.append(watermark.mark)
        binds.append(String(state.current))
        binds.append(shape)
        do {
            try await connection.guardedQuery(PostgresQuery(unsafeSQL: VerificationMarkSQL.save, binds: binds), logger: logger)
            return watermark.text
        } catch {
            logger.warning(
                "the verification's mark was not recorded; the next one checks every row",
                metadata: ["relation": "\(state.relation)", "error": "\(PostgresFailure(error).message)"])
            return nil
        }
    }

    /// SHA-256 (hex) of a recorded shape: what a watermark carries.
    static func digest(_ shape: String) -> String {
        SHA256.hash(data: Data(shape.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
