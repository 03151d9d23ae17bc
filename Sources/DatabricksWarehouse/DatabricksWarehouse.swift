import Tokenization
import WarehouseKit

/// Tokenizes Delta tables inside a Databricks SQL warehouse: one `UPDATE` per table computes the tokens with
/// Databricks SQL built-ins, so no table row travels through the service. Identifiers are checked against
/// `system.information_schema.columns` first and backtick-quoted; values are named parameters. With a secret
/// scope (`DBX_SECRET_SCOPE`) the hmac pads are read there with `secret()`, so no statement carries them.
public struct DatabricksWarehouse: Warehouse {
    private let client: DatabricksStatementClient
    private let tokenizer: Tokenizer
    private let secretScope: String?

    public init(client: DatabricksStatementClient, tokenizer: Tokenizer, secretScope: String? = nil) {
        self.client = client
        self.tokenizer = tokenizer
        self.secretScope = secretScope
    }

    public func describe(_ table: TableReference) async throws(WarehouseError) -> TableDescription {
        let result = try await client.execute(
            DatabricksSQL.describeColumns,
            parameters: [.init("catalog", table.database), .init("schema", table.schema), .init("table", table.table)])
        let columns = result.rows.compactMap { row -> ColumnDescription? in
            guard row.count >= 2, let name = row[0], let type = row[1] else { return nil }
            return ColumnDescription(name: name, dataType: type, isText: DatabricksSQL.isText(type))
        }
        guard !columns.isEmpty else {
            throw WarehouseError(
                .tableNotFound,
                "table \(table) was not found in Databricks (system.information_schema.columns); check the dataset name in DataHub matches <catalog>.<schema>.<table>",
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
                    "column \(column.name) asks for \(column.scheme.rawValue) tokens, which Databricks SQL cannot compute, and tokenize-action does not move Databricks rows through the service; use hmac (or tag the column tokenize/scheme:hmac)",
                    table: table)
            }
        }
        // hmac and poc tokens cannot move between keys, so a rekey run is a plain run here.
        let plan = try PushDownPlan(columns: request.columns, tokenizer: tokenizer, table: table)
        let usesHMAC = request.columns.contains { $0.scheme == .hmac }
        let pads = usesHMAC ? try HMACPads(tokenizer: tokenizer) : nil
        let source: DatabricksSQL.HMACPadSource = secretScope.flatMap { scope in pads.map { .secretScope(scope, keyID: $0.keyID) } } ?? .parameters
        let update = DatabricksSQL.update(table: table, plan: plan, pads: source)
        var parameters: [DatabricksParameter] = []
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

    /// Not probed: any query would start a stopped SQL warehouse (and bill for it).
    public func ping() async -> Bool { true }
}
