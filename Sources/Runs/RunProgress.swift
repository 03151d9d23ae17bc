import Foundation
import WarehouseKit

/// Where a running run stands, as `GET /runs/{id}`, the progress log line and DataHub show it. Percent, rows per
/// second and the time left are estimates: the plan comes from the key range or the catalog's row estimate.
public struct RunProgress: Sendable, Codable, Equatable {
    /// Batches committed, over every attempt of the run.
    public var batches: Int
    /// Batches the whole table is expected to take (estimated), when the warehouse can tell.
    public var plannedBatches: Int?
    /// Rows changed so far (every attempt).
    public var rowsChanged: Int
    /// The table's rows, as the catalog estimates them (`pg_class.reltuples`).
    public var estimatedRows: Int?
    /// The key (or page) the last committed batch ended at.
    public var currentKey: String?
    /// Rows changed per second in this attempt.
    public var rowsPerSecond: Double?
    /// 0…99 while running (estimated).
    public var percent: Int?
    /// Seconds left, estimated from this attempt's pace.
    public var etaSeconds: Int?
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case batches
        case plannedBatches = "planned_batches"
        case rowsChanged = "rows_changed"
        case estimatedRows = "estimated_rows"
        case currentKey = "current_key"
        case rowsPerSecond = "rows_per_second"
        case percent
        case etaSeconds = "eta_seconds"
        case updatedAt = "updated_at"
    }

    public init(
        batches: Int, plannedBatches: Int? = nil, rowsChanged: Int, estimatedRows: Int? = nil, currentKey: String? = nil,
        rowsPerSecond: Double? = nil, percent: Int? = nil, etaSeconds: Int? = nil, updatedAt: Date = Date()
    ) {
        self.batches = batches
        self.plannedBatches = plannedBatches
        self.rowsChanged = rowsChanged
        self.estimatedRows = estimatedRows
        self.currentKey = currentKey
        self.rowsPerSecond = rowsPerSecond
        self.percent = percent
        self.etaSeconds = etaSeconds
        self.updatedAt = updatedAt
    }

    /// One line for people: `Running — 45 % (~450,000 of ~1,000,000 rows), 449,812 rows changed, 21,000 rows/s,
    /// about 26 s left (estimated)`.
    public var sentence: String {
        var text = "Running"
        if let percent {
            text += " — \(percent) %"
            if let estimatedRows {
                text += " (~\(Self.grouped(estimatedRows * percent / 100)) of ~\(Self.grouped(estimatedRows)) rows)"
            }
        } else {
            text += " — batch \(batches)"
        }
        text += ", \(Self.grouped(rowsChanged)) rows changed"
        if let rowsPerSecond { text += ", \(Self.grouped(Int(rowsPerSecond.rounded()))) rows/s" }
        if let etaSeconds { text += ", about \(Self.duration(etaSeconds)) left" }
        return percent == nil && etaSeconds == nil ? text : text + " (estimated)"
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(abs(value))
        var groups: [Substring] = []
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(digits[start..<end], at: 0)
            end = start
        }
        return (value < 0 ? "-" : "") + groups.joined(separator: ",")
    }

    static func duration(_ seconds: Int) -> String {
        switch seconds {
        case ..<60: return "\(seconds) s"
        case ..<3600: return "\(seconds / 60) min \(seconds % 60) s"
        default: return "\(seconds / 3600) h \(seconds % 3600 / 60) min"
        }
    }
}

/// Turns the warehouse's committed progress into a `RunProgress`, pacing this attempt from its first report.
/// Pure: the clock is passed in.
public struct ProgressEstimator: Sendable {
    private var origin: (at: Date, batches: Int, rows: Int)?

    public init() {}

    public mutating func report(_ progress: TokenizationProgress, at now: Date) -> RunProgress {
        let origin = self.origin ?? (now, progress.batches, progress.rowsUpdated)
        self.origin = origin
        let elapsed = now.timeIntervalSince(origin.at)
        let batchesThisAttempt = progress.batches - origin.batches
        var report = RunProgress(
            batches: progress.batches, plannedBatches: progress.plannedBatches, rowsChanged: progress.rowsUpdated,
            estimatedRows: progress.estimatedRows, currentKey: progress.lastKey, updatedAt: now)
        if elapsed > 0, batchesThisAttempt > 0 {
            report.rowsPerSecond = Double(progress.rowsUpdated - origin.rows) / elapsed
        }
        if let planned = progress.plannedBatches, planned > 0 {
            report.percent = min(99, progress.batches * 100 / planned)
            if batchesThisAttempt > 0, planned > progress.batches {
                report.etaSeconds = Int((elapsed / Double(batchesThisAttempt) * Double(planned - progress.batches)).rounded(.up))
            }
        }
        return report
    }
}
