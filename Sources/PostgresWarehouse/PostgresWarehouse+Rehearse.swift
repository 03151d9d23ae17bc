import PostgresNIO
import PostgresSupport
import WarehouseKit

extension PostgresWarehouse {
    /// Writes the tokens of up to `rows` rows in one transaction and rolls it back: every row of a small table,
    /// rows drawn at random from a larger one (push-down), or its first rows by key (tokens computed in the service).
    /// The triggers the policy skips are disabled in it, as in the batches. A refusal by PostgreSQL (a CHECK
    /// constraint or a domain, a unique index, a foreign key or its cascade, a column too narrow, a trigger raising an
    /// error) comes back as the rehearsal's `refusal`, in words; an unavailable server is thrown (the run resumes).
    public func rehearse(_ request: TokenizationRequest, rows: Int) async throws(WarehouseError) -> Rehearsal {
        let table = request.table.table
        try checkWidths(request)
        let pushDown = PushDownPlan.canPushDown(request.columns, mode: request.mode)
        let plan = pushDown ? try PushDownPlan(columns: request.columns, tokenizer: tokenizer, table: table) : nil
        let pads = plan?.hmacKeyID != nil ? try HMACPads(tokenizer: tokenizer) : nil
        return try await Self.mapping(table) {
            try await databases.startedClient(database: table.database).withConnection { connection in
                if let pads { try await PushDownBatches.loadKey(pads, on: connection, logger: logger) }
                defer { if pads != nil { Task { await PushDownBatches.dropKey(on: connection, logger: logger) } } }
                let keys = try await primaryKey(connection, table)
                guard plan != nil || keys.count == 1 else { return Rehearsal(rows: 0) }  // the run refuses such a table itself
                let estimatedRows = try await rowEstimate(connection, table)
                try await connection.guardedQuery("BEGIN", logger: logger)
                do {
                    for statement in TriggerSkipSQL.disable(request.skip) {
                        try await connection.guardedQuery(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    let written: Int
                    if let plan {
                        let batches = PushDownBatches(
                            connection: connection, request: request, plan: plan, batchSize: rows, pagesPerBatch: pagesPerBatch, logger: logger)
                        written = try await batches.rehearse(rows: rows, estimatedRows: estimatedRows)
                    } else {
                        let batches = ServiceSideBatches(
                            connections: [connection], request: request, tokenizer: tokenizer, key: keys[0].name, keyType: keys[0].type,
                            batchSize: rows,
                            ledgerLayout: nil, rehearsal: true, logger: logger)
                        let prepared = try await batches.prepare(connection, after: nil)
                        written = Int(try await batches.write(prepared, on: connection))
                    }
                    try await connection.guardedQuery("ROLLBACK", logger: logger)
                    return Rehearsal(rows: written)
                } catch {
                    if !connection.isClosed { _ = try? await connection.guardedQuery("ROLLBACK", logger: logger) }
                    let failure = PostgresFailure(error)
                    guard failure.code == .statement || failure.code == .refusedValue else { throw error }
                    return Rehearsal(rows: 0, refusal: Self.refusal(failure, table: table))
                }
            }
        }
    }

    /// What PostgreSQL's refusal of the rehearsed tokens means for the run, and what to do.
    static func refusal(_ failure: PostgresFailure, table: TableReference) -> String {
        let refused = "PostgreSQL refused the tokens of sampled rows of \(table) (the rehearsal was rolled back, no row changed): \(failure.message)"
        switch failure.sqlState ?? "" {
        case "23514":
            return
                "\(refused). A CHECK constraint or a domain refuses the tokens: choose a scheme whose tokens pass it (ff1 keeps a value's "
                + "format), or relax the constraint, then request the run again"
        case "23505":
            return
                "\(refused). Two values would share a token (with a normalization, two values of one normalized form get one token): keep "
                + "the column byte-exact, or remove the duplicates"
        case "23503":
            return "\(refused). A foreign key refuses the tokens: tokenize the referenced column, with the constraint ON UPDATE CASCADE"
        case "22001":
            return
                "\(refused). A column the tokens are written to (the column, a cascade's target, a domain) is too narrow: widen it, or tag "
                + "the column tokenize/scheme:ff1 for same-length tokens"
        case "P0001":
            return "\(refused). A trigger raised the error: set the policy's tables[].triggers to skip for this dataset, or change the trigger"
        case "42501":
            return "\(refused). The service's role lacks a privilege the change needs: grant it"
        default:
            return refused
        }
    }

    /// One pass over the table counting, per ff1 column, the values shaped like an siv token of a configured key (the
    /// fallback for values outside ff1's domain; the verification has authenticated them or a sample of them).
    public func ff1Fallbacks(_ table: TableDescription, columns: [ColumnPlan]) async throws(WarehouseError) -> [String: Int] {
        let ff1 = columns.filter { $0.scheme == .ff1 }
        guard !ff1.isEmpty, let shape = PushDownPlan.TokenShape.of(.siv, keyIDs: tokenizer.keyIDs) else { return [:] }
        let values = ColumnValues(table)
        let counts = ff1.map { "count(*) FILTER (WHERE \(TokenShapeSQL.shaped(values.value(of: $0.name), prefixes: "$1", lengths: nil)))::bigint" }
        let sql = "SELECT \(counts.joined(separator: ", ")) FROM \(PostgresCatalogSQL.qualifiedName(table.table)) t"
        var binds = PostgresBindings()
        binds.append(shape.prefixes)
        return try await Self.mapping(table.table) {
            let rows = try await databases.startedClient(database: table.table.database).guardedRows(
                PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
            guard let row = rows.first else { return [:] }
            let cells = row.makeRandomAccess()
            var result: [String: Int] = [:]
            for (index, column) in ff1.enumerated() { result[column.name] = Int(try cells[index].decode(Int64.self)) }
            return result
        }
    }
}
