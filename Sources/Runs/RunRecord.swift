import Foundation
import Tokenization

/// The outcome of a run.
public enum RunStatus: String, Sendable, Codable {
    case success = "SUCCESS"
    case failed = "FAILED"
    /// The dataset's platform is known but not configured; nothing was changed.
    case skipped = "SKIPPED"
}

/// Everything recorded about one run: returned by the HTTP API and written to DataHub.
public struct RunRecord: Sendable, Codable, Equatable {
    public var runID: String
    public var dataset: String
    public var columns: [String]
    /// The token scheme of each column (`{"email": "siv"}`).
    public var schemes: [String: TokenSchemeName]
    /// `tokenize`, or `rekey` for a run that also moved tokens to the newest key.
    public var mode: TokenizationMode
    public var rowsUpdated: Int
    public var status: RunStatus
    public var details: String
    public var startedAt: Date
    public var finishedAt: Date

    enum CodingKeys: String, CodingKey {
        case runID = "run_id"
        case dataset, columns, schemes, mode
        case rowsUpdated = "rows_updated"
        case status, details
        case startedAt = "started_at"
        case finishedAt = "finished_at"
    }

    public init(
        runID: String, dataset: String, columns: [String], schemes: [String: TokenSchemeName] = [:], mode: TokenizationMode = .tokenize, rowsUpdated: Int,
        status: RunStatus, details: String, startedAt: Date, finishedAt: Date
    ) {
        self.runID = runID
        self.dataset = dataset
        self.columns = columns
        self.schemes = schemes
        self.mode = mode
        self.rowsUpdated = rowsUpdated
        self.status = status
        self.details = details
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }

    /// A JSON encoder for run records: sorted keys, ISO 8601 UTC dates with milliseconds.
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
            guard let date = utcFormatter().date(from: text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an ISO 8601 date: \(text)"))
            }
            return date
        }
        return decoder
    }

    /// `2026-11-21T10:55:00.123Z`.
    public static func utcString(_ date: Date) -> String {
        utcFormatter().string(from: date)
    }

    private static func utcFormatter() -> ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter
    }

    /// The record as compact JSON.
    public func jsonString() -> String {
        (try? String(decoding: Self.encoder().encode(self), as: UTF8.self)) ?? "{}"
    }
}
