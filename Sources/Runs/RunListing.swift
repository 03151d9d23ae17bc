import Catalog
import Foundation

/// `tokenize-action runs`: recent runs as a fixed-width table, one line per run, newest first. A running run shows
/// its progress sentence; a finished one its rows and how it ended.
public enum RunListing {
    public static func render(_ runs: [RunRecord]) -> String {
        guard !runs.isEmpty else { return "no runs" }
        let header = ["RUN", "STATUS", "STARTED (UTC)", "DATASET", "PROGRESS / OUTCOME"]
        let rows = runs.map { run in
            [
                String(run.runID.prefix(8)), run.status.rawValue,
                String(RunRecord.utcString(run.startedAt ?? run.createdAt).prefix(19)).replacingOccurrences(of: "T", with: " "),
                datasetName(run.dataset), outcome(run),
            ]
        }
        let widths = (0..<header.count - 1).map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        return ([header] + rows).map { cells in
            cells.enumerated().map { index, cell in index < widths.count ? cell.padding(toLength: widths[index], withPad: " ", startingAt: 0) : cell }
                .joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// `platform:name` of a dataset URN (`postgres:shop.public.customers`).
    static func datasetName(_ dataset: DatasetURN) -> String {
        "\(dataset.platform):\(dataset.name)"
    }

    static func outcome(_ run: RunRecord) -> String {
        if run.status == .running, let progress = run.progress { return progress.sentence }
        let rows = "\(RunProgress.grouped(run.rowsUpdated)) rows"
        let text = run.details.isEmpty ? rows : "\(rows); \(run.details)"
        return text.count > 100 ? String(text.prefix(99)) + "…" : text
    }
}
