import Synchronization
import Tokenization

/// Asks a running tokenization to stop at the next batch boundary (a shutdown deadline).
public final class StopSignal: Sendable {
    private let stopped = Atomic(false)

    public init() {}

    public func stop() { stopped.store(true, ordering: .sequentiallyConsistent) }

    public var isStopped: Bool { stopped.load(ordering: .sequentiallyConsistent) }
}

/// Where a run stands: cumulative over every attempt of the run, as committed in the warehouse.
public struct TokenizationProgress: Sendable, Equatable, Codable {
    /// Rows changed (a row with several tokenized columns counts once).
    public var rowsUpdated: Int
    /// Batches (transactions) committed.
    public var batches: Int
    /// The key (or page) the last committed batch ended at; the next batch starts after it.
    public var lastKey: String?
    /// Batches the whole table is expected to take, when the warehouse can estimate it.
    public var plannedBatches: Int?

    public init(rowsUpdated: Int = 0, batches: Int = 0, lastKey: String? = nil, plannedBatches: Int? = nil) {
        self.rowsUpdated = rowsUpdated
        self.batches = batches
        self.lastKey = lastKey
        self.plannedBatches = plannedBatches
    }
}

/// Told of each committed batch, so the run ledger and progress reports follow the work.
public protocol ProgressSink: Sendable {
    func progressed(_ progress: TokenizationProgress) async
}

/// One run's tokenization of one table.
public struct TokenizationRequest: Sendable {
    /// The run's id: a warehouse records the run's progress under it, in the same transaction as each batch,
    /// and a later attempt of the same run resumes after the last committed batch.
    public var runID: String
    public var table: TableDescription
    /// Checked against `table` by the caller.
    public var columns: [ColumnPlan]
    public var mode: TokenizationMode
    /// Checked between batches.
    public var stop: StopSignal

    public init(runID: String, table: TableDescription, columns: [ColumnPlan], mode: TokenizationMode, stop: StopSignal = StopSignal()) {
        self.runID = runID
        self.table = table
        self.columns = columns
        self.mode = mode
        self.stop = stop
    }
}

/// The outcome of tokenizing a table.
public struct TokenizationOutcome: Sendable, Equatable {
    /// Rows changed over every attempt of the run.
    public var rowsUpdated: Int
    /// Batches (transactions) over every attempt of the run.
    public var batches: Int
    /// Whether tokens were computed in the database (no row left it) or in the service.
    public var pushedDown: Bool

    public init(rowsUpdated: Int, batches: Int, pushedDown: Bool = true) {
        self.rowsUpdated = rowsUpdated
        self.batches = batches
        self.pushedDown = pushedDown
    }
}

/// A source system whose tables can be tokenized in place.
public protocol Warehouse: Sendable {
    /// The table's columns from the catalog.
    /// - Throws: `WarehouseError` with `.tableNotFound` when the catalog has no such table.
    func describe(_ table: TableReference) async throws(WarehouseError) -> TableDescription
    /// Replaces every non-empty, not-yet-tokenized value of the request's columns with its token (in `.rekey`
    /// mode, also moves siv and ff1 tokens of older keys to the newest key), resuming after the run's last
    /// committed batch. Throws `.interrupted` when `stop` was signalled, `.unavailable` when the warehouse went
    /// away: both leave the run resumable.
    func tokenize(_ request: TokenizationRequest, progress: any ProgressSink) async throws(WarehouseError) -> TokenizationOutcome
    /// Whether the warehouse answers.
    func ping() async -> Bool
}

/// A platform the service knows but has no connection for: every run on it is SKIPPED with `message`.
public struct NotConfiguredWarehouse: Warehouse {
    public let message: String

    public init(message: String) {
        self.message = message
    }

    public func describe(_ table: TableReference) async throws(WarehouseError) -> TableDescription {
        throw WarehouseError(.notConfigured, message, table: table)
    }

    public func tokenize(_ request: TokenizationRequest, progress: any ProgressSink) async throws(WarehouseError) -> TokenizationOutcome {
        throw WarehouseError(.notConfigured, message, table: request.table.table)
    }

    public func ping() async -> Bool { true }
}
