import Synchronization
import Tokenization

/// Asks a running tokenization to stop at the next batch boundary (a shutdown deadline), and cancels the work run
/// under `cancelling` (a wait for DataHub or Databricks that would otherwise retry past the deadline).
public final class StopSignal: Sendable {
    private let stopped = Atomic(false)
    /// The cancellation of each task `cancelling` runs now, by a number of its own.
    private let cancellations = Mutex<(next: Int, tasks: [Int: @Sendable () -> Void])>((0, [:]))

    public init() {}

    public func stop() {
        stopped.store(true, ordering: .sequentiallyConsistent)
        for cancel in cancellations.withLock({ Array($0.tasks.values) }) { cancel() }
    }

    public var isStopped: Bool { stopped.load(ordering: .sequentiallyConsistent) }

    /// Runs `body` in a task of its own that `stop()` cancels (at once when stopped already); the caller's own task
    /// is not cancelled, so it can still record what the work came to.
    public func cancelling<T: Sendable>(_ body: @escaping @Sendable () async -> T) async -> T {
        let task = Task { await body() }
        let number = cancellations.withLock { state in
            state.next += 1
            state.tasks[state.next] = { task.cancel() }
            return state.next
        }
        defer { _ = cancellations.withLock { $0.tasks.removeValue(forKey: number) } }
        if isStopped { task.cancel() }
        return await withTaskCancellationHandler {
            await task.value
        } onCancel: {
            task.cancel()
        }
    }

    /// Runs `body` to its end in a task that neither `stop()` nor the caller's cancellation cancels: for work that
    /// stops itself at its next boundary once `isStopped` (the batches of a run), so that a batch in flight when the
    /// shutdown grace expires commits rather than rolls back and is never run twice. The waits inside it that may
    /// outlast the deadline (DataHub) go through `cancelling`.
    public func shielded<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await Task { try await body() }.value
    }
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
    /// The table's rows as the catalog estimates them, when the warehouse can tell.
    public var estimatedRows: Int?

    public init(rowsUpdated: Int = 0, batches: Int = 0, lastKey: String? = nil, plannedBatches: Int? = nil, estimatedRows: Int? = nil) {
        self.rowsUpdated = rowsUpdated
        self.batches = batches
        self.lastKey = lastKey
        self.plannedBatches = plannedBatches
        self.estimatedRows = estimatedRows
    }
}

/// Told of each committed batch, so the run ledger and progress reports follow the work.
public protocol ProgressSink: Sendable {
    func progressed(_ progress: TokenizationProgress) async
    /// The request's careful rows are behind the run (`TokenizationRequest.careful`): none stopped the process.
    func carefulRowsPassed() async
}

extension ProgressSink {
    public func carefulRowsPassed() async {}
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
    /// Triggers and rules each batch disables in its own transaction (policy `skip`).
    public var skip: TriggerSkip
    /// After an attempt that stopped with the process gone (`CrashGuard`): the rows of one batch after the last
    /// committed one are written one row per batch, so a value that stops the process again is pinned to one row.
    public var careful: Bool

    public init(
        runID: String, table: TableDescription, columns: [ColumnPlan], mode: TokenizationMode, stop: StopSignal = StopSignal(),
        skip: TriggerSkip = TriggerSkip(), careful: Bool = false
    ) {
        self.runID = runID
        self.table = table
        self.columns = columns
        self.mode = mode
        self.stop = stop
        self.skip = skip
        self.careful = careful
    }
}

/// A rehearsal's outcome: sampled rows written with their tokens in a transaction that was rolled back.
public struct Rehearsal: Sendable, Equatable {
    /// Rows written (and rolled back).
    public var rows: Int
    /// Why the warehouse refused the tokens, with what to do; nil when it took them.
    public var refusal: String?

    public init(rows: Int, refusal: String? = nil) {
        self.rows = rows
        self.refusal = refusal
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
    /// Values this attempt left as they were because their token would not fit the column, per column.
    public var refused: [String: Int]

    public init(rowsUpdated: Int, batches: Int, pushedDown: Bool = true, refused: [String: Int] = [:]) {
        self.rowsUpdated = rowsUpdated
        self.batches = batches
        self.pushedDown = pushedDown
        self.refused = refused
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
    /// Counts, for every row, which values of the columns are empty, tokens, or still plaintext (read only).
    func verify(_ request: VerificationRequest) async throws(WarehouseError) -> VerificationReport
    /// Reads up to `rows` rows of `columns` for a plan or for PII discovery, spread over the table where the
    /// warehouse can sample (PostgreSQL `TABLESAMPLE SYSTEM`, Databricks `TABLESAMPLE`). Read only.
    func sample(_ table: TableDescription, columns: [String], rows: Int) async throws(WarehouseError) -> TableSample
    /// Removes what the old values leave behind in the warehouse after a run changed rows (dead row versions,
    /// table history), as configured; returns what was done and what may still hold old values, in words.
    func cleanUp(_ table: TableReference) async throws(WarehouseError) -> Residue
    /// Whether the warehouse answers.
    func ping() async -> Bool
    /// Opens, ahead of a run on `table`, what the run will need (connections, bookkeeping), so a one-off process
    /// does not wait for them one after the other. Best effort: a failure is the run's to meet and report.
    func warmUp(for table: TableReference) async
    /// What besides the rows an UPDATE of `columns` touches, from the catalog (`TableInspection`). Read only.
    func inspect(_ table: TableDescription, columns: [String]) async throws(WarehouseError) -> TableInspection
    /// Writes the tokens of up to `rows` of the request's rows in a transaction it rolls back, so a constraint, a
    /// domain, a cascade or a trigger that refuses them is found before any row changes. Leaves no change.
    func rehearse(_ request: TokenizationRequest, rows: Int) async throws(WarehouseError) -> Rehearsal
    /// Per `ff1` column of `columns`, how many values hold an `siv` token (the documented fallback). Read only.
    func ff1Fallbacks(_ table: TableDescription, columns: [ColumnPlan]) async throws(WarehouseError) -> [String: Int]
}

extension Warehouse {
    /// Nothing to open ahead of a run.
    public func warmUp(for table: TableReference) async {}

    /// A warehouse whose catalog has nothing of the kind, or that cannot tell.
    public func inspect(_ table: TableDescription, columns: [String]) async throws(WarehouseError) -> TableInspection {
        .nothing(table.table.description)
    }

    /// A warehouse without `ff1` tokens.
    public func ff1Fallbacks(_ table: TableDescription, columns: [ColumnPlan]) async throws(WarehouseError) -> [String: Int] { [:] }

    /// A warehouse that cannot roll a write back: nothing rehearsed.
    public func rehearse(_ request: TokenizationRequest, rows: Int) async throws(WarehouseError) -> Rehearsal {
        Rehearsal(rows: 0)
    }
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

    public func verify(_ request: VerificationRequest) async throws(WarehouseError) -> VerificationReport {
        throw WarehouseError(.notConfigured, message, table: request.table.table)
    }

    public func cleanUp(_ table: TableReference) async throws(WarehouseError) -> Residue {
        throw WarehouseError(.notConfigured, message, table: table)
    }
    public func sample(_ table: TableDescription, columns: [String], rows: Int) async throws(WarehouseError) -> TableSample {
        throw WarehouseError(.notConfigured, message, table: table.table)
    }

    public func ping() async -> Bool { true }
}

/// What a run's clean-up did, and what may still hold the old values: sentences for a compliance officer.
public struct Residue: Sendable, Equatable, Codable {
    /// What was done (`VACUUM (ANALYZE)` removed the dead row versions), or nil when nothing was.
    public var done: String?
    /// Where old values may remain (WAL, replicas, backups; Delta time travel).
    public var remaining: String
    /// A clean-up step that failed; the run stays successful, this says what to do.
    public var failure: String?

    public init(done: String?, remaining: String, failure: String? = nil) {
        self.done = done
        self.remaining = remaining
        self.failure = failure
    }

    /// The whole story in one paragraph.
    public var sentence: String {
        [done, failure.map { "Clean-up failed: \($0)." }, remaining].compactMap { $0 }.joined(separator: " ")
    }
}
