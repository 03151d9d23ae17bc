import Catalog
import Foundation
import KafkaModel
import Tokenization
import WarehouseKit

/// Everything recorded about one run in the ledger: returned by the HTTP API, and (in part) written to DataHub.
public struct RunRecord: Sendable, Codable, Equatable {
    public struct WriteBack: Sendable, Codable, Equatable {
        public var state: WriteBackState
        public var attempts: Int
        public var error: String?
        /// How many times a write-back was asked for from outside the worker (an approval ignored while the
        /// previous write-back was being published): a write-back finishes only if this did not move meanwhile.
        /// Bookkeeping of the ledger, not part of the API's JSON.
        public var revision: Int = 0

        enum CodingKeys: String, CodingKey {
            case state, attempts, error
        }

        public init(state: WriteBackState = .none, attempts: Int = 0, error: String? = nil, revision: Int = 0) {
            self.state = state
            self.attempts = attempts
            self.error = error
            self.revision = revision
        }
    }

    public var runID: String
    public var dataset: DatasetURN
    public var scope: RunScope
    public var status: RunStatus
    public var source: RunSource
    public var requestedBy: String?
    public var position: KafkaPosition?
    /// Whether the run stands only for tags in DataHub (checked for staleness when it starts).
    public var tagTriggered: Bool
    /// The columns, once resolved (a resumed run keeps its plan).
    public var columns: [String]
    /// The token scheme of each column (`{"email": "siv"}`).
    public var schemes: [String: TokenSchemeName]
    /// `tokenize`, or `rekey` for a run that also moves tokens to the newest key.
    public var mode: TokenizationMode
    public var rowsUpdated: Int
    public var batches: Int
    public var plannedBatches: Int?
    public var details: String
    public var errorCode: String?
    /// Attempts started (a run interrupted or postponed resumes in a later attempt).
    public var attempts: Int
    public var coalescedInto: String?
    /// What the verification scan found after the batches (or alone, for a verify-only run).
    public var verification: VerificationReport?
    /// What the clean-up after the run did, and where old values may remain.
    public var residue: Residue?
    /// While RUNNING: percent, pace and time left (estimated).
    public var progress: RunProgress?
    /// A plan's findings (plan runs only).
    public var plan: PlanReport?
    /// After a SUCCESS: downstream datasets (DataHub lineage) that may still hold the values.
    public var downstream: DownstreamReport?
    /// What the run found around its table and did about it: constraints, cascades, generated columns, triggers,
    /// and every place that holds or receives a copy of the old values (`TableChecks`).
    public var table: TableReport?
    /// Per column, what was not tokenized as asked and why: values refused (token longer than the column), values
    /// given an `siv` token in an `ff1` column, values left alone (empty or whitespace only).
    public var deviations: [String: ColumnDeviations]?
    /// Columns whose values are normalized before tokenizing (absent: byte-exact).
    public var normalizations: [String: Normalization]?
    /// Attempts that ended with the process gone before they saved an outcome, in a row (`CrashGuard`).
    public var stoppedAttempts: Int?
    /// Whether this attempt works carefully: a stopped attempt came before it (`CrashGuard`). Bookkeeping of the ledger.
    public var careful = false
    /// An attempt began and has not saved its outcome yet (`RunStore.beginAttempt`): no request merges into it.
    public var attemptInProgress = false
    /// The approver, when the policy asked for one and they approved (`approval` rules).
    public var approvedBy: String?
    public var approvedAt: Date?
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var writeBack: WriteBack

    enum CodingKeys: String, CodingKey {
        case runID = "run_id"
        case dataset, scope, status, source
        case requestedBy = "requested_by"
        case position = "kafka"
        case tagTriggered = "tag_triggered"
        case columns, schemes, mode
        case rowsUpdated = "rows_updated"
        case batches
        case plannedBatches = "planned_batches"
        case details
        case errorCode = "error_code"
        case attempts
        case coalescedInto = "coalesced_into"
        case approvedBy = "approved_by"
        case approvedAt = "approved_at"
        case verification, residue, progress, plan, downstream, table, deviations, normalizations
        case stoppedAttempts = "stopped_attempts"
        case attemptInProgress = "attempt_in_progress"
        case createdAt = "created_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case writeBack = "write_back"
    }

    public init(
        runID: String, dataset: DatasetURN, scope: RunScope, status: RunStatus = .queued, source: RunSource, requestedBy: String? = nil,
        position: KafkaPosition? = nil, tagTriggered: Bool = false, columns: [String] = [], schemes: [String: TokenSchemeName] = [:],
        mode: TokenizationMode = .tokenize, rowsUpdated: Int = 0, batches: Int = 0, plannedBatches: Int? = nil, details: String = "",
        errorCode: String? = nil, attempts: Int = 0, coalescedInto: String? = nil, approvedBy: String? = nil, approvedAt: Date? = nil,
        verification: VerificationReport? = nil, residue: Residue? = nil, progress: RunProgress? = nil, plan: PlanReport? = nil,
        downstream: DownstreamReport? = nil, createdAt: Date = Date(), startedAt: Date? = nil, finishedAt: Date? = nil,
        writeBack: WriteBack = WriteBack(),
        attemptInProgress: Bool = false
    ) {
        self.attemptInProgress = attemptInProgress
        self.runID = runID
        self.dataset = dataset
        self.scope = scope
        self.status = status
        self.source = source
        self.requestedBy = requestedBy
        self.position = position
        self.tagTriggered = tagTriggered
        self.columns = columns
        self.schemes = schemes
        self.mode = mode
        self.rowsUpdated = rowsUpdated
        self.batches = batches
        self.plannedBatches = plannedBatches
        self.details = details
        self.errorCode = errorCode
        self.attempts = attempts
        self.coalescedInto = coalescedInto
        self.approvedBy = approvedBy
        self.approvedAt = approvedAt
        self.verification = verification
        self.residue = residue
        self.progress = progress
        self.plan = plan
        self.downstream = downstream
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.writeBack = writeBack
    }

    /// Whether the worker takes the run up: queued or running, or awaiting approval and approved.
    public var isRunnable: Bool { status.isRunnable || (status == .awaitingApproval && approvedBy != nil) }

    /// Whether someone waiting for the run can stop waiting: it is final, or it waits for a person.
    public var isSettled: Bool { !isRunnable }

    /// The column plans of a resolved run, in column order.
    public var plans: [ColumnPlan] {
        columns.compactMap { name in schemes[name].map { ColumnPlan(name: name, scheme: $0, normalization: normalizations?[name] ?? .none) } }
    }

    /// What DataHub's `last_tokenization_run` property holds: the outcome, not the bookkeeping.
    public struct Summary: Sendable, Codable, Equatable {
        public var runID: String
        public var dataset: DatasetURN
        public var status: RunStatus
        public var columns: [String]
        public var schemes: [String: TokenSchemeName]
        public var mode: TokenizationMode
        public var rowsUpdated: Int
        public var details: String
        public var source: RunSource
        public var requestedBy: String?
        public var approvedBy: String?
        public var verification: VerificationReport?
        public var residue: Residue?
        public var table: TableReport?
        public var deviations: [String: ColumnDeviations]?
        public var startedAt: Date?
        public var finishedAt: Date?

        enum CodingKeys: String, CodingKey {
            case runID = "run_id"
            case dataset, status, columns, schemes, mode
            case rowsUpdated = "rows_updated"
            case details, source
            case requestedBy = "requested_by"
            case approvedBy = "approved_by"
            case verification, residue, table, deviations
            case startedAt = "started_at"
            case finishedAt = "finished_at"
        }
    }

    public var summary: Summary {
        Summary(
            runID: runID, dataset: dataset, status: status, columns: columns, schemes: schemes, mode: mode, rowsUpdated: rowsUpdated,
            details: details, source: source, requestedBy: requestedBy, approvedBy: approvedBy, verification: verification, residue: residue,
            table: table, deviations: deviations, startedAt: startedAt, finishedAt: finishedAt)
    }

    /// A JSON encoder for records: sorted keys, ISO 8601 UTC dates with milliseconds.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RunRecord.utcString(date))
        }
        return encoder
    }

    /// A decoder matching `encoder()`.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = UTCTimestamp.date(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an ISO 8601 date: \(text)"))
            }
            return date
        }
        return decoder
    }

    /// `2026-11-21T10:55:00.123Z`.
    public static func utcString(_ date: Date) -> String {
        UTCTimestamp.string(date)
    }

    /// The record as compact JSON.
    public func jsonString() -> String {
        (try? String(decoding: Self.encoder().encode(self), as: UTF8.self)) ?? "{}"
    }

    /// The summary as compact JSON (DataHub's property value).
    public func summaryJSON() -> String {
        (try? String(decoding: Self.encoder().encode(summary), as: UTF8.self)) ?? "{}"
    }
}

/// What a run did not tokenize as asked in one column, and why. Counts only.
public struct ColumnDeviations: Sendable, Codable, Equatable {
    /// Values left as they were because their token is longer than the column holds (they remain plaintext, which
    /// the verification counts).
    public var refused: Int
    /// Values of an `ff1` column given an `siv` token: fewer than 6 digits or 4 letters and digits (below NIST's
    /// minimum domain), or more than 4,096.
    public var fellBackToSIV: Int?
    /// Values left alone because they hold nothing to protect: NULL, empty, or whitespace only.
    public var nothingToProtect: Int?

    public init(refused: Int = 0, fellBackToSIV: Int? = nil, nothingToProtect: Int? = nil) {
        self.refused = refused
        self.fellBackToSIV = fellBackToSIV
        self.nothingToProtect = nothingToProtect
    }

    enum CodingKeys: String, CodingKey {
        case refused
        case fellBackToSIV = "fell_back_to_siv"
        case nothingToProtect = "nothing_to_protect"
    }

    /// `3 refused (token longer than the column); 2 given siv tokens (outside ff1's 6…4,096); 10 left alone (empty
    /// or whitespace only)`, or nil when there is nothing to say.
    public var sentence: String? {
        var parts: [String] = []
        if refused > 0 { parts.append("\(refused) refused (token longer than the column; left as they were)") }
        if let fellBackToSIV, fellBackToSIV > 0 {
            parts.append(
                "\(fellBackToSIV) given siv tokens (fewer than 6 digits or 4 letters and digits, or more than \(Tokenizer.ff1MaximumLength), for ff1)"
            )
        }
        if let nothingToProtect, nothingToProtect > 0 { parts.append("\(nothingToProtect) left alone (NULL, empty or whitespace only)") }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}
