import Discovery
import Foundation
import Tokenization
import WarehouseKit

/// What a plan (dry run) found: per column, why it would be tokenized, what a run would change, whether its
/// tokens fit, and the kinds of personal data sampling detected. Counts and ratios only, never a value.
public struct PlanReport: Sendable, Codable, Equatable {
    public struct Detection: Sendable, Codable, Equatable {
        public var kind: PIIKind
        /// The share of the sampled non-empty values that validated as this kind.
        public var confidence: Double

        public init(kind: PIIKind, confidence: Double) {
            self.kind = kind
            self.confidence = confidence
        }
    }

    public struct Column: Sendable, Codable, Equatable {
        public var name: String
        public var scheme: TokenSchemeName
        /// Why a run would choose it: the trigger tag, named in the request, a `pii` tag, value sampling, its name.
        public var reason: String
        /// Values a run would replace (plaintext), already tokens, and NULL or empty.
        public var toChange: Int
        public var alreadyTokens: Int
        public var empty: Int
        /// Whether the counts were counted over every row (else estimated from the sample).
        public var counted: Bool
        /// Whether the column can hold the scheme's tokens, and why, in words.
        public var fits: Bool
        public var width: String
        /// Sampled values below ff1's minimum domain (they would get siv tokens); ff1 columns only.
        public var belowFF1Domain: Int?
        public var detected: [Detection]
    }

    public var columns: [Column]
    /// Text columns the plan would not tokenize in which sampling detected personal data.
    public var alsoDetected: [String: [Detection]]
    /// Rows sampled and how (`1000 rows, TABLESAMPLE SYSTEM (2 %) of ~50000`).
    public var sample: String
    /// Field paths in DataHub that match no column of the table.
    public var unmappedFieldPaths: [String]

    public init(columns: [Column], alsoDetected: [String: [Detection]], sample: String, unmappedFieldPaths: [String]) {
        self.columns = columns
        self.alsoDetected = alsoDetected
        self.sample = sample
        self.unmappedFieldPaths = unmappedFieldPaths
    }

    /// One sentence for the run's details.
    public var summary: String {
        let changes = columns.map { "\($0.name) (\($0.scheme.rawValue)): \($0.counted ? "" : "~")\($0.toChange) to change" }.joined(separator: "; ")
        var parts = ["plan only, no row changed: \(changes.isEmpty ? "no column" : changes)"]
        let narrow = columns.filter { !$0.fits }.map(\.name)
        if !narrow.isEmpty { parts.append("too narrow for their tokens: \(narrow.joined(separator: ", "))") }
        if !alsoDetected.isEmpty { parts.append("personal data also detected in: \(alsoDetected.keys.sorted().joined(separator: ", "))") }
        if !unmappedFieldPaths.isEmpty { parts.append("field paths matching no column: \(unmappedFieldPaths.joined(separator: ", "))") }
        return parts.joined(separator: "; ")
    }

    /// Whether a column of `description` can hold tokens up to `longestToken` characters, in words.
    public static func width(of column: ColumnDescription?, longestToken: Int?) -> (fits: Bool, text: String) {
        guard let limit = column?.characterLimit else { return (true, "fits (\(column?.dataType ?? "text"): no length limit)") }
        guard let longestToken else { return (true, "fits (\(limit) characters; nothing to tokenize in the sample)") }
        if longestToken <= limit { return (true, "fits (tokens up to \(longestToken) of \(limit) characters, from the sample)") }
        return (false, "too narrow: tokens need up to \(longestToken) characters, the column holds \(limit); widen it or choose another scheme")
    }

    /// The detections of a profile with at least `floor` confidence, most confident first.
    public static func detections(_ profile: ColumnProfile, floor: Double = 0.2) -> [Detection] {
        profile.ratios.filter { $0.ratio >= floor }.map { Detection(kind: $0.kind, confidence: ($0.ratio * 1000).rounded() / 1000) }
    }
}
