import Tokenization
import WarehouseKit

/// Tokenizes Delta tables inside a Databricks SQL warehouse: one `UPDATE` per table computes the tokens with
/// Databricks SQL built-ins, so no table row travels through the service. Identifiers are checked against
/// `system.information_schema.columns` first and backtick-quoted; values are named parameters. With a secret
/// scope (`DBX_SECRET_SCOPE`) the hmac pads are read there with `secret()`, so no statement carries them.
public struct DatabricksWarehouse: Warehouse {
    let client: DatabricksStatementClient
    private let tokenizer: Tokenizer
    private let secretScope: String?
    private let purgeHistory: DatabricksSettings.PurgeHistory
    private let vacuumRetainHours: Int

    public init(
        client: DatabricksStatementClient, tokenizer: Tokenizer, secretScope: String? = nil, purgeHistory: DatabricksSettings.PurgeHistory = .off,
        vacuumRetainHours: Int = 168
    ) {
        self.client = client
        self.tokenizer = tokenizer
        self.secretScope = secretScope
        self.purgeHistory = purgeHistory
        self.vacuumRetainHours = vacuumRetainHours
    }

    public func describe(_ table: TableReference) async throws(WarehouseError) -> TableDescription {
        let result = try await client.execute(
            DatabricksSQL.describeColumns,
            parameters: [.init("catalog", table.database), .init("schema", table.schema), .init("table", table.table)])
        let columns = result.rows.compactMap { row -> ColumnDescription? in
            guard row.count >= 2, let name = row[0], let type = row[1] else { return nil }
            return ColumnDescription(
                name: name, dataType: type, isText: DatabricksSQL.isText(type), semantics: DatabricksSQL.isPadded(type) ? .blankPadded : .exact)
        }
        guard !columns.isEmpty else {
            throw WarehouseError(
                .tableNotFound,
                "table \(table) was not found in Databricks (system.information_schema.columns); check the dataset name in DataHub matches "
                    + "<catalog>.<schema>.<table>",
                table: table)
        }
        return TableDescription(table: table, columns: columns)
    }

    public func tokenize(_ request: TokenizationRequest, progress: any ProgressSink) async throws(WarehouseError) -> TokenizationOutcome {
        let table = request.table.table
        for (column, _) in try request.table.textColumns(for: request.columns) {
            guard column.scheme.canPushDown else {
                throw WarehouseError(
                    .unsupported,
                    "column \(column.name) asks for \(column.scheme.rawValue) tokens, which Databricks SQL cannot compute, and "
                        + "tokenize-action does not move Databricks rows through the service; use hmac (or tag the column tokenize/scheme:hmac)",
                    table: table)
            }
            guard column.normalization == .none else {
                throw WarehouseError(
                    .unsupported,
                    "column \(column.name) asks for \(column.normalization.rawValue) normalization, which only the service computes (one "
                        + "implementation, so equal values get equal tokens everywhere), and Databricks tokens are computed in the "
                        + "warehouse; keep Databricks columns byte-exact",
                    table: table)
            }
        }
        let padded = Set(request.table.columns.filter { $0.semantics == .blankPadded }.map(\.name))
        // hmac and poc tokens cannot move between keys, so a rekey run is a plain run here.
        let plan = try PushDownPlan(columns: request.columns, tokenizer: tokenizer, table: table)
        let usesHMAC = request.columns.contains { $0.scheme == .hmac }
        let pads = usesHMAC ? try HMACPads(tokenizer: tokenizer) : nil
        let source: DatabricksSQL.HMACPadSource = secretScope.flatMap { scope in pads.map { .secretScope(scope, keyID: $0.keyID) } } ?? .parameters
        let update = DatabricksSQL.update(table: table, plan: plan, pads: source, padded: padded)
        var parameters: [DatabricksParameter] = [DatabricksSQL.blankParameter]
        for (scheme, shape) in plan.shapes.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            parameters.append(.init("\(scheme.rawValue)_pattern", shape.pattern))
        }
        if let pads {
            parameters.append(.init("hmac_key_id", pads.keyID))
            if source == .parameters {
                parameters += [.init("hmac_inner_pad", Hex.encode(pads.inner)), .init("hmac_outer_pad", Hex.encode(pads.outer))]
            }
        }
        let result = try await client.execute(update.sql, parameters: parameters, stop: request.stop)
        guard let affected = result.affectedRows else {
            throw WarehouseError(.statement, "Databricks did not report num_affected_rows for the UPDATE of \(table)", table: table)
        }
        await progress.progressed(TokenizationProgress(rowsUpdated: affected, batches: 1, plannedBatches: 1))
        return TokenizationOutcome(rowsUpdated: affected, batches: 1, pushedDown: true)
    }

    public func verify(_ request: VerificationRequest) async throws(WarehouseError) -> VerificationReport {
        let table = request.table.table
        _ = try request.table.textColumns(for: request.columns)
        var shapes: [TokenSchemeName: PushDownPlan.TokenShape] = [:]
        for column in request.columns { shapes[column.scheme] = PushDownPlan.TokenShape.of(column.scheme, keyIDs: tokenizer.keyIDs) }
        let padded = Set(request.table.columns.filter { $0.semantics == .blankPadded }.map(\.name))
        let sql = DatabricksSQL.verificationCounts(table: table, columns: request.columns, shapes: shapes, padded: padded)
        let parameters =
            [DatabricksSQL.blankParameter]
            + shapes.keys.sorted { $0.rawValue < $1.rawValue }.compactMap { scheme in
                shapes[scheme].map { DatabricksParameter("\(scheme.rawValue)_pattern", $0.pattern) }
            }
        let result = try await client.execute(sql, parameters: parameters)
        let counts = (result.rows.first ?? []).map { Int($0 ?? "0") ?? 0 }
        guard counts.count == 1 + 2 * request.columns.count else {
            throw WarehouseError(.statement, "Databricks answered the verification of \(table) with \(counts.count) values", table: table)
        }
        let rows = counts[0]
        let columns = request.columns.enumerated().map { index, column in
            let empty = counts[1 + 2 * index]
            let tokens = counts[2 + 2 * index]
            return ColumnVerification(column: column.name, scheme: column.scheme, empty: empty, tokens: tokens, plaintext: rows - empty - tokens)
        }
        return VerificationReport(rows: rows, columns: columns)
    }

    public func cleanUp(_ table: TableReference) async throws(WarehouseError) -> Residue {
        let timeTravel = "Delta time travel (VERSION AS OF, TIMESTAMP AS OF) can read the previous values"
        guard purgeHistory != .off else {
            return Residue(
                done: nil,
                remaining:
                    "The previous values stay readable through Delta time travel until a VACUUM removes the files that hold them "
                    + "(DBX_PURGE_HISTORY=off). Backups and clones of the table may also hold them."
            )
        }
        do {
            _ = try await client.execute(DatabricksSQL.reorgPurge(table), parameters: [])
        } catch {
            return Residue(
                done: nil, remaining: "\(timeTravel) until a VACUUM removes their files.",
                failure: "REORG TABLE … APPLY (PURGE) failed: \(error.message); the run's tokens stand, run it by hand")
        }
        let reorg = "REORG TABLE … APPLY (PURGE) rewrote the files holding replaced rows, so the current files hold no old values."
        guard purgeHistory == .vacuum else {
            return Residue(done: reorg, remaining: "\(timeTravel) until a VACUUM removes their files (DBX_PURGE_HISTORY=vacuum does).")
        }
        do {
            _ = try await client.execute(DatabricksSQL.vacuum(table, retainHours: vacuumRetainHours), parameters: [])
        } catch {
            return Residue(
                done: reorg, remaining: "\(timeTravel) until a VACUUM removes their files.",
                failure: "VACUUM failed: \(error.message); run it by hand")
        }
        return Residue(
            done: "\(reorg) VACUUM removed data files unreferenced for more than \(vacuumRetainHours) hours.",
            remaining:
                "The files this run replaced are younger than that: \(timeTravel) until a VACUUM after \(vacuumRetainHours) hours removes them.")
    }

    /// Not probed: any query would start a stopped SQL warehouse (and bill for it).
    public func sample(_ table: TableDescription, columns: [String], rows: Int) async throws(WarehouseError) -> TableSample {
        for name in columns where table.column(named: name) == nil {
            throw WarehouseError(.columnNotFound, "column '\(name)' does not exist in \(table.table)", table: table.table)
        }
        guard !columns.isEmpty, rows > 0 else { return TableSample(values: [:], rows: 0, estimatedRows: nil, method: "nothing to sample") }
        let result = try await client.execute(DatabricksSQL.sample(table: table.table, columns: columns, rows: rows), parameters: [])
        var values = [String: [String?]](uniqueKeysWithValues: columns.map { ($0, []) })
        for row in result.rows {
            for (index, column) in columns.enumerated() { values[column]?.append(index < row.count ? row[index] : nil) }
        }
        let whole = result.rows.count < rows
        return TableSample(
            values: values, rows: result.rows.count, estimatedRows: whole ? result.rows.count : nil,
            method: whole ? "every row" : "TABLESAMPLE (\(rows) ROWS)")
    }

    public func ping() async -> Bool { true }
}
