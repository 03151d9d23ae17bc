import Foundation
import Tokenization

/// The decisions for a whole batch of rows, spread over the machine's cores when the batch is large enough to
/// pay for it. Rows are cut into contiguous slices and the results come back in row order, so the outcome is
/// exactly the serial one. Pure (CPU only).
public enum CellDecisions {
    /// One task per core, at most 8.
    public static let defaultParallelism = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
    /// Below this many cells a batch is decided on the calling task: a child task costs more than it saves.
    public static let minimumCellsPerTask = 2_048

    /// Decides every cell of `rows` (one value per column, in `schemes` order).
    ///
    /// - Parameters:
    ///   - ledger: the ledger entry of (row index, column index), ff1 only.
    ///   - normalizations: each column's normalization (empty: byte-exact everywhere).
    public static func decide(
        _ rows: [[String?]], schemes: [TokenSchemeName], normalizations: [Normalization] = [], tokenizer: Tokenizer, mode: TokenizationMode,
        ledger: @escaping @Sendable (Int, Int) -> LedgerEntry?, parallelism: Int = defaultParallelism
    ) async throws -> [[CellDecision]] {
        let cells = rows.count * max(1, schemes.count)
        let tasks = max(1, min(parallelism, cells / minimumCellsPerTask))
        guard tasks > 1 else {
            return try decide(
                rows, range: rows.indices, schemes: schemes, normalizations: normalizations, tokenizer: tokenizer, mode: mode, ledger: ledger)
        }
        let sliceSize = (rows.count + tasks - 1) / tasks
        return try await withThrowingTaskGroup(of: (Int, [[CellDecision]]).self) { group in
            for start in stride(from: 0, to: rows.count, by: sliceSize) {
                let range = start..<min(start + sliceSize, rows.count)
                group.addTask {
                    (
                        start,
                        try decide(
                            rows, range: range, schemes: schemes, normalizations: normalizations, tokenizer: tokenizer, mode: mode, ledger: ledger)
                    )
                }
            }
            var slices: [(Int, [[CellDecision]])] = []
            for try await slice in group { slices.append(slice) }
            return slices.sorted { $0.0 < $1.0 }.flatMap(\.1)
        }
    }

    private static func decide(
        _ rows: [[String?]], range: Range<Int>, schemes: [TokenSchemeName], normalizations: [Normalization], tokenizer: Tokenizer,
        mode: TokenizationMode, ledger: (Int, Int) -> LedgerEntry?
    ) throws(TokenizationError) -> [[CellDecision]] {
        var decisions: [[CellDecision]] = []
        decisions.reserveCapacity(range.count)
        for row in range {
            var decided: [CellDecision] = []
            decided.reserveCapacity(schemes.count)
            for (column, scheme) in schemes.enumerated() {
                FaultHook.check(rows[row][column])
                let normalization = column < normalizations.count ? normalizations[column] : .none
                decided.append(
                    try tokenizer.decide(rows[row][column], scheme: scheme, mode: mode, ledger: ledger(row, column), normalization: normalization))
            }
            decisions.append(decided)
        }
        return decisions
    }
}
