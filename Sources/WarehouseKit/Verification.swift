import Foundation
import Tokenization

/// What a verification scan asks of a warehouse: the run's columns and their schemes.
public struct VerificationRequest: Sendable {
    public var table: TableDescription
    public var columns: [ColumnPlan]
    /// siv tokens decrypted in the service to prove they are genuine (`VERIFY_SAMPLE`, default 10 000).
    public var sampleSize: Int
    /// The watermark of the dataset's last verification that found every value of these columns empty or a token
    /// (`VerificationReport.watermark`). A warehouse that can prove which rows are unchanged since then checks only
    /// the others; when it cannot (nil, or the proof does not hold), it checks every row.
    public var since: String?
    /// Whether a clean verification records its mark (and reads `since`). A plan's counts do not: a plan writes
    /// nothing, and its counts are not a run's proof.
    public var recordsMark: Bool

    public init(table: TableDescription, columns: [ColumnPlan], sampleSize: Int = 10_000, since: String? = nil, recordsMark: Bool = true) {
        self.table = table
        self.columns = columns
        self.sampleSize = sampleSize
        self.since = since
        self.recordsMark = recordsMark
    }
}

/// One column's verification: every row counted, never a value shown.
public struct ColumnVerification: Sendable, Equatable, Codable {
    public var column: String
    public var scheme: TokenSchemeName
    /// NULL or empty: nothing to protect.
    public var empty: Int
    /// Recognised tokens of a configured key (hmac, poc, siv: shape; ff1: the ledger).
    public var tokens: Int
    /// Values that are still plaintext (or look like tokens but are not genuine).
    public var plaintext: Int
    /// The first few row keys holding plaintext (primary key, or the physical row id), never the values.
    public var plaintextKeys: [String]
    /// siv: how many tokens were decrypted in the service, and how many of those failed authentication.
    public var sampled: Int?
    public var sampleFailures: Int?

    public init(
        column: String, scheme: TokenSchemeName, empty: Int, tokens: Int, plaintext: Int, plaintextKeys: [String] = [], sampled: Int? = nil,
        sampleFailures: Int? = nil
    ) {
        self.column = column
        self.scheme = scheme
        self.empty = empty
        self.tokens = tokens
        self.plaintext = plaintext
        self.plaintextKeys = plaintextKeys
        self.sampled = sampled
        self.sampleFailures = sampleFailures
    }

    enum CodingKeys: String, CodingKey {
        case column, scheme, empty, tokens, plaintext
        case plaintextKeys = "plaintext_keys"
        case sampled
        case sampleFailures = "sample_failures"
    }
}

/// The outcome of verifying a table's tokenized columns.
public struct VerificationReport: Sendable, Equatable, Codable {
    /// Rows in the table when it was scanned.
    public var rows: Int
    public var columns: [ColumnVerification]
    public var verifiedAt: Date
    /// Set when every value was empty or a token and the warehouse recorded where this verification stands: a
    /// later verification of the same columns may pass it as `VerificationRequest.since`.
    public var watermark: String?
    /// When only rows written since the previous clean verification were checked: how many. The other rows are
    /// unchanged since that verification, which found each of their values empty or a token. nil: every row checked.
    public var rowsCheckedSince: Int?

    public init(rows: Int, columns: [ColumnVerification], verifiedAt: Date = Date(), watermark: String? = nil, rowsCheckedSince: Int? = nil) {
        self.rows = rows
        self.columns = columns
        self.verifiedAt = verifiedAt
        self.watermark = watermark
        self.rowsCheckedSince = rowsCheckedSince
    }

    enum CodingKeys: String, CodingKey {
        case rows, columns, plaintext, watermark
        case verifiedAt = "verified_at"
        case rowsCheckedSince = "rows_checked_since"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        rows = try container.decode(Int.self, forKey: .rows)
        columns = try container.decode([ColumnVerification].self, forKey: .columns)
        verifiedAt = try container.decode(Date.self, forKey: .verifiedAt)
        watermark = try container.decodeIfPresent(String.self, forKey: .watermark)
        rowsCheckedSince = try container.decodeIfPresent(Int.self, forKey: .rowsCheckedSince)
    }

    /// Encodes the total `plaintext` too, for readers of the record.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rows, forKey: .rows)
        try container.encode(columns, forKey: .columns)
        try container.encode(plaintext, forKey: .plaintext)
        try container.encode(verifiedAt, forKey: .verifiedAt)
        try container.encodeIfPresent(watermark, forKey: .watermark)
        try container.encodeIfPresent(rowsCheckedSince, forKey: .rowsCheckedSince)
    }

    /// Plaintext values left over every column.
    public var plaintext: Int { columns.reduce(0) { $0 + $1.plaintext } }

    /// `0 plaintext values remain in 1,000,000 rows (email, phone)` or, when some remain, which columns hold
    /// how many and the first row keys.
    public var summary: String {
        let rowsText = rows.formatted(.number.grouping(.automatic))
        let scope =
            rowsCheckedSince.map {
                "; the \($0.formatted(.number.grouping(.automatic))) row(s) written since the last clean verification checked, the others "
                    + "unchanged since it"
            } ?? ""
        guard plaintext > 0 else { return "0 plaintext values remain in \(rowsText) rows (\(columns.map(\.column).joined(separator: ", "))\(scope))" }
        let parts = columns.filter { $0.plaintext > 0 }.map { column in
            guard !column.plaintextKeys.isEmpty else { return "\(column.column): \(column.plaintext)" }
            let more = column.plaintext > column.plaintextKeys.count ? ", …" : ""
            return "\(column.column): \(column.plaintext) (rows \(column.plaintextKeys.joined(separator: ", "))\(more))"
        }
        return "\(plaintext) plaintext value(s) remain in \(rowsText) rows: \(parts.joined(separator: "; "))\(scope)"
    }
}
