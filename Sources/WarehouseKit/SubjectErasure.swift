/// What an erasure does to the rows that match a person (policy `erasure.actions`).
public enum ErasureEffect: String, Sendable, Codable, CaseIterable, Hashable {
    /// The rows are deleted.
    case deleteRows = "delete-rows"
    /// The person's PII cells in the rows become NULL; the rows stay.
    case nullCells = "null-cells"
    /// The person's PII cells become an irreversible `hmac` token of a random value: joins and counts survive, and the
    /// token matches nothing anywhere else.
    case scrambleCells = "scramble-cells"
}

/// The erasure of some people's rows in one table: every row whose `match` columns hold one of `values` (their
/// plaintext and every token of it, `Tokenizer.subjectForms`), in one transaction per batch of values.
public struct SubjectErasureRequest: Sendable {
    public var table: TableDescription
    /// The columns that hold the person's identifiers.
    public var match: [String]
    /// The columns a cell effect changes (the table's PII columns); unused when deleting rows.
    public var cells: [String]
    public var effect: ErasureEffect
    /// Every form of every person's identifiers, exact text as the column stores it.
    public var values: [String]
    /// For `scramble-cells`: what each of `values` becomes (aligned with it); the same person's forms share one.
    public var replacements: [String]

    public init(
        table: TableDescription, match: [String], cells: [String], effect: ErasureEffect, values: [String], replacements: [String] = []
    ) {
        self.table = table
        self.match = match
        self.cells = cells
        self.effect = effect
        self.values = values
        self.replacements = replacements
    }
}

/// What an erasure did in one table, and what its verification found after it.
public struct SubjectErasureOutcome: Sendable, Equatable, Codable {
    /// Rows deleted or changed.
    public var rowsAffected: Int
    /// Rows deleted or changed, by the value of `values` they matched (a row matching several counts for each).
    public var rowsByValue: [String: Int]
    /// Rows that still match one of the values after the erasure committed (0 when it holds).
    public var remaining: Int
    /// Whether an index served the match (an estimate of the cost; a scan otherwise).
    public var indexed: Bool
    /// Where the erasure's own statements leave the people's values (a query history, a server log), in words.
    public var statementTrace: String?

    public init(rowsAffected: Int, rowsByValue: [String: Int] = [:], remaining: Int, indexed: Bool, statementTrace: String? = nil) {
        self.statementTrace = statementTrace
        self.rowsAffected = rowsAffected
        self.rowsByValue = rowsByValue
        self.remaining = remaining
        self.indexed = indexed
    }
}

/// A warehouse that can erase people's rows (PostgreSQL; Databricks through its SQL API).
public protocol SubjectEraser: Sendable {
    /// Rows matching `values` in `match`, read only (a plan's estimate and the verification after an erasure).
    func countMatching(_ table: TableDescription, match: [String], values: [String]) async throws(WarehouseError) -> Int
    /// Deletes or erases the matching rows in one transaction, then counts what still matches. Idempotent: a second
    /// call finds nothing left to do.
    func erase(_ request: SubjectErasureRequest) async throws(WarehouseError) -> SubjectErasureOutcome
    /// Whether an index leads with each of `columns` (the cost of matching: an index lookup or a scan).
    func indexed(_ table: TableDescription, columns: [String]) async throws(WarehouseError) -> [String: Bool]
}
