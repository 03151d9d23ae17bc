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
        /// Sampled values longer than ff1 takes (siv tokens too); ff1 columns only.
        public var aboveFF1Length: Int?
        /// Sampled values of whitespace only (left alone, like NULL and empty).
        public var blank: Int?
        /// Sampled values not in Unicode normalization form C (`notNFC`): with byte-exact tokens they get other tokens
        /// than their composed twins.
        public var notNFC: Int?
        /// How values are normalized first (absent: byte-exact).
        public var normalization: Normalization?
        /// How the column's type reads, when it is not plain text (`char(n)` padding, `citext`, a domain).
        public var typeNote: String?
        public var detected: [Detection]

        enum CodingKeys: String, CodingKey {
            case name, scheme, reason, empty, counted, fits, width, detected, blank, normalization
            case toChange = "to_change"
            case alreadyTokens = "already_tokens"
            case belowFF1Domain = "below_ff1_domain"
            case aboveFF1Length = "above_ff1_length"
            case notNFC = "not_nfc"
            case typeNote = "type_note"
        }
    }

    /// A `pii:<kind>` tag the plan adds to a field in DataHub (`DISCOVERY_TAG_FIELDS`).
    public struct FieldTag: Sendable, Codable, Equatable {
        public var fieldPath: String
        public var tag: String

        enum CodingKeys: String, CodingKey {
            case fieldPath = "field_path"
            case tag
        }
    }

    /// The columns a run would tokenize now, resolved exactly as a run resolves them.
    public var columns: [Column]
    /// Columns a run would not tokenize now in which value sampling found personal data, with what it found.
    public var proposed: [String: [Detection]]
    /// Tags the plan adds to fields in DataHub for what sampling found (empty unless `DISCOVERY_TAG_FIELDS`).
    public var fieldTags: [FieldTag] = []
    /// Columns where some sampled values validated as a kind, too few to propose it: the share and the most
    /// frequent forms of the values that did not, so a steward sees why.
    public var belowThreshold: [String: Finding]?
    /// Columns a steward dismissed (`DISMISS_TAG` on the field), with what sampling finds there now; not proposed.
    public var dismissed: [String: [Detection]]?

    /// What sampling found in a column that stays short of `SAMPLE_THRESHOLD`.
    public struct Finding: Sendable, Codable, Equatable {
        public var kind: PIIKind
        /// The share of the sampled non-empty values that validated as `kind`.
        public var share: Double
        /// The most frequent forms (`ValueForm`) of the values that validated as no kind, with their counts.
        public var rejectedForms: [RejectedForm]

        public struct RejectedForm: Sendable, Codable, Equatable {
            public var form: String
            public var count: Int
        }

        enum CodingKeys: String, CodingKey {
            case kind, share
            case rejectedForms = "rejected_forms"
        }

        /// The finding of a profile whose best kind has at least `floor` of its values, nil otherwise.
        public static func of(_ profile: ColumnProfile, floor: Double = 0.2) -> Finding? {
            guard let best = profile.ratios.first, best.ratio >= floor else { return nil }
            return Finding(
                kind: best.kind, share: (best.ratio * 1000).rounded() / 1000,
                rejectedForms: profile.topRejectedForms().map { RejectedForm(form: $0.form, count: $0.count) })
        }
    }
    /// Rows sampled and how (`1000 rows, TABLESAMPLE SYSTEM (2 %) of ~50000`).
    public var sample: String
    /// Field paths in DataHub that match no column of the table.
    public var unmappedFieldPaths: [String]
    /// What a run would find around the table (`TableChecks`): copies of the old values, cascades, triggers.
    public var table: TableReport?
    /// Why a run would be refused before any row changed, with what to do (empty: it would not be).
    public var refusals: [String]?

    enum CodingKeys: String, CodingKey {
        case columns, sample, proposed, table, refusals, dismissed
        case belowThreshold = "below_threshold"
        case fieldTags = "field_tags"
        case unmappedFieldPaths = "unmapped_field_paths"
    }

    public init(columns: [Column], proposed: [String: [Detection]], sample: String, unmappedFieldPaths: [String]) {
        self.columns = columns
        self.proposed = proposed
        self.sample = sample
        self.unmappedFieldPaths = unmappedFieldPaths
    }

    /// One sentence for the run's details.
    public var summary: String {
        let changes = columns.map { "\($0.name) (\($0.scheme.rawValue)): \($0.counted ? "" : "~")\($0.toChange) to change" }.joined(separator: "; ")
        var parts = ["plan only, no row changed: \(changes.isEmpty ? "a run would find no column to tokenize" : changes)"]
        let narrow = columns.filter { !$0.fits }.map(\.name)
        if !narrow.isEmpty { parts.append("too narrow for their tokens: \(narrow.joined(separator: ", "))") }
        if !proposed.isEmpty {
            let found = proposed.keys.sorted().map { column in "\(column) (\(proposed[column]?.first?.kind.rawValue ?? "personal data"))" }
            parts.append("value sampling proposes: \(found.joined(separator: ", "))")
        }
        if let belowThreshold, !belowThreshold.isEmpty {
            let short = belowThreshold.keys.sorted().compactMap { column in
                belowThreshold[column].map { "\(column) (\(Int(($0.share * 100).rounded())) % \($0.kind.rawValue))" }
            }
            parts.append("below the threshold: \(short.joined(separator: ", "))")
        }
        if let dismissed, !dismissed.isEmpty { parts.append("dismissed by a steward: \(dismissed.keys.sorted().joined(separator: ", "))") }
        if !unmappedFieldPaths.isEmpty { parts.append("field paths matching no column: \(unmappedFieldPaths.joined(separator: ", "))") }
        if let refusals, !refusals.isEmpty { parts.append("a run would be refused: \(refusals.joined(separator: "; "))") }
        if let table, !table.isEmpty { parts.append(table.sentence) }
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
